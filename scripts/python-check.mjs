#!/usr/bin/env node
// The Python side of `npm test`: `python-check.mjs pytest` runs python/tests with pytest,
// `python-check.mjs mypy` type-checks python/ with mypy --strict (settings in python/pyproject.toml).
// Both use an interpreter that has torch, onnx, numpy and the tool itself.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptCommand, findPython, modulesFor, packagesFor } from './python.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tools = {
  // the JUnit XML holds each test's duration for `pnpm run test:slowest`
  pytest: ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${join(root, 'node_modules', '.cache', 'vitest-tier4', 'test-times', 'pytest.xml')}`, join(root, 'python', 'tests')],
  mypy: ['-m', 'mypy', '--cache-dir', join(root, 'node_modules', '.cache', 'mypy')],
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
