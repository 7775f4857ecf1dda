/**
 * The worker never outlives the Node process that started it: child Node processes start a
 * worker, then exit, are signalled, or forget to close it, and the test checks the Python pid.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { defaultCacheDir } from 'vitest-tier4-fixtures';
import { cleanupTmp, fixture, tmpDir, waitForExit } from '../tier4/helpers.js';

afterAll(cleanupTmp);

const dist = fileURLToPath(new URL('../../dist/runtimes/index.js', import.meta.url));
/**
 * The children's worker options: the interpreter probe is remembered in the suite's cache dir, so a
 * child starts one Python (its worker), not two (the probe imports torch as well); what is tested is
 * what happens to that worker when the child goes away.
 */
const WORKER_OPTIONS = JSON.stringify({ cacheDir: defaultCacheDir() });

async function script(body: string): Promise<string> {
  const path = join(await tmpDir('cleanup-'), 'child.mjs');
  await writeFile(path, `import { openTorchScriptRunner } from ${JSON.stringify(dist)};\n${body}\n`);
  return path;
}

/**
 * Runs a child Node script. A child that does not end is killed when the test's signal aborts (the
 * test timed out): a failure of that test, never a hung test run, and no wall-clock guard of its own.
 */
function runChild(path: string, args: string[], testSignal: AbortSignal, onPid?: (pid: number, child: ReturnType<typeof spawn>) => void) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; pid: number }>((resolve, reject) => {
    const child = spawn(process.execPath, [path, ...args], { stdio: ['ignore', 'pipe', 'pipe'], signal: testSignal, killSignal: 'SIGKILL' });
    child.stderr.resume();
    let out = '';
    let pid = -1;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PID (\d+)/.exec(out);
      if (m && pid < 0) {
        pid = Number(m[1]);
        onPid?.(pid, child);
      }
    });
    child.on('error', (err) => {
      if (err.name !== 'AbortError') reject(err);
    });
    child.on('exit', (code, signal) => resolve({ code, signal, pid }));
  });
}

describe('Python worker cleanup when Node goes away', () => {
  test.for([
    ['process.exit()', 'process.exit(0);'],
    ['an uncaught exception', "setTimeout(() => { throw new Error('boom'); }, 10);"],
    ['a forgotten runner (Node exits on its own, not kept alive by the worker)', ''],
  ] as const)('worker killed on %s', async ([, tail], { signal }) => {
    const fx = await fixture('simple_cnn');
    const path = await script(`const r = await openTorchScriptRunner(process.argv[2], ${WORKER_OPTIONS});\nconsole.log('PID ' + r.pid);\n${tail}`);
    const res = await runChild(path, [fx.dir], signal);
    expect(res.pid).toBeGreaterThan(0);
    expect(await waitForExit(res.pid)).toBe(true);
    expect(res.signal).toBeNull(); // ended by itself
  });

  test.for(['SIGTERM', 'SIGINT'] as const)('worker killed when Node receives %s', async (sig, { signal }) => {
    const fx = await fixture('simple_cnn');
    const path = await script(
      `const r = await openTorchScriptRunner(process.argv[2], ${WORKER_OPTIONS});\nconsole.log('PID ' + r.pid);\nsetInterval(() => {}, 1000);`,
    );
    const res = await runChild(path, [fx.dir], signal, (_pid, child) => child.kill(sig));
    expect(res.signal).toBe(sig); // default behaviour (terminate by the signal) is kept
    expect(await waitForExit(res.pid)).toBe(true);
  });

  test('worker exits by itself when its parent is SIGKILLed (stdin EOF / parent watchdog)', async ({ signal }) => {
    const fx = await fixture('simple_cnn');
    const path = await script(
      `const r = await openTorchScriptRunner(process.argv[2], ${WORKER_OPTIONS});\nconsole.log('PID ' + r.pid);\nsetInterval(() => {}, 1000);`,
    );
    const res = await runChild(path, [fx.dir], signal, (_pid, child) => child.kill('SIGKILL'));
    expect(res.signal).toBe('SIGKILL');
    expect(await waitForExit(res.pid)).toBe(true);
  });

  test('close() holds Node until the worker has exited, even past its grace period', async () => {
    // an idle worker is unref'd; a Python slower to exit than graceMs (here 0: killed at once) used to let Node
    // end with close() still pending, so a CLI run printed nothing and exited 0
    const path = join(await tmpDir('cleanup-'), 'close.mjs');
    await writeFile(
      path,
      `import { PythonWorker } from ${JSON.stringify(dist)};\n` +
        `const w = await PythonWorker.start(${WORKER_OPTIONS});\nconsole.log('PID ' + w.pid);\nawait w.close(0);\nconsole.log('CLOSED');\nprocess.exitCode = 7;\n`,
    );
    const child = spawn(process.execPath, [path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.resume();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(out).toContain('CLOSED');
    expect(code).toBe(7);
  });
});
