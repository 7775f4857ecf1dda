import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { checkParity } from '../../src/parity/index.js';
import { openTorchScriptRunner } from '../../src/runtimes/index.js';
import { WorkerPoolClient, workerPoolFromEnv } from '../../src/runtimes/pool/pool-client.js';
import { startWorkerPoolServer, WORKER_POOL_ENV } from '../../src/runtimes/pool/pool-server.js';
import { TimingGate, type TimingGateMode } from '../../src/runtimes/pool/timing-gate.js';
import { validationWorkers } from '../../src/runtimes/pool/validation-workers.js';
import { PythonWorkerPool } from '../../src/runtimes/pool/worker-pool.js';
import poolSetup from '../../src/plugin/pool-setup.js';
import { runTier4 } from '../../src/tier4/index.js';
import { fixture, processAlive } from '../tier4/helpers.js';

/** Settles the microtask queue (gate grants are promise callbacks). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TimingGate', () => {
  test('shared holds overlap; an exclusive hold waits for them and keeps everything else out', async () => {
    const gate = new TimingGate();
    const events: string[] = [];
    const a = await gate.acquire('shared');
    const b = await gate.acquire('shared');
    expect(gate.state).toEqual({ shared: 2, exclusive: false, waiting: 0 });
    const x = gate.acquire('exclusive').then((release) => {
      events.push('exclusive');
      return release;
    });
    const c = gate.acquire('shared').then((release) => {
      events.push('shared after exclusive');
      return release;
    });
    await settle();
    // writer preference: the later shared request queues behind the waiting exclusive one
    expect(events).toEqual([]);
    expect(gate.state).toEqual({ shared: 2, exclusive: false, waiting: 2 });
    a();
    a(); // a second release is harmless
    await settle();
    expect(events).toEqual([]);
    b();
    const releaseX = await x;
    await settle();
    expect(events).toEqual(['exclusive']);
    expect(gate.state.exclusive).toBe(true);
    releaseX();
    (await c)();
    expect(events).toEqual(['exclusive', 'shared after exclusive']);
    expect(gate.state).toEqual({ shared: 0, exclusive: false, waiting: 0 });
  });

  test('a request aborted while waiting holds nothing and lets the next one in', async () => {
    const gate = new TimingGate();
    const held = await gate.acquire('exclusive');
    const controller = new AbortController();
    const aborted = gate.acquire('exclusive', controller.signal);
    const next = gate.acquire('shared');
    controller.abort(new Error('test over'));
    await expect(aborted).rejects.toThrow('test over');
    held();
    (await next)();
    expect(gate.state).toEqual({ shared: 0, exclusive: false, waiting: 0 });
  });

  test('an invalid mode is a TypeError naming it', async () => {
    await expect(new TimingGate().acquire('timed' as TimingGateMode)).rejects.toThrow(/mode must be 'shared' or 'exclusive', received "timed"/);
  });
});

describe('PythonWorkerPool', () => {
  test('one worker serves successive and concurrent leases; warm() starts it before the first lease', async () => {
    const pool = new PythonWorkerPool({ size: 1 });
    try {
      pool.warm(1);
      expect(pool.stats.started).toBe(1);
      const [a, b] = await Promise.all([pool.lease(), pool.lease()]);
      expect(a.worker.pid).toBe(b.worker.pid);
      a.release();
      b.release();
      const c = await pool.lease();
      expect(c.worker.pid).toBe(a.worker.pid);
      c.release();
      expect(pool.stats).toMatchObject({ size: 1, started: 1, running: 1, leases: 3 });
    } finally {
      await pool.close();
    }
  });

  test('a second worker starts only when every running one is leased, up to the size', async () => {
    const pool = new PythonWorkerPool({ size: 2 });
    try {
      const a = await pool.lease();
      const b = await pool.lease();
      expect(b.worker.pid).not.toBe(a.worker.pid);
      const c = await pool.lease(); // at the size: shares the least-leased worker
      expect([a.worker.pid, b.worker.pid]).toContain(c.worker.pid);
      expect(pool.stats.started).toBe(2);
      for (const l of [a, b, c]) l.release();
    } finally {
      await pool.close();
    }
  });

  test('a crashed worker is replaced by the next lease; close() ends every process', async () => {
    const pool = new PythonWorkerPool({ size: 1, env: { TIER4_WORKER_DEBUG: '1' } });
    const first = await pool.lease();
    const pid = first.worker.pid;
    await expect(first.worker.request({ cmd: 'debug_exit', code: 5 })).rejects.toMatchObject({ code: 'crash' });
    first.release();
    const second = await pool.lease();
    expect(second.worker.pid).not.toBe(pid);
    second.release();
    await pool.close();
    expect(processAlive(second.worker.pid)).toBe(false);
    await expect(pool.lease()).rejects.toThrow('the Python worker pool is closed');
  });

  test('an invalid size is a TypeError naming it', () => {
    expect(() => new PythonWorkerPool({ size: 0 })).toThrow(/size must be an integer >= 1, received 0/);
  });
});

describe('pool server and client (one pool for every test process of a run)', () => {
  test('leases from two clients share the worker; a lease closing unloads its models', async () => {
    const cnn = await fixture('simple_cnn');
    const server = await startWorkerPoolServer(new PythonWorkerPool({ size: 1 }));
    try {
      const a = await new WorkerPoolClient(server.address).lease();
      const b = await new WorkerPoolClient(server.address).lease();
      expect(a.pid).toBe(b.pid);
      expect(a.hello.torch).toMatch(/^1\.13/);
      const runner = await openTorchScriptRunner(cnn, { worker: a });
      const sample = await cnn.loadSample(1);
      const { outputs } = await runner.run(sample.inputs);
      for (const [name, ref] of Object.entries(sample.outputs)) expect(checkParity(outputs[name]!, ref, 1e-4).status).toBe('ok');
      const timings = await runner.time!(sample.inputs, { iterations: 3, warmup: 1 });
      expect(timings.samplesMs).toHaveLength(3);
      const loaded = await a.request({ cmd: 'load', kind: 'torchscript', path: cnn.paths.torchscript! });
      const handle = String(loaded.header.model);
      await a.close();
      // b runs in the same process, but a's models are gone with a's lease
      const input = Object.values(sample.inputs)[0]!;
      await expect(b.request({ cmd: 'run', model: handle }, [{ name: 'x', tensor: input }])).rejects.toMatchObject({
        code: 'remote',
        // the Python exception's class crosses the pool's socket too
        pythonType: 'WorkerError',
        message: expect.stringContaining(`no loaded model '${handle}'`),
      });
      await b.close();
    } finally {
      await server.close();
    }
    expect(existsSync(server.address)).toBe(false);
  });

  test('a worker that crashes under a lease fails it with the crash; the next lease gets a new worker', async () => {
    const server = await startWorkerPoolServer(new PythonWorkerPool({ size: 1, env: { TIER4_WORKER_DEBUG: '1' } }));
    try {
      const client = new WorkerPoolClient(server.address);
      const a = await client.lease();
      await expect(a.request({ cmd: 'debug_exit', code: 4 })).rejects.toMatchObject({ code: 'crash', message: expect.stringContaining('exited with code 4') });
      expect(a.failed).toBe(true);
      await expect(a.request({ cmd: 'hello' })).rejects.toMatchObject({ code: 'crash' });
      await a.close();
      const b = await client.lease();
      expect(b.pid).not.toBe(a.pid);
      await b.close();
    } finally {
      await server.close();
    }
  });

  test('a request over its timeout kills the worker and says so; the pool starts another', async () => {
    const server = await startWorkerPoolServer(new PythonWorkerPool({ size: 1, env: { TIER4_WORKER_DEBUG: '1' } }));
    try {
      const client = new WorkerPoolClient(server.address);
      const a = await client.lease();
      await expect(a.request({ cmd: 'debug_sleep', seconds: 30 }, [], { timeoutMs: 300 })).rejects.toMatchObject({
        code: 'timeout',
        message: expect.stringContaining('timed out after 300 ms'),
      });
      const b = await client.lease();
      expect(b.pid).not.toBe(a.pid);
      // killed at the timeout (and reaped long before a new Python could start)
      expect(processAlive(a.pid)).toBe(false);
      await b.close();
      await a.close();
    } finally {
      await server.close();
    }
  });

  test('the gate is the run gate: an exclusive hold through one client blocks shared work of another', async () => {
    const server = await startWorkerPoolServer(new PythonWorkerPool({ size: 1 }));
    try {
      const one = new WorkerPoolClient(server.address);
      const two = new WorkerPoolClient(server.address);
      const release = await one.gate('exclusive');
      let granted = false;
      const waiting = two.gate('shared').then((r) => {
        granted = true;
        return r;
      });
      // the server answers the shared request only after the release: until then it is queued there
      expect((await two.stats()).gate).toEqual({ shared: 0, exclusive: true, waiting: 1 });
      expect(granted).toBe(false);
      release();
      (await waiting)();
      expect(granted).toBe(true);
      one.close();
      two.close();
    } finally {
      await server.close();
    }
  });

  test('an unreachable pool is an error naming the address and the variable', async () => {
    const client = new WorkerPoolClient('/nonexistent/dir/pool.sock');
    await expect(client.lease()).rejects.toMatchObject({
      code: 'spawn',
      message: expect.stringMatching(/cannot reach the worker pool at \/nonexistent\/dir\/pool\.sock \(TIER4_WORKER_POOL\)/),
    });
  });
});

describe('runTier4 on a pool', () => {
  test('concurrent validations share the pool, and no timed phase overlaps any other model work', async () => {
    const [cnn, lm] = await Promise.all([fixture('simple_cnn'), fixture('lm_stub')]);
    const pool = new PythonWorkerPool({ size: 2 });
    const intervals: Array<{ mode: TimingGateMode; start: number; end: number }> = [];
    const acquire = pool.gate.acquire.bind(pool.gate);
    pool.gate.acquire = async (mode, signal) => {
      const release = await acquire(mode, signal);
      const entry = { mode, start: performance.now(), end: Number.POSITIVE_INFINITY };
      intervals.push(entry);
      return () => {
        entry.end = performance.now();
        release();
      };
    };
    try {
      const latency = { iterations: 5, warmup: 1 };
      const [a, b] = await Promise.all([
        runTier4({ exportDir: cnn.dir, numSamples: 2, latency, pool }),
        runTier4({ exportDir: lm.dir, numSamples: 2, latency, pool }),
      ]);
      expect(a.status).toBe('ok');
      expect(b.status).toBe('ok');
      expect(a.formats.torchscript!.speedup_vs_pytorch).toBeGreaterThan(0);
      expect(pool.stats.started).toBeLessThanOrEqual(2);
      expect(pool.stats.leases).toBe(2);
      // every format's latency and the two eager baselines: 3 timed phases per validation
      const timed = intervals.filter((i) => i.mode === 'exclusive');
      expect(timed).toHaveLength(6);
      for (const t of timed) {
        for (const other of intervals) {
          if (other === t) continue;
          expect(other.end <= t.start || other.start >= t.end, `${other.mode} [${other.start}, ${other.end}] overlaps a timed phase [${t.start}, ${t.end}]`).toBe(true);
        }
      }
    } finally {
      await pool.close();
    }
  });

  test('without a pool, runTier4 starts and closes a private worker (pool: false ignores TIER4_WORKER_POOL)', async () => {
    const cnn = await fixture('simple_cnn');
    const before = process.env[WORKER_POOL_ENV];
    process.env[WORKER_POOL_ENV] = '/nonexistent/pool.sock';
    try {
      const lines: string[] = [];
      const report = await runTier4({ exportDir: cnn.dir, numSamples: 1, latency: false, pool: false, log: (l) => lines.push(l) });
      expect(report.status).toBe('ok');
      expect(lines).toContain('starting the Python worker');
      expect(validationWorkers({ pool: false }).pooled).toBe(false);
      expect(validationWorkers({}).pooled).toBe(true);
      expect(validationWorkers({ python: '/usr/bin/python3' }).pooled).toBe(false);
    } finally {
      if (before === undefined) delete process.env[WORKER_POOL_ENV];
      else process.env[WORKER_POOL_ENV] = before;
    }
  });
});

describe("the plugin's pool globalSetup", () => {
  test('points the run at its pool, and its teardown closes the pool and restores the environment', async () => {
    const before = process.env[WORKER_POOL_ENV];
    delete process.env[WORKER_POOL_ENV];
    const project = {
      getProvidedContext: () => ({ tier4WorkerPool: { size: 1, warm: true } }),
      config: { root: process.cwd() },
    } as unknown as Parameters<typeof poolSetup>[0];
    try {
      const teardown = await poolSetup(project);
      const address = process.env[WORKER_POOL_ENV]!;
      expect(address).toMatch(/vitest-tier4-pool-\d+-[0-9a-f]+\.sock$/);
      const client = workerPoolFromEnv()!;
      expect(client.address).toBe(address);
      const lease = await client.lease();
      expect(processAlive(lease.pid)).toBe(true);
      await teardown();
      expect(process.env[WORKER_POOL_ENV]).toBeUndefined();
      expect(existsSync(address)).toBe(false);
      expect(processAlive(lease.pid)).toBe(false);
      expect(await poolSetup({ ...project, getProvidedContext: () => ({ tier4WorkerPool: null }) } as typeof project)).toBeTypeOf('function');
      expect(process.env[WORKER_POOL_ENV]).toBeUndefined();
    } finally {
      if (before !== undefined) process.env[WORKER_POOL_ENV] = before;
    }
  });
});
