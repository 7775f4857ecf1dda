/**
 * PythonWorkerPool: the Python worker processes of one test run, in one process (the Vitest main
 * process, through the plugin), shared by the TorchScript runners and eager baselines of every
 * validation of the run.
 *
 * A lease binds a caller (one validation) to one worker: the models it loads live in that process.
 * A new lease goes to the worker with the fewest leases; a worker is started only when every running
 * one is leased and the pool is below its size (so a run that validates one model at a time uses one
 * Python process). A worker that crashed, timed out or was killed is dropped and replaced by the next
 * lease that needs one. `close()` ends every worker.
 */
import { PythonWorker, type PythonWorkerOptions } from '../python-worker.js';
import { profileMark } from '../../profile/marks.js';
import { defaultPoolSize } from './size.js';
import { TimingGate } from './timing-gate.js';

export { defaultPoolSize } from './size.js';

/** Options of {@link PythonWorkerPool}. */
export interface PythonWorkerPoolOptions extends Omit<PythonWorkerOptions, 'signal'> {
  /** Most worker processes at once (default: {@link defaultPoolSize}). */
  size?: number;
}

/** A caller's hold on one worker; `release()` is idempotent. */
export interface PythonWorkerLease {
  readonly worker: PythonWorker;
  release(): void;
}

interface Slot {
  worker: Promise<PythonWorker>;
  /** The started worker, once it said hello. */
  ready: PythonWorker | undefined;
  leases: number;
}

/** Counters of a pool's life, for diagnostics and the benchmarks. */
export interface PythonWorkerPoolStats {
  size: number;
  /** Processes started so far (replacements included). */
  started: number;
  /** Processes running now. */
  running: number;
  /** Leases granted so far. */
  leases: number;
  /** Milliseconds each started worker took from spawn to hello. */
  startMs: number[];
}

/** A pool of Python workers; see the module doc. */
export class PythonWorkerPool {
  /** The run's timing gate (see timing-gate.ts): timed phases exclusive, model work shared. */
  readonly gate = new TimingGate();
  readonly size: number;
  private readonly slots: Slot[] = [];
  private closed = false;
  private readonly counters = { started: 0, leases: 0, startMs: [] as number[] };

  constructor(private readonly options: PythonWorkerPoolOptions = {}) {
    const size = options.size ?? defaultPoolSize();
    if (!Number.isInteger(size) || size < 1) {
      throw new TypeError(`PythonWorkerPool: size must be an integer >= 1, received ${JSON.stringify(options.size)}`);
    }
    this.size = size;
  }

  /** Statistics so far. */
  get stats(): PythonWorkerPoolStats {
    return {
      size: this.size,
      started: this.counters.started,
      running: this.slots.filter((s) => s.ready?.alive && !s.ready.failed).length,
      leases: this.counters.leases,
      startMs: [...this.counters.startMs],
    };
  }

  /**
   * Starts workers until `count` are running or starting (at most the size), without waiting:
   * the plugin calls it first thing, so that `import torch` overlaps Vitest's own start.
   * A start failure is reported by the lease that waits for it.
   */
  warm(count = 1): void {
    this.prune();
    while (!this.closed && this.slots.length < Math.min(count, this.size)) this.startSlot();
  }

  /**
   * Leases a worker (starting one when needed).
   * @throws PythonWorkerError when a needed worker cannot start; Error when the pool is closed.
   */
  async lease(): Promise<PythonWorkerLease> {
    for (;;) {
      if (this.closed) throw new Error('vitest-tier4: the Python worker pool is closed');
      this.prune();
      const free = this.slots.length < this.size && this.slots.every((s) => s.leases > 0);
      const slot = free || this.slots.length === 0 ? this.startSlot() : this.leastLeased();
      slot.leases++;
      let worker: PythonWorker;
      try {
        worker = await slot.worker;
      } catch (error) {
        slot.leases--;
        this.drop(slot);
        throw error;
      }
      if (!worker.alive || worker.failed) {
        // died between start and lease: try the others (or a new one)
        slot.leases--;
        this.drop(slot);
        continue;
      }
      this.counters.leases++;
      let released = false;
      return {
        worker,
        release: () => {
          if (released) return;
          released = true;
          slot.leases--;
        },
      };
    }
  }

  /** Kills a leased worker now (its caller timed out or was aborted mid-request); it is replaced later. */
  discard(worker: PythonWorker): void {
    worker.killNow();
    const slot = this.slots.find((s) => s.ready === worker);
    if (slot) this.drop(slot);
  }

  /** Closes every worker (graceful, then killed after `graceMs`). Idempotent. */
  async close(graceMs = 2000): Promise<void> {
    this.closed = true;
    const all = this.slots.splice(0);
    await Promise.all(all.map(async (s) => (await s.worker.catch(() => undefined))?.close(graceMs)));
  }

  private startSlot(): Slot {
    const started = performance.now();
    this.counters.started++;
    const slot: Slot = { worker: PythonWorker.start(this.options), ready: undefined, leases: 0 };
    slot.worker.then(
      (w) => {
        slot.ready = w;
        this.counters.startMs.push(performance.now() - started);
        profileMark('pool:worker-ready', { start_ms: performance.now() - started, worker_pid: w.pid });
        // a pool closed while this worker started must not leave it running
        if (this.closed) void w.close();
      },
      () => this.drop(slot),
    );
    this.slots.push(slot);
    return slot;
  }

  private leastLeased(): Slot {
    let best = this.slots[0]!;
    for (const s of this.slots) if (s.leases < best.leases) best = s;
    return best;
  }

  private drop(slot: Slot): void {
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
  }

  /** Forgets workers that exited or failed. */
  private prune(): void {
    for (const s of [...this.slots]) {
      if (s.ready && (!s.ready.alive || s.ready.failed)) this.drop(s);
    }
  }
}
