/**
 * The timing gate: how concurrent validations keep their latency figures honest.
 *
 * The rule (docs/runtimes.md, "The worker pool"): a **timed phase** (measuring latency) holds the
 * gate *exclusively*; **untimed model work** (opening runners, parity runs) holds it *shared*. So
 * untimed work of several validations overlaps freely, but while one latency is measured no other
 * validation of the run executes a model: a figure never includes another validation's load.
 * Waiting exclusive requests go first (a steady stream of parity work cannot starve a timing), and
 * requests of the same mode are served in arrival order.
 *
 * A readers-writer lock with writer preference, in memory; the worker pool server exposes one gate
 * per run to every test process.
 */

/** `shared`: untimed model work; `exclusive`: a timed phase. */
export type TimingGateMode = 'shared' | 'exclusive';

interface Waiter {
  mode: TimingGateMode;
  grant: () => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Releases a hold on the gate; calling it more than once is harmless. */
export type TimingGateRelease = () => void;

/** A readers-writer lock for timed phases (see the module doc for the rule). */
export class TimingGate {
  private shared = 0;
  private exclusive = false;
  private readonly queue: Waiter[] = [];

  /** Current holders: how many shared holds, and whether a timed phase holds it. */
  get state(): { shared: number; exclusive: boolean; waiting: number } {
    return { shared: this.shared, exclusive: this.exclusive, waiting: this.queue.length };
  }

  /**
   * Waits for the gate in `mode` and resolves to its release function.
   * @throws the signal's reason when `signal` aborts while waiting (nothing is held then).
   */
  acquire(mode: TimingGateMode, signal?: AbortSignal): Promise<TimingGateRelease> {
    if (mode !== 'shared' && mode !== 'exclusive') {
      return Promise.reject(new TypeError(`TimingGate.acquire: mode must be 'shared' or 'exclusive', received ${JSON.stringify(mode)}`));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<TimingGateRelease>((resolve, reject) => {
      const waiter: Waiter = {
        mode,
        grant: () => resolve(this.releaser(mode)),
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal) {
        waiter.onAbort = () => {
          const at = this.queue.indexOf(waiter);
          if (at >= 0) {
            this.queue.splice(at, 1);
            reject(signal.reason);
            this.pump();
          }
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Runs `fn` while holding the gate in `mode`. */
  async run<T>(mode: TimingGateMode, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(mode, signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private releaser(mode: TimingGateMode): TimingGateRelease {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (mode === 'exclusive') this.exclusive = false;
      else this.shared--;
      this.pump();
    };
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (next.mode === 'exclusive') {
        if (this.exclusive || this.shared > 0) return;
        this.exclusive = true;
      } else {
        // writer preference: a shared request waits behind an earlier exclusive one
        if (this.exclusive) return;
        this.shared++;
      }
      this.queue.shift();
      if (next.signal && next.onAbort) next.signal.removeEventListener('abort', next.onAbort);
      next.grant();
    }
  }
}
