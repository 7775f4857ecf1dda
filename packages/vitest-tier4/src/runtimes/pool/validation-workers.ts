/**
 * Where one validation (a runTier4 call) gets its Python worker and its timing gate:
 *
 * - inside a Vitest run with the `tier4()` plugin (`TIER4_WORKER_POOL` set), or with an explicit
 *   `pool`: a lease of the run's shared pool and the run's gate, so every validation of the run
 *   reuses the same warm Python processes and no two latency measurements overlap;
 * - otherwise: a private worker started on first use and closed at the end, and this process's gate.
 */
import { profileMark } from '../../profile/marks.js';
import { PythonWorker } from '../python-worker.js';
import type { WorkerChannel } from '../worker-runner.js';
import { workerPoolFromEnv, type WorkerPoolClient } from './pool-client.js';
import { TimingGate, type TimingGateMode, type TimingGateRelease } from './timing-gate.js';
import type { PythonWorkerPool } from './worker-pool.js';

/** A pool a validation may use: a client of the run's pool server, or an in-process pool. */
export type ValidationPool = WorkerPoolClient | PythonWorkerPool;

/** Options of {@link validationWorkers}. */
export interface ValidationWorkersOptions {
  /**
   * The pool to lease from; `false` for a private worker. Default: the run's pool when
   * `TIER4_WORKER_POOL` is set and no `python` is given, else a private worker.
   */
  pool?: ValidationPool | false;
  /** Interpreter of a private worker (a pool has its own). */
  python?: string;
  /** Timeout of one request, in ms. */
  timeoutMs?: number;
  /** Aborting kills the worker this validation is using. */
  signal?: AbortSignal;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** The worker and gate of one validation; `close()` ends the lease or the private worker. */
export interface ValidationWorkers {
  /** Whether the worker comes from a shared pool. */
  readonly pooled: boolean;
  /** The validation's worker, started or leased on first call (later calls get the same one). */
  worker(): Promise<WorkerChannel>;
  /** Takes the timing gate in `mode`; resolves to its release. */
  gate(mode: TimingGateMode): Promise<TimingGateRelease>;
  /** Runs `fn` holding the timing gate in `mode`. */
  gated<T>(mode: TimingGateMode, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The gate of validations that use no pool, in this process. */
const processGate = new TimingGate();

function isInProcessPool(pool: ValidationPool): pool is PythonWorkerPool {
  return 'warm' in pool;
}

/** The worker source of one validation (see the module doc). */
export function validationWorkers(options: ValidationWorkersOptions = {}): ValidationWorkers {
  const pool = options.pool === false ? undefined : (options.pool ?? (options.python ? undefined : workerPoolFromEnv()));
  const log = options.log ?? (() => undefined);
  let channel: Promise<WorkerChannel> | undefined;
  let release: (() => void) | undefined;

  const start = async (): Promise<WorkerChannel> => {
    if (!pool) {
      log('starting the Python worker');
      return PythonWorker.start({
        ...(options.python ? { python: options.python } : {}),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
    if (isInProcessPool(pool)) {
      const lease = await pool.lease();
      release = () => lease.release();
      const onAbort = (): void => pool.discard(lease.worker);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const previous = release;
      release = () => {
        options.signal?.removeEventListener('abort', onAbort);
        previous();
      };
      log(`leased Python worker pid ${lease.worker.pid} of the in-process pool`);
      // the runners unload their models on close; the lease is returned by close()
      return lease.worker;
    }
    const leased = await pool.lease({
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    log(`leased Python worker pid ${leased.pid} of the run's pool (${pool.address})`);
    return leased;
  };

  const gate = (mode: TimingGateMode): Promise<TimingGateRelease> => {
    if (pool && !isInProcessPool(pool)) return pool.gate(mode, options.signal);
    return (pool ? pool.gate : processGate).acquire(mode, options.signal);
  };

  return {
    pooled: pool !== undefined,
    worker() {
      channel ??= start();
      return channel;
    },
    gate,
    async gated<T>(mode: TimingGateMode, fn: () => Promise<T>): Promise<T> {
      const asked = performance.now();
      const done = await gate(mode);
      const held = performance.now();
      try {
        return await fn();
      } finally {
        done();
        // for bench/demo.mjs: how long the gate was waited for and held (nothing unless TIER4_PROFILE is set)
        profileMark('gate:held', { mode, wait_ms: held - asked, held_ms: performance.now() - held });
      }
    },
    async close() {
      const current = channel;
      channel = undefined;
      if (!current) return;
      const w = await current.catch(() => undefined);
      if (release) {
        release();
        release = undefined;
      } else await w?.close().catch(() => undefined);
    },
  };
}
