/**
 * Nothing hangs in the runners: the Python worker's start-up has a limit that a larger timeout
 * option raises, and a model factory that never returns (a trusted model source rebuilding the eager baseline)
 * is bounded by the load limit, with a message naming the step and the limit and no process left.
 */
import type { ChildProcess } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { livePythonWorkers, openEagerRunner, PythonWorker, PythonWorkerError } from '../../src/runtimes/index.js';
import { cleanupTmp, copyExport, fixture, tmpDir } from '../tier4/helpers.js';

afterAll(cleanupTmp);

// Every child process this file starts (Node publishes each one on the 'child_process' diagnostics
// channel, as it is created), so a test can wait for a killed worker's exit event itself instead of
// polling livePythonWorkers().
const children: ChildProcess[] = [];
const onChild = (message: unknown): void => {
  children.push((message as { process: ChildProcess }).process);
};
beforeAll(() => subscribe('child_process', onChild));
afterAll(() => unsubscribe('child_process', onChild));

/** The Python workers started so far (`python -m tier4_export.worker`). */
const workers = (): ChildProcess[] => children.filter((c) => c.spawnargs.includes('tier4_export.worker'));

/**
 * Resolves once every worker started so far has exited: its 'exit' event, whose listener added here
 * runs after the runtime's own (which is what takes it off livePythonWorkers()).
 */
async function workersExited(): Promise<void> {
  await Promise.all(workers().map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : once(c, 'exit'))));
}

describe('Python worker time limits', () => {
  test('the start-up has its own limit (startTimeoutMs) and the message names the step', async () => {
    const err = await PythonWorker.start({ startTimeoutMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PythonWorkerError);
    expect(err).toMatchObject({ code: 'timeout' });
    expect((err as Error).message).toMatch(
      /^Python worker timed out after 1 ms on 'hello' \(\S+ start-up: Python and import torch; startTimeoutMs or a larger timeoutMs raises the limit\); the worker was killed/,
    );
    await workersExited(); // killed: its exit event arrives next
    expect(workers()).toHaveLength(1);
    expect(livePythonWorkers()).toBe(0);
  });

  test('a model factory that sleeps forever is killed at timeoutMs on load, naming the step', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    const source = join(await tmpDir('bounds-'), 'sleeps.py');
    await writeFile(source, 'import time\ndef make_model():\n    time.sleep(100000)\n');
    const metaPath = join(dir, 'metadata.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>;
    meta['model_source'] = { kind: 'file', file: source, factory: 'make_model' };
    await writeFile(metaPath, JSON.stringify(meta));
    const err = await openEagerRunner(dir, { trustModelSource: true, loadTimeoutMs: 1500 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'timeout' });
    expect((err as Error).message).toMatch(new RegExp(`^Python worker timed out after 1500 ms on 'load' \\(${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\); the worker was killed`));
    await workersExited(); // killed: its exit event arrives next
    expect(livePythonWorkers()).toBe(0);
  });
});
