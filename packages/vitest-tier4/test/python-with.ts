/**
 * The Python interpreter the differential tests (numpy, onnx) run: TIER4_PYTHON, else Debian's
 * /usr/bin/python3. When none can import the module those tests FAIL with this message, like every
 * other test that needs the Python side, never skip: a suite that silently lost its differential
 * checks would pass on a broken set-up.
 */
import { spawnSync } from 'node:child_process';
import { PYTHON_INSTALL_COMMAND } from 'vitest-tier4-fixtures';

const found = new Map<string, string>();

/**
 * The first candidate interpreter that can `import <module>`.
 *
 * @throws Error naming every interpreter tried, why it could not be used, and the install command.
 */
export function pythonWith(module: string): string {
  const known = found.get(module);
  if (known !== undefined) return known;
  const env = process.env.TIER4_PYTHON;
  const candidates: Array<[string, string]> = env ? [[env, 'TIER4_PYTHON']] : [];
  candidates.push(['/usr/bin/python3', 'the Debian default']);
  const tried: string[] = [];
  for (const [exe, from] of candidates) {
    const r = spawnSync(exe, ['-c', `import ${module}`], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) {
      found.set(module, exe);
      return exe;
    }
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n').at(-1) ?? `exit code ${r.status}`);
    tried.push(`${exe} [${from}]: ${why}`);
  }
  throw new Error(
    `this test needs a Python that can import ${module}; tried:\n  - ${tried.join('\n  - ')}\n` +
      `install it (${PYTHON_INSTALL_COMMAND}) or set TIER4_PYTHON to an interpreter that has it`,
  );
}
