/** A differential test without its Python module fails with a message saying what was tried and how to fix it. */
import { afterEach, expect, test, vi } from 'vitest';
import { pythonWith } from './python-with.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

test('no interpreter with the module: an Error naming each interpreter tried, why, and the install command', () => {
  vi.stubEnv('TIER4_PYTHON', '/nonexistent/python3');
  let message = '';
  try {
    pythonWith('tier4_no_such_module');
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message).toMatch(/^this test needs a Python that can import tier4_no_such_module; tried:\n/);
  expect(message).toContain('\n  - /nonexistent/python3 [TIER4_PYTHON]: spawnSync /nonexistent/python3 ENOENT\n');
  expect(message).toContain("\n  - /usr/bin/python3 [the Debian default]: ModuleNotFoundError: No module named 'tier4_no_such_module'\n");
  expect(message).toMatch(/install it \(apt-get install -y python3-torch .*\) or set TIER4_PYTHON to an interpreter that has it$/);
});

test('an interpreter with the module is returned (numpy, which the differential tests need)', () => {
  vi.stubEnv('TIER4_PYTHON', '');
  expect(pythonWith('numpy')).toBe('/usr/bin/python3');
});
