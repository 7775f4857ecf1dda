#!/usr/bin/env node
// Runs the Python test suite (python/tests) with an interpreter that has torch, onnx, numpy and pytest.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython, DEBIAN_PACKAGES } from './python.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { python, report } = findPython(['torch', 'onnx', 'numpy', 'pytest']);
if (!python) {
  process.stderr.write(`No Python can run the Python tests (tried: ${report}).\n` +
    `Run: sudo apt-get install -y ${DEBIAN_PACKAGES.join(' ')}, or set TIER4_PYTHON.\n`);
  process.exit(1);
}
const result = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', join(root, 'python', 'tests'), ...process.argv.slice(2)], {
  cwd: join(root, 'python'),
  stdio: 'inherit',
  env: { ...process.env, PYTHONPATH: join(root, 'python'), PYTHONDONTWRITEBYTECODE: '1' },
});
process.exit(result.status ?? 1);
