import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openExportDir } from 'vitest-tier4-fixtures';
import { checkParity } from '../../src/parity/index.js';
import {
  PythonWorker,
  PythonWorkerError,
  livePythonWorkers,
  openEagerRunner,
  openRunner,
  openTorchScriptRunner,
  sharedPythonWorker,
  type WorkerRunnerOptions,
} from '../../src/runtimes/index.js';
import { cleanupTmp, copyExport, fixture, processAlive, python, tmpDir, waitForExit } from '../tier4/helpers.js';

afterAll(cleanupTmp);

const DEBUG_ENV = { TIER4_WORKER_DEBUG: '1' };

describe('TorchScript runner (long-lived Python worker)', () => {
  // The runners' own behaviour (outputs, dtypes, input checks, errors) is the same on any worker:
  // those tests share one, passed as the `worker` option, instead of each starting Python and
  // importing torch (~1.5 s of CPU each). Runners that start and end a private worker are tested
  // below: the eager baseline without model.pth, a bad .torchscript file, the worker lifecycle.
  let worker: PythonWorker;
  beforeAll(async () => {
    worker = await PythonWorker.start();
  });
  afterAll(async () => {
    await worker.close();
  });

  test.each(['simple_cnn', 'lm_stub'] as const)('%s: runs batch 1 and 4 and returns outputs by metadata name with the worker timing', async (name) => {
    const fx = await fixture(name);
    // through the registry, which passes the worker runners' own options on
    const options: WorkerRunnerOptions = { worker };
    const runner = await openRunner('torchscript', fx, options);
    try {
      expect(runner.format).toBe('torchscript');
      expect(runner.runtime).toMatch(/^torch 1\.13/);
      expect(runner.clock).toBe('python:time.perf_counter_ns around forward under torch.inference_mode');
      expect(runner.outputNames).toEqual(fx.metadata.outputs.map((o) => o.name));
      for (const i of [0, 1]) {
        const sample = await fx.loadSample(i);
        const res = await runner.run(sample.inputs);
        expect(res.timingMs).toBeGreaterThan(0);
        for (const [out, ref] of Object.entries(sample.outputs)) {
          expect(res.outputs[out]!.shape).toEqual(ref.shape);
          expect(checkParity(res.outputs[out]!, ref, 1e-4).status).toBe('ok');
        }
      }
      const t = await runner.time!((await fx.loadSample(0)).inputs, { iterations: 5, warmup: 2 });
      expect(t.samplesMs).toHaveLength(5);
      expect(t.samplesMs.every((v) => v > 0)).toBe(true);
      expect(t.clock).toBe(runner.clock);
    } finally {
      await runner.close();
    }
  });

  test('float16, int64 and bool inputs and outputs (and a 0-d output) round-trip through the worker bit for bit', async () => {
    const dir = await tmpDir('ts-dtypes-');
    const file = join(dir, 'dtypes.torchscript');
    await writeFile(
      join(dir, 'make.py'),
      [
        'import sys, torch',
        'from typing import Tuple',
        'class M(torch.nn.Module):',
        '    def forward(self, x: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:',
        '        return x * 2, ids + 1, ~mask, ids.sum()',
        'torch.jit.save(torch.jit.script(M()), sys.argv[1])',
        '',
      ].join('\n'),
    );
    await python(`import runpy, sys; sys.argv = [sys.argv[1], sys.argv[2]]; runpy.run_path(sys.argv[0], run_name='__main__')`, [join(dir, 'make.py'), file]);
    const runner = await openTorchScriptRunner(file, { outputNames: ['y', 'ids_out', 'not_mask', 'ids_sum'], worker });
    try {
      expect(runner.inputNames).toEqual(['x', 'ids', 'mask']);
      const { outputs } = await runner.run({
        // half bits 1.0, -0.5, 32752 (x2 = 65504, the largest half)
        x: { dtype: 'float16', shape: [1, 3], data: new Uint16Array([0x3c00, 0xb800, 0x77ff]) },
        ids: { dtype: 'int64', shape: [1, 2], data: new BigInt64Array([2n ** 40n, -3n]) },
        mask: { dtype: 'bool', shape: [1, 2], data: new Uint8Array([1, 0]) },
      });
      expect(outputs.y).toEqual({ dtype: 'float16', shape: [1, 3], data: new Uint16Array([0x4000, 0xbc00, 0x7bff]) });
      expect(outputs.ids_out).toEqual({ dtype: 'int64', shape: [1, 2], data: new BigInt64Array([2n ** 40n + 1n, -2n]) });
      expect(outputs.not_mask).toEqual({ dtype: 'bool', shape: [1, 2], data: new Uint8Array([0, 1]) });
      expect(outputs.ids_sum).toEqual({ dtype: 'int64', shape: [], data: new BigInt64Array([2n ** 40n - 3n]) });
    } finally {
      await runner.close();
    }
  });

  test('the eager baseline is rebuilt from model_source + model.pth and equals the reference exactly', async () => {
    const fx = await fixture('lm_stub');
    const eager = await openEagerRunner(fx, { worker });
    try {
      expect(eager.format).toBe('pytorch');
      const sample = await fx.loadSample(1);
      const { outputs } = await eager.run(sample.inputs);
      expect(checkParity(outputs.logits!, sample.outputs.logits!, 'exact').status).toBe('ok');
    } finally {
      await eager.close();
    }
  });

  test('without model.pth (the exporter\'s default formats) the eager baseline uses the factory\'s weights: exact for a seeded built-in', async () => {
    const dir = await copyExport((await fixture('lm_stub')).dir);
    const metaPath = join(dir, 'metadata.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as {
      formats_written: string[];
      formats_requested: string[];
      artifacts: Record<string, unknown>;
    };
    meta.formats_written = meta.formats_written.filter((f) => f !== 'pytorch');
    meta.formats_requested = meta.formats_requested.filter((f) => f !== 'pytorch');
    delete meta.artifacts['pytorch'];
    await writeFile(metaPath, JSON.stringify(meta));
    await rm(join(dir, 'model.pth'));
    const eager = await openEagerRunner(dir);
    try {
      const sample = await openExportDir(dir).then((e) => e.loadSample(1));
      const { outputs } = await eager.run(sample.inputs);
      expect(checkParity(outputs.logits!, sample.outputs.logits!, 'exact').status).toBe('ok');
    } finally {
      await eager.close();
    }
  });

  test('an export without model_source cannot give an eager baseline, and says why', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    const metaPath = join(dir, 'metadata.json');
    await writeFile(metaPath, JSON.stringify({ ...JSON.parse(await readFile(metaPath, 'utf8')), model_source: null }));
    await expect(openEagerRunner(dir)).rejects.toThrow(
      `Export dir ${dir} has no model_source in metadata.json (export_model was given an in-memory model): the eager model cannot be rebuilt`,
    );
  });

  test('a TorchScript model and the eager model can share one worker', async () => {
    const fx = await fixture('simple_cnn');
    const own = await PythonWorker.start();
    try {
      const ts = await openTorchScriptRunner(fx, { worker: own });
      const eager = await openEagerRunner(fx, { worker: own });
      const sample = await fx.loadSample(0);
      const [a, b] = await Promise.all([ts.run(sample.inputs), eager.run(sample.inputs)]);
      expect(checkParity(a.outputs.logits!, b.outputs.logits!, 1e-5).status).toBe('ok');
      await ts.close();
      await eager.close();
      expect(own.alive).toBe(true); // runners do not close a worker they do not own
    } finally {
      await own.close();
    }
    expect(own.alive).toBe(false);
  });

  test('shared: runners reuse one process-wide worker; a crashed shared worker is replaced', async () => {
    const fx = await fixture('simple_cnn');
    const a = await openTorchScriptRunner(fx, { shared: true, env: DEBUG_ENV });
    const b = await openEagerRunner(fx, { shared: true, env: DEBUG_ENV });
    const pidA = (a as unknown as { pid: number }).pid;
    expect((b as unknown as { pid: number }).pid).toBe(pidA);
    await a.close();
    await b.close();
    expect(processAlive(pidA)).toBe(true); // runners never close the shared worker
    const w = await sharedPythonWorker({ env: DEBUG_ENV });
    expect(w.pid).toBe(pidA);
    await expect(w.request({ cmd: 'debug_exit', code: 9 })).rejects.toMatchObject({ code: 'crash' });
    const c = await openTorchScriptRunner(fx, { shared: true, env: DEBUG_ENV });
    const pidC = (c as unknown as { pid: number }).pid;
    expect(pidC).not.toBe(pidA);
    await expect(c.run((await fx.loadSample(0)).inputs)).resolves.toHaveProperty('outputs.logits');
    await c.close();
    await (await sharedPythonWorker({ env: DEBUG_ENV })).close();
  });

  test('a bad .torchscript file is a clear error naming the file, and the worker is gone', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    const file = join(dir, 'model.torchscript');
    await writeFile(file, 'garbage, not a zip archive');
    const before = livePythonWorkers();
    const err = await openRunner('torchscript', dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PythonWorkerError);
    expect((err as PythonWorkerError).code).toBe('remote');
    expect((err as Error).message).toContain(`cannot load TorchScript file ${file}: RuntimeError:`);
    expect(livePythonWorkers()).toBe(before);
  });

  test('wrong inputs are a clear error before anything is sent', async () => {
    const fx = await fixture('simple_cnn');
    const runner = await openTorchScriptRunner(fx, { worker });
    try {
      await expect(runner.run({})).rejects.toThrow(/model inputs are \[pixel_values\], received \[\]; missing 'pixel_values'/);
      // metadata.json's declared dtype and shape, checked in Node (torch would say "expected scalar type Float")
      await expect(runner.run({ pixel_values: { dtype: 'float64', shape: [1, 3, 32, 32], data: new Float64Array(3072) } })).rejects.toThrow(
        `torchscript run(${fx.paths.torchscript!}): input 'pixel_values' expected float32 [batch, 3, 32, 32] (metadata.json), received float64 [1, 3, 32, 32]: dtype float64 is not float32`,
      );
      await expect(runner.run({ pixel_values: { dtype: 'float32', shape: [1, 5, 7], data: new Float32Array(35) } })).rejects.toThrow(/: 3 axes, expected 4$/);
    } finally {
      await runner.close();
    }
  });

  test('a Python exception in forward is an error in the caller and the worker keeps serving', async () => {
    const fx = await fixture('simple_cnn');
    // opened on the bare file: no metadata.json declares its inputs, so a wrong shape reaches torch
    // (on the export dir the input check refuses it before anything is sent: test/trust/inputs.test.ts)
    const runner = await openTorchScriptRunner(fx.paths.torchscript!, { outputNames: ['logits'], worker });
    try {
      const bad = { pixel_values: { dtype: 'float32' as const, shape: [1, 5, 7], data: new Float32Array(35) } };
      const err = await runner.run(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PythonWorkerError);
      expect((err as PythonWorkerError).code).toBe('remote');
      expect((err as PythonWorkerError).pythonTraceback).toMatch(/Traceback/);
      const sample = await fx.loadSample(0);
      await expect(runner.run(sample.inputs)).resolves.toHaveProperty('outputs.logits');
    } finally {
      await runner.close();
    }
  });
});

describe('Python worker lifecycle', () => {
  test('close() ends the process; later calls fail with code closed', async () => {
    const worker = await PythonWorker.start();
    const pid = worker.pid;
    expect(processAlive(pid)).toBe(true);
    await worker.close();
    expect(await waitForExit(pid)).toBe(true);
    await expect(worker.request({ cmd: 'hello' })).rejects.toMatchObject({ code: 'closed' });
    await worker.close(); // idempotent
  });

  test('a crash becomes a clear error in the pending call', async () => {
    const worker = await PythonWorker.start({ env: DEBUG_ENV });
    const err = await worker.request({ cmd: 'debug_exit', code: 7 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PythonWorkerError);
    expect((err as PythonWorkerError).code).toBe('crash');
    expect((err as Error).message).toMatch(/^Python worker \(pid \d+\) exited with code 7 while running 'debug_exit'; worker stderr: .*exiting on request/);
    expect(worker.alive).toBe(false);
  });

  test('a worker killed from outside fails its pending and later calls', async () => {
    const fx = await fixture('simple_cnn');
    const runner = await openTorchScriptRunner(fx, { env: DEBUG_ENV });
    const pid = (runner as unknown as { pid: number }).pid;
    const sample = await fx.loadSample(0);
    process.kill(pid, 'SIGKILL');
    const err = await runner.run(sample.inputs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PythonWorkerError);
    expect(['crash', 'closed']).toContain((err as PythonWorkerError).code);
    expect((err as Error).message).toMatch(/killed by SIGKILL|not running/);
    await runner.close();
  });

  test('a hang becomes a timeout error and the process is killed', async () => {
    const worker = await PythonWorker.start({ env: DEBUG_ENV, timeoutMs: 300 });
    const pid = worker.pid;
    // the 30 s sleep ends by the 300 ms timeout: the code and the message say so (no wall-clock bound)
    const err = await worker.request({ cmd: 'debug_sleep', seconds: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PythonWorkerError);
    expect((err as PythonWorkerError).code).toBe('timeout');
    expect((err as Error).message).toMatch(/^Python worker timed out after 300 ms on 'debug_sleep'; the worker was killed/);
    expect(await waitForExit(pid)).toBe(true);
    await expect(worker.request({ cmd: 'hello' })).rejects.toMatchObject({ code: 'timeout' });
  });

  test('an AbortSignal kills the worker and rejects the pending call', async () => {
    const controller = new AbortController();
    const worker = await PythonWorker.start({ env: DEBUG_ENV, signal: controller.signal });
    const pid = worker.pid;
    const pending = worker.request({ cmd: 'debug_sleep', seconds: 30 }).catch((e: unknown) => e);
    // the request is written to the worker synchronously: it is pending now
    controller.abort(new Error('user pressed stop'));
    const err = await pending;
    expect((err as PythonWorkerError).code).toBe('aborted');
    expect((err as Error).message).toContain('user pressed stop');
    expect(await waitForExit(pid)).toBe(true);
  });

  test('debug commands are refused without TIER4_WORKER_DEBUG; huge timeouts do not overflow the timer', async () => {
    const worker = await PythonWorker.start({ timeoutMs: 1e12 });
    try {
      await expect(worker.request({ cmd: 'hello' })).resolves.toHaveProperty('header.ok', true);
      await expect(worker.request({ cmd: 'debug_exit' })).rejects.toThrow('debug commands need TIER4_WORKER_DEBUG=1');
      await expect(worker.request({ cmd: 'frobnicate' })).rejects.toThrow("unknown command 'frobnicate'");
    } finally {
      await worker.close();
    }
  });

  test('a missing interpreter is a clear start error', async () => {
    await expect(PythonWorker.start({ python: '/nonexistent/python3' })).rejects.toThrow(/nonexistent\/python3/);
  });
});
