/**
 * Nothing hangs in the runners: the Python worker's start-up has a limit that a larger timeout
 * option raises, and a model factory that never returns (a trusted model source rebuilding the eager baseline)
 * is bounded by the load limit, with a message naming the step and the limit and no process left.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { livePythonWorkers, openEagerRunner, PythonWorker, PythonWorkerError } from '../../src/runtimes/index.js';
import { cleanupTmp, copyExport, fixture, tmpDir } from '../tier4/helpers.js';

afterAll(cleanupTmp);

describe('Python worker time limits', () => {
  test('the start-up has its own limit (startTimeoutMs) and the message names the step', async () => {
    const err = await PythonWorker.start({ startTimeoutMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PythonWorkerError);
    expect(err).toMatchObject({ code: 'timeout' });
    expect((err as Error).message).toMatch(
      /^Python worker timed out after 1 ms on 'hello' \(\S+ start-up: Python and import torch; startTimeoutMs or a larger timeoutMs raises the limit\); the worker was killed/,
    );
    await expect.poll(() => livePythonWorkers(), { timeout: 5000 }).toBe(0); // killed: its exit event arrives next
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
    await expect.poll(() => livePythonWorkers(), { timeout: 5000 }).toBe(0); // killed: its exit event arrives next
  });
});
