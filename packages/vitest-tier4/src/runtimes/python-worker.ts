/**
 * The long-lived Python worker (python/tier4_export/worker.py) and its framed protocol.
 *
 * One {@link PythonWorker} is one Python process. It loads TorchScript files and eager models
 * once and runs the batches sent to it. Every failure becomes a {@link PythonWorkerError} in the
 * caller: a crash (the process exits), a hang (a request exceeds its timeout), a Python
 * exception (a bad file), an abort. The process is killed on every path: `close()`, fatal
 * errors, timeouts, `signal` aborts, and the Node process' exit and termination signals
 * (through signal-exit). The worker also exits by itself at EOF on stdin or when its parent dies.
 *
 * Protocol (docs/runtimes.md): each message is `uint32 BE header length`, the JSON header, then
 * `header.payload_bytes` bytes of raw little-endian tensor data described by `header.tensors`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { onExit } from 'signal-exit';
import { findPython, pythonPackageDir } from 'vitest-tier4-fixtures';
import type { TensorData } from 'vitest-tier4-fixtures';
import { decodeTensors, encodeFrame, FrameReader } from './frames.js';
import { parseWorkerHello, type WorkerHello } from './worker-hello.js';

export { WORKER_PROTOCOL_VERSION, type WorkerHello } from './worker-hello.js';

/** Default timeout of one request, in ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** Default timeout of the start (Python start-up and `import torch`), in ms. */
export const DEFAULT_START_TIMEOUT_MS = 120_000;

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Why a worker call failed. */
export type PythonWorkerErrorCode =
  | 'spawn' // the interpreter could not be started
  | 'crash' // the process exited while requests were pending
  | 'timeout' // a request exceeded its timeout (the process is killed)
  | 'remote' // Python raised (bad file, bad input, model error)
  | 'protocol' // the stream broke the framing
  | 'closed' // the worker was closed before or during the call
  | 'aborted'; // the AbortSignal fired

/** An error of the Python worker; `code` says which kind, `stderr` holds the worker's last stderr. */
export class PythonWorkerError extends Error {
  override readonly name = 'PythonWorkerError';
  /** For code `remote`: the class name of the exception Python raised (e.g. `ZygoteUnavailable`), when the worker sent it. */
  readonly pythonType: string | undefined;
  constructor(
    message: string,
    readonly code: PythonWorkerErrorCode,
    readonly stderr = '',
    readonly pythonTraceback?: string,
    options?: { cause?: unknown; pythonType?: string },
  ) {
    super(message, options);
    this.pythonType = options?.pythonType;
  }
}

/** Options of {@link PythonWorker.start}. */
export interface PythonWorkerOptions {
  /** Python interpreter (default: `findPython()`: TIER4_PYTHON, then candidates that import torch). */
  python?: string;
  /** Timeout of one request in ms (default 60 000). */
  timeoutMs?: number;
  /**
   * Timeout of the start, including `import torch`, in ms. Default: the larger of 120 000 and
   * `timeoutMs` (a user who allows each request ten minutes on a slow machine allows the start as
   * much).
   */
  startTimeoutMs?: number;
  /** Aborting kills the worker; pending calls reject with code `aborted`. */
  signal?: AbortSignal;
  /** Extra environment variables for the worker (PYTHONPATH is set to the tier4_export dir). */
  env?: Record<string, string>;
  /** `torch.set_num_threads` in the worker (default: torch's default). */
  numThreads?: number;
  /**
   * Remember the interpreter probe in this directory (see `findPython`'s `cacheDir`), so that a
   * start skips the probe's own `import torch` while the interpreter is unchanged.
   */
  cacheDir?: string;
}

/** A decoded response. */
export interface WorkerResponse {
  /** The JSON header (`id`, `ok`, command-specific fields). */
  header: Record<string, unknown>;
  /** Tensors of the payload, in header order, with their names. */
  tensors: Array<{ name: string; named: boolean; tensor: TensorData }>;
}

/** Per-request options. */
export interface RequestOptions {
  /** Overrides the worker's request timeout for this request. */
  timeoutMs?: number;
  /** What the request is about (file name), used in error messages. */
  subject?: string;
}

interface Pending {
  id: number;
  cmd: string;
  subject: string;
  resolve: (r: WorkerResponse) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

const live = new Set<PythonWorker>();
let removeExitHandler: (() => void) | undefined;

function killAllSync(): void {
  for (const w of live) w.killNow();
}

// signal-exit runs the callback on process exit and on SIGINT/SIGTERM/SIGHUP..., and keeps the
// default behaviour of a signal (the process still terminates) even when other libraries, such
// as an older signal-exit, listen too.
function installHandlers(): void {
  removeExitHandler ??= onExit(() => {
    killAllSync();
  });
}

function uninstallHandlers(): void {
  removeExitHandler?.();
  removeExitHandler = undefined;
}

/** Number of live Python workers in this process (diagnostics and tests). */
export function livePythonWorkers(): number {
  return live.size;
}

const STDERR_TAIL = 4000;

/** One Python worker process. Create with {@link PythonWorker.start}. */
export class PythonWorker {
  /** What the worker said at start (interpreter, torch version, pid, clock). */
  hello!: WorkerHello;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private readonly frames = new FrameReader();
  private stderrTail = '';
  private exited = false;
  private fatal: PythonWorkerError | undefined;
  private exitPromise: Promise<void>;
  private readonly timeoutMs: number;
  private abortListener: (() => void) | undefined;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    /** The interpreter the worker runs on. */
    readonly executable: string,
    private readonly signal: AbortSignal | undefined,
    timeoutMs: number,
  ) {
    this.timeoutMs = timeoutMs;
    live.add(this);
    installHandlers();
    this.exitPromise = new Promise((resolve) => {
      child.once('close', () => resolve());
    });
    child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    child.stdin.on('error', () => {
      // EPIPE after a crash: the 'exit' handler reports it
    });
    child.on('error', (err) => {
      this.failAll(new PythonWorkerError(`Python worker (${executable}) failed: ${err.message}`, 'spawn', this.stderrTail, undefined, { cause: err }));
      this.markExited();
    });
    child.on('exit', (code, sig) => {
      const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
      const first = [...this.pending.values()][0];
      const during = first ? ` while running '${first.cmd}'${first.subject ? ` on ${first.subject}` : ''}` : '';
      this.failAll(
        this.fatal ??
          new PythonWorkerError(
            `Python worker (pid ${child.pid}) ${how}${during}${this.stderrHint()}`,
            'crash',
            this.stderrTail,
          ),
      );
      this.markExited();
    });
    if (signal) {
      this.abortListener = () => {
        this.fatal = new PythonWorkerError(`Python worker aborted: ${String(signal.reason ?? 'AbortSignal fired')}`, 'aborted', this.stderrTail);
        this.failAll(this.fatal);
        this.killNow();
      };
      signal.addEventListener('abort', this.abortListener, { once: true });
    }
    this.updateRef();
  }

  /**
   * Starts a worker: finds the interpreter, spawns `python -m tier4_export.worker` with
   * PYTHONPATH set, and waits for its hello.
   *
   * @throws PythonWorkerError (`spawn`, `crash`, `timeout`, `aborted`) with the interpreter and
   *   the worker's stderr when it cannot start.
   */
  static async start(options: PythonWorkerOptions = {}): Promise<PythonWorker> {
    options.signal?.throwIfAborted();
    const info = await findPython({ ...(options.python ? { python: options.python } : {}), ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) });
    const pkgDir = pythonPackageDir();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      PYTHONPATH: [pkgDir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
    };
    const child = spawn(info.executable, ['-m', 'tier4_export.worker'], { stdio: ['pipe', 'pipe', 'pipe'], env });
    const worker = new PythonWorker(child, info.executable, options.signal, options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    try {
      const res = await worker.request(
        { cmd: 'hello', ...(options.numThreads ? { num_threads: options.numThreads } : {}) },
        [],
        {
          timeoutMs: options.startTimeoutMs ?? Math.max(options.timeoutMs ?? 0, DEFAULT_START_TIMEOUT_MS),
          subject: `${info.executable} start-up: Python and import torch; startTimeoutMs or a larger timeoutMs raises the limit`,
        },
      );
      const hello = parseWorkerHello(res.header, `Python worker ${info.executable}`);
      if ('problem' in hello) throw new PythonWorkerError(hello.problem, 'protocol', worker.stderrTail);
      worker.hello = hello.hello;
    } catch (err) {
      worker.killNow();
      throw err;
    }
    return worker;
  }

  /** The timeout of one request, in ms. */
  get requestTimeoutMs(): number {
    return this.timeoutMs;
  }

  /** Process id of the worker. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return !this.exited;
  }

  /** Whether the worker hit a fatal error (timeout, crash, abort, close) and takes no more requests. */
  get failed(): boolean {
    return this.fatal !== undefined;
  }

  /**
   * Sends one request and waits for its response.
   *
   * @param header - `cmd` and its fields (`id` and `payload_bytes` are filled in).
   * @param tensors - named tensors sent in the payload, in order.
   * @throws PythonWorkerError: `remote` when Python raised, `timeout` (the worker is killed),
   *   `crash`, `closed`, `aborted`.
   */
  request(
    header: Record<string, unknown> & { cmd: string },
    tensors: Array<{ name: string; tensor: TensorData }> = [],
    options: RequestOptions = {},
  ): Promise<WorkerResponse> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.exited) {
      return Promise.reject(new PythonWorkerError(`Python worker (pid ${this.child.pid}) is not running${this.stderrHint()}`, 'closed', this.stderrTail));
    }
    const id = this.nextId++;
    const frame = encodeFrame({ ...header, id }, tensors, 'input');
    const subject = options.subject ?? '';
    return new Promise<WorkerResponse>((resolve, reject) => {
      const p: Pending = { id, cmd: header.cmd, subject, resolve, reject };
      // setTimeout fires at once above 2^31 - 1 ms: longer timeouts are capped there (~24.8 days)
      const timeoutMs = Math.min(options.timeoutMs ?? this.timeoutMs, MAX_TIMER_MS);
      if (Number.isFinite(timeoutMs) && timeoutMs > 0) {
        p.timer = setTimeout(() => {
          this.fatal = new PythonWorkerError(
            `Python worker timed out after ${timeoutMs} ms on '${header.cmd}'${subject ? ` (${subject})` : ''}; the worker was killed${this.stderrHint()}`,
            'timeout',
            this.stderrTail,
          );
          this.failAll(this.fatal);
          this.killNow();
        }, timeoutMs);
      }
      this.pending.set(id, p);
      this.updateRef();
      for (const b of frame) this.child.stdin.write(b);
    });
  }

  /**
   * Closes the worker: asks it to exit, and kills it if it has not exited after `graceMs`.
   * Pending requests reject with code `closed`. Idempotent.
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.exited) {
      this.cleanup();
      return;
    }
    if (!this.fatal) {
      this.fatal = new PythonWorkerError('Python worker was closed', 'closed', this.stderrTail);
      const pendingBefore = [...this.pending.values()];
      for (const p of pendingBefore) {
        if (p.timer) clearTimeout(p.timer);
        this.pending.delete(p.id);
        p.reject(this.fatal);
      }
      try {
        const len = Buffer.alloc(4);
        const head = Buffer.from(JSON.stringify({ id: 0, cmd: 'close', payload_bytes: 0 }), 'utf8');
        len.writeUInt32BE(head.byteLength, 0);
        this.child.stdin.write(len);
        this.child.stdin.end(head);
      } catch {
        // stdin already closed
      }
    }
    const timer = setTimeout(() => this.killNow(), graceMs);
    // An idle worker is unref'd; while closing it must hold Node until it has exited, or a Python that
    // takes longer than graceMs to exit (a loaded machine, a big model) lets Node end with this promise
    // pending: a CLI run then printed nothing and exited 0.
    this.child.ref();
    await this.exitPromise;
    clearTimeout(timer);
    this.cleanup();
  }

  /** Kills the process now (SIGKILL), synchronously. Safe to call at any time. */
  killNow(): void {
    if (!this.exited) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  private stderrHint(): string {
    const lines = this.stderrTail.trim().split('\n').filter((l) => l.trim().length > 0);
    if (lines.length === 0) return '';
    return `; worker stderr: ${lines.slice(-3).join(' | ')}`;
  }

  private updateRef(): void {
    // A worker with nothing to do must not keep Node alive (a forgotten runner is killed at exit).
    const busy = this.pending.size > 0 && !this.exited;
    const streams = [this.child.stdout, this.child.stderr, this.child.stdin] as Array<{ ref?: () => void; unref?: () => void }>;
    if (busy) {
      this.child.ref();
      for (const s of streams) s.ref?.();
    } else {
      this.child.unref();
      for (const s of streams) s.unref?.();
    }
  }

  private markExited(): void {
    this.exited = true;
    this.cleanup();
  }

  private cleanup(): void {
    live.delete(this);
    if (live.size === 0) uninstallHandlers();
    if (this.abortListener && this.signal) {
      this.signal.removeEventListener('abort', this.abortListener);
      this.abortListener = undefined;
    }
  }

  private failAll(err: PythonWorkerError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    this.updateRef();
  }

  private onData(chunk: Buffer): void {
    if (this.fatal?.code === 'protocol') return; // the stream cannot be resynchronised
    let frames;
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      this.protocolError((err as Error).message);
      return;
    }
    for (const frame of frames) {
      try {
        this.dispatch(frame.header, frame.payload);
      } catch (err) {
        this.protocolError((err as Error).message);
        return;
      }
    }
  }

  private protocolError(message: string): void {
    this.fatal = new PythonWorkerError(`Python worker protocol error: ${message}${this.stderrHint()}`, 'protocol', this.stderrTail);
    this.failAll(this.fatal);
    this.killNow();
  }

  private dispatch(header: Record<string, unknown>, payload: Buffer): void {
    const id = header.id;
    if (id === null || id === undefined) {
      // unsolicited error (e.g. torch missing at start): fatal
      const e = header.error as { message?: string } | undefined;
      this.fatal = new PythonWorkerError(`Python worker failed: ${e?.message ?? JSON.stringify(header)}`, 'crash', this.stderrTail);
      this.failAll(this.fatal);
      return;
    }
    const p = this.pending.get(Number(id));
    if (!p) return; // response to a request that already timed out or was closed
    this.pending.delete(p.id);
    if (p.timer) clearTimeout(p.timer);
    this.updateRef();
    if (header.ok !== true) {
      const e = (header.error ?? {}) as { type?: string; message?: string; traceback?: string };
      p.reject(
        new PythonWorkerError(
          `${e.message ?? 'Python worker error'}`,
          'remote',
          this.stderrTail,
          e.traceback,
          typeof e.type === 'string' ? { pythonType: e.type } : undefined,
        ),
      );
      return;
    }
    let tensors: WorkerResponse['tensors'];
    try {
      tensors = decodeTensors({ header, payload }).map((t) => ({ name: t.name, named: t.named === true, tensor: t.tensor }));
    } catch (err) {
      // the response was taken off the pending map: it fails with the rest
      this.pending.set(p.id, p);
      throw new Error(`response to '${p.cmd}': ${(err as Error).message}`, { cause: err });
    }
    p.resolve({ header, tensors });
  }
}

const shared = new Map<string, Promise<PythonWorker>>();

/**
 * One Python worker per interpreter for the whole Node process (a test worker), started on first
 * use and reused by every runner opened with `shared: true`. It is never closed by runners; it
 * does not keep Node alive and is killed when the process exits. A shared worker that crashed or
 * timed out is replaced on the next call.
 *
 * @param options - interpreter, timeouts, env, threads (used when the worker is started).
 */
export async function sharedPythonWorker(options: Omit<PythonWorkerOptions, 'signal'> = {}): Promise<PythonWorker> {
  const key = JSON.stringify([options.python ?? null, options.env ?? null, options.numThreads ?? null]);
  const existing = shared.get(key);
  if (existing) {
    const w = await existing.catch(() => undefined);
    if (w?.alive && !w.failed) return w;
    if (shared.get(key) === existing) shared.delete(key);
  }
  let p = shared.get(key);
  if (!p) {
    p = PythonWorker.start(options);
    shared.set(key, p);
    p.catch(() => {
      if (shared.get(key) === p) shared.delete(key);
    });
  }
  return p;
}
