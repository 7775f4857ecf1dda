/**
 * TorchScript memory probes on the run's Python worker: in a pooled run they are children forked from the
 * leased worker's zygote, so the test process starts no `memory_probe` process and no interpreter probe
 * (counted here: every `spawn` of this process's modules and every `findPython` call); without a zygote
 * the fresh-process fallback runs on the worker's interpreter, as it does when the worker's zygote has died;
 * timeouts and bad files name the artifact.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as ChildProcess from 'node:child_process';
import type * as Fixtures from 'vitest-tier4-fixtures';
import { afterAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { measureResidentMemories, measureResidentMemory, MemoryProbeError } from '../../src/quantization/memory.js';
import { TORCHSCRIPT_MEMORY_METHOD } from '../../src/quantization/memory-method.js';
import { workerPoolFromEnv, type PooledWorker } from '../../src/runtimes/pool/pool-client.js';
import { PythonWorker, PythonWorkerError } from '../../src/runtimes/python-worker.js';
import type { WorkerChannel } from '../../src/runtimes/worker-runner.js';
import { runTier4 } from '../../src/tier4/run.js';
import { cleanupTmp, fixture, tmpDir, waitForExit } from '../tier4/helpers.js';

const seen = vi.hoisted(() => ({ findPython: 0, spawns: [] as string[][] }));

vi.mock('vitest-tier4-fixtures', async (importOriginal) => {
  const actual = await importOriginal<typeof Fixtures>();
  return {
    ...actual,
    findPython: (...args: Parameters<typeof actual.findPython>) => {
      seen.findPython++;
      return actual.findPython(...args);
    },
  };
});

vi.mock('node:child_process', async (importOriginal) => {
  const actual = await importOriginal<typeof ChildProcess>();
  return {
    ...actual,
    spawn: (...args: Parameters<typeof actual.spawn>) => {
      seen.spawns.push([String(args[0]), ...((Array.isArray(args[1]) ? args[1] : []) as string[])]);
      return (actual.spawn as (...a: unknown[]) => unknown)(...args);
    },
  };
});

afterAll(cleanupTmp);

beforeEach(() => {
  seen.findPython = 0;
  seen.spawns.length = 0;
});

async function lease(): Promise<PooledWorker> {
  const pool = workerPoolFromEnv();
  if (!pool) throw new Error('this suite runs with the plugin\'s worker pool (vitest.config.ts globalSetup)');
  return pool.lease();
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe.runIf(process.platform === 'linux')('TorchScript memory on the run\'s worker', () => {
  test('runTier4 in a pooled run: measured in zygote children, no memory_probe process, no interpreter probe, no worker of its own', async () => {
    const fx = await fixture('lm_stub_quantized');
    seen.findPython = 0;
    seen.spawns.length = 0;
    const start = vi.spyOn(PythonWorker, 'start');
    try {
      const report = await runTier4({ exportDir: fx.dir, numSamples: 1, latency: false, formats: ['torchscript'], quantization: { perLayer: false } });
      const q = report.formats.torchscript!.quantization!;
      expect(q.memory_method).toBe(TORCHSCRIPT_MEMORY_METHOD(3, 'zygote'));
      expect(q.memory_bytes).toBeGreaterThan(0);
      expect(q.fp32_memory_bytes).toBeGreaterThan(0);
      expect(report.warnings).toEqual([]);
      expect(start).not.toHaveBeenCalled();
    } finally {
      start.mockRestore();
    }
    expect(seen.spawns).toEqual([]);
    expect(seen.findPython).toBe(0);
  });

  test('the probe runs in a child of the zygote, which the leased worker forked', async () => {
    const fx = await fixture('lm_stub_quantized');
    const w = await lease();
    try {
      const zygote = w.hello.zygote_pid!;
      expect(parentOf(zygote)).toBe(w.pid);
      const res = await w.request({ cmd: 'memory_probe', paths: [fx.paths.torchscript!], loads: 1 });
      const [m] = res.header.measurements as Array<{ pid: number; ppid: number }>;
      expect(m!.ppid).toBe(zygote);
      expect([zygote, w.pid]).not.toContain(m!.pid);
    } finally {
      await w.close();
    }
  });

  test('measureResidentMemories with a worker: one figure per file, in order, the zygote method', async () => {
    const fx = await fixture('lm_stub_quantized');
    const w = await lease();
    try {
      const [q, f] = await measureResidentMemories('torchscript', [fx.paths.torchscript!, join(fx.dir, 'fp32', 'model.torchscript')], { worker: w, loads: 3 });
      for (const m of [q!, f!]) {
        expect(m.rss_deltas).toHaveLength(3);
        expect(m.memory_bytes).toBe([...m.rss_deltas].sort((a, b) => a - b)[1]);
        expect(m.method).toBe(
          "torch in a Python process forked for this probe from the worker's zygote (forked right after import torch, before any op ran): median growth of VmRSS (/proc/self/status) over 3 torch.jit.load of the file after one warm-up load, every copy kept alive",
        );
      }
    } finally {
      await w.close();
    }
    expect(seen.spawns).toEqual([]);
    expect(seen.findPython).toBe(0);
  });

  test('a bad file and a probe past its timeout: MemoryProbeErrors naming the artifact; the worker goes on', async () => {
    const dir = await tmpDir('memory-');
    const bad = join(dir, 'bad.torchscript');
    await writeFile(bad, 'not a zip');
    const fifo = join(dir, 'hangs.torchscript');
    execFileSync('mkfifo', [fifo]); // a named pipe: torch.jit.load waits on it for a writer until killed
    const w = await lease();
    try {
      const err = await measureResidentMemory('torchscript', bad, { worker: w }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MemoryProbeError);
      expect((err as Error).message).toMatch(new RegExp(`^memory probe of torchscript ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} failed \\(forked from the worker's zygote\\): RuntimeError: `));
      const late = await measureResidentMemory('torchscript', fifo, { worker: w, timeoutMs: 300 }).catch((e: unknown) => e);
      expect(late).toBeInstanceOf(MemoryProbeError);
      expect((late as Error).message).toBe(`memory probe of torchscript ${fifo} timed out after 300 ms (killed)`);
      const fx = await fixture('simple_cnn');
      expect((await measureResidentMemory('torchscript', fx.paths.torchscript!, { worker: w, loads: 1 })).rss_deltas).toHaveLength(1);
    } finally {
      await w.close();
    }
  });

  test('a worker whose zygote has died: the next probes run in fresh processes on its interpreter, and say so', async () => {
    const fx = await fixture('simple_cnn');
    const path = fx.paths.torchscript!;
    const w = await PythonWorker.start(); // its own: a pool worker's zygote is shared with the suite's other files
    try {
      const zygote = w.hello.zygote_pid!;
      expect(parentOf(zygote)).toBe(w.pid);
      process.kill(zygote, 'SIGKILL');
      // on its pidfd (before the spawns are counted: the wait is a process of its own)
      expect(await waitForExit(zygote, 10_000)).toBe(true);
      seen.spawns.length = 0;
      seen.findPython = 0;
      const measured = await measureResidentMemories('torchscript', [path, path], { worker: w, loads: 1 });
      for (const m of measured) {
        expect(m.method).toBe(TORCHSCRIPT_MEMORY_METHOD(1, 'fresh'));
        expect(m.rss_deltas).toHaveLength(1);
      }
      const probe = [w.hello.executable, '-m', 'tier4_export.memory_probe', path, '--loads', '1'];
      expect(seen.spawns).toEqual([probe, probe]);
      expect(seen.findPython).toBe(0);
      // what the worker answered, and answers again: its refusal says how the zygote ended
      const refusal = await w.request({ cmd: 'memory_probe', paths: [path], loads: 1 }).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(PythonWorkerError);
      expect((refusal as Error).message).toBe(`memory probe of torchscript ${path}: the worker's zygote (pid ${zygote}) is not running: it was killed by SIGKILL (signal 9)`);
      expect((refusal as PythonWorkerError).pythonType).toBe('ZygoteUnavailable');
      expect((refusal as PythonWorkerError).pythonTraceback?.trimEnd().split('\n').pop()).toBe(`tier4_export.zygote.ZygoteUnavailable: ${(refusal as Error).message}`);
    } finally {
      await w.close();
    }
  });

  test('a worker without a zygote: a fresh process on the worker\'s interpreter, never findPython', async () => {
    const fx = await fixture('simple_cnn');
    const w = await lease();
    try {
      const { zygote_pid: _z, ...hello } = w.hello;
      const without = (executable: string): WorkerChannel => ({
        hello: { ...hello, executable },
        requestTimeoutMs: 1000,
        alive: true,
        pid: w.pid,
        request: () => Promise.reject(new Error('not asked: this worker has no zygote')),
        close: () => Promise.resolve(),
      });
      const m = await measureResidentMemory('torchscript', fx.paths.torchscript!, { worker: without(w.hello.executable), loads: 1 });
      expect(m.method).toBe(TORCHSCRIPT_MEMORY_METHOD(1, 'fresh'));
      expect(m.method).toMatch(/^torch in a fresh Python process: median growth of VmRSS/);
      expect(seen.spawns).toEqual([[w.hello.executable, '-m', 'tier4_export.memory_probe', fx.paths.torchscript!, '--loads', '1']]);
      // the interpreter is the worker's: one that does not exist fails to start, naming it
      await expect(measureResidentMemory('torchscript', fx.paths.torchscript!, { worker: without('/nonexistent/python3') })).rejects.toThrow(
        `memory probe of torchscript ${fx.paths.torchscript!} could not start /nonexistent/python3: spawn /nonexistent/python3 ENOENT`,
      );
    } finally {
      await w.close();
    }
    expect(seen.findPython).toBe(0);
    // standalone use, no worker at all: the finder picks the interpreter (the count above can see it)
    const alone = await measureResidentMemory('torchscript', fx.paths.torchscript!, { loads: 1 });
    expect(alone.method).toBe(TORCHSCRIPT_MEMORY_METHOD(1, 'fresh'));
    expect(seen.findPython).toBe(1);
  });
});
