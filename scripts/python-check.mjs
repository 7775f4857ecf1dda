#!/usr/bin/env node
// The Python side of `npm test`: `python-check.mjs pytest` runs python/tests with pytest,
// `python-check.mjs mypy` type-checks python/ with mypy --strict (settings in python/pyproject.toml).
// Both use an interpreter that has torch, onnx, numpy and the tool itself.
//
// mypy's cache lives in the user's cache directory ($XDG_CACHE_HOME or ~/.cache, then
// vitest-tier4/mypy), not in the clone: most of a cold mypy run (about 70 of 85 s of CPU here) is
// the analysis of torch's own annotations, which does not depend on the clone, so a second clone or
// a fresh `node_modules` reuses it. mypy checks every cache entry against its source file (path,
// mtime, hash) and writes entries atomically, so clones at other commits and concurrent runs only
// cost it re-analysis, never a wrong answer. TIER4_MYPY_CACHE_DIR overrides the place.
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptCommand, findPython, modulesFor, packagesFor } from './python.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** Where mypy keeps its cache (see the file's comment). */
function mypyCacheDir() {
  if (process.env.TIER4_MYPY_CACHE_DIR) return process.env.TIER4_MYPY_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'vitest-tier4', 'mypy');
}
const tools = {
  // the JUnit XML holds each test's duration for `pnpm run test:slowest`
  pytest: ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${join(root, 'node_modules', '.cache', 'vitest-tier4', 'test-times', 'pytest.xml')}`, join(root, 'python', 'tests')],
  mypy: ['-m', 'mypy', '--cache-dir', mypyCacheDir()],
};
const [tool, ...rest] = process.argv.slice(2);
if (!(tool in tools)) {
  process.stderr.write(`usage: python-check.mjs pytest|mypy [args...] (received ${JSON.stringify(tool)})\n`);
  process.exit(2);
}
const { python, report } = findPython(modulesFor('test', [tool]));
if (!python) {
  process.stderr.write(`No Python can run ${tool} (tried: ${report}).\n` +
    `Run: sudo ${aptCommand(packagesFor('test'))}, or set TIER4_PYTHON.\n`);
  process.exit(1);
}
const result = spawnSync(python, [...tools[tool], ...rest], {
  cwd: join(root, 'python'),
  stdio: 'inherit',
  env: { ...process.env, PYTHONPATH: join(root, 'python'), PYTHONDONTWRITEBYTECODE: '1' },
});
process.exit(result.status ?? 1);
