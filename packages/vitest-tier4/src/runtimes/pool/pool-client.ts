/**
 * The test-process end of the worker pool (see pool-server.ts): {@link WorkerPoolClient} leases
 * workers of the run's pool and takes its timing gate; a {@link PooledWorker} is one lease, used by
 * the TorchScript and eager runners exactly like a private {@link PythonWorker}.
 */
import { connect, type Socket } from 'node:net';
import { PythonWorkerError, DEFAULT_REQUEST_TIMEOUT_MS, type PythonWorkerErrorCode, type RequestOptions, type WorkerHello, type WorkerResponse } from '../python-worker.js';
import type { TensorData } from 'vitest-tier4-fixtures';
import { decodeTensors, encodeFrame, FrameReader, type Frame } from '../frames.js';
import { parseWorkerHello } from '../worker-hello.js';
import { WORKER_POOL_ENV } from './pool-server.js';
import type { TimingGateMode, TimingGateRelease } from './timing-gate.js';
import type { PythonWorkerPoolStats } from './worker-pool.js';

/** Extra time the client waits beyond a request's own timeout (enforced by the server) before giving up. */
const CLIENT_GRACE_MS = 10_000;
/** Time to connect to the pool server. */
const CONNECT_TIMEOUT_MS = 10_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

const CODES = new Set<PythonWorkerErrorCode>(['spawn', 'crash', 'timeout', 'remote', 'protocol', 'closed', 'aborted']);
/** Codes after which the leased worker is gone: the lease takes no more requests. */
const FATAL = new Set<PythonWorkerErrorCode>(['spawn', 'crash', 'timeout', 'protocol', 'closed', 'aborted']);

interface Pending {
  resolve: (frame: Frame) => void;
  reject: (error: PythonWorkerError) => void;
  timer: NodeJS.Timeout | undefined;
}

/** One connection to the pool server: framing, ids, timeouts. */
class PoolSocket {
  private readonly reader = new FrameReader();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closedError: PythonWorkerError | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.reader.push(chunk);
      } catch (error) {
        this.fail(new PythonWorkerError(`worker pool ${address}: ${(error as Error).message}`, 'protocol'));
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        const p = this.pending.get(Number(frame.header.id));
        if (!p) continue;
        this.pending.delete(Number(frame.header.id));
        if (p.timer) clearTimeout(p.timer);
        p.resolve(frame);
      }
      this.updateRef();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.fail(new PythonWorkerError(`worker pool ${address}: the connection closed`, 'closed')));
    this.updateRef();
  }

  static open(address: string): Promise<PoolSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(address);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new PythonWorkerError(`worker pool ${address}: no answer to the connection within ${CONNECT_TIMEOUT_MS} ms`, 'spawn'));
      }, CONNECT_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new PoolSocket(socket, address));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(
          new PythonWorkerError(
            `cannot reach the worker pool at ${address} (${WORKER_POOL_ENV}): ${error.message}. ` +
              `It lives as long as the Vitest run that started it; unset ${WORKER_POOL_ENV} to start a private Python worker instead.`,
            'spawn',
            '',
            undefined,
            { cause: error },
          ),
        );
      });
    });
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  /** Sends a request; resolves to the response frame (ok or not), rejects when the connection fails or `waitMs` passes. */
  send(header: Record<string, unknown>, tensors: Array<{ name: string; tensor: TensorData }>, waitMs: number): Promise<Frame> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    const buffers = encodeFrame({ ...header, id }, tensors);
    return new Promise<Frame>((resolve, reject) => {
      const p: Pending = { resolve, reject, timer: undefined };
      if (Number.isFinite(waitMs)) {
        p.timer = setTimeout(() => {
          this.pending.delete(id);
          this.updateRef();
          reject(new PythonWorkerError(`worker pool ${this.address}: no answer to '${String(header.cmd)}' within ${waitMs} ms`, 'timeout'));
        }, Math.min(waitMs, MAX_TIMER_MS));
      }
      this.pending.set(id, p);
      this.updateRef();
      for (const b of buffers) this.socket.write(b);
    });
  }

  /** Rejects everything pending and refuses further requests. */
  fail(error: PythonWorkerError): void {
    this.closedError ??= error;
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(error);
    }
    this.pending.clear();
  }

  end(): void {
    this.fail(new PythonWorkerError(`worker pool ${this.address}: the lease was closed`, 'closed'));
    this.socket.end();
  }

  /** An idle connection must not keep the test process alive. */
  private updateRef(): void {
    if (this.pending.size > 0 && !this.closedError) this.socket.ref();
    else this.socket.unref();
  }
}

function responseError(frame: Frame, subject: string): PythonWorkerError {
  const e = (frame.header.error ?? {}) as { code?: string; message?: string; traceback?: string | null; stderr?: string; python_type?: string | null };
  const code = CODES.has(e.code as PythonWorkerErrorCode) ? (e.code as PythonWorkerErrorCode) : 'closed';
  const message = e.message ?? `worker pool error${subject ? ` (${subject})` : ''}`;
  return new PythonWorkerError(message, code, e.stderr ?? '', e.traceback ?? undefined, typeof e.python_type === 'string' ? { pythonType: e.python_type } : undefined);
}

/**
 * One lease of a pool worker: the same request interface as a private {@link PythonWorker}. The
 * models loaded through it live in the leased process and are unloaded when it closes.
 */
export class PooledWorker {
  private fatal: PythonWorkerError | undefined;
  private abortListener: (() => void) | undefined;

  private constructor(
    private readonly socket: PoolSocket,
    /** What the leased worker said at start, plus `pool` (the pool's statistics). */
    readonly hello: WorkerHello & { pool?: unknown },
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    if (signal) {
      this.abortListener = () => {
        // the worker may be running one of our requests: kill it (the pool replaces it), then fail
        void this.socket.send({ cmd: 'kill' }, [], CONNECT_TIMEOUT_MS).catch(() => undefined);
        this.fatal = new PythonWorkerError(`Python worker aborted: ${String(signal.reason ?? 'AbortSignal fired')}`, 'aborted');
        this.socket.fail(this.fatal);
      };
      signal.addEventListener('abort', this.abortListener, { once: true });
    }
  }

  /** @internal */
  static async lease(address: string, options: { timeoutMs?: number; startTimeoutMs?: number; signal?: AbortSignal } = {}): Promise<PooledWorker> {
    options.signal?.throwIfAborted();
    const socket = await PoolSocket.open(address);
    try {
      // the first hello may wait for a worker to start (import torch)
      const frame = await socket.send({ cmd: 'hello' }, [], (options.startTimeoutMs ?? 120_000) + CLIENT_GRACE_MS);
      if (frame.header.ok !== true) throw responseError(frame, address);
      const hello = parseWorkerHello(frame.header, `the pool's Python worker (${address})`);
      if ('problem' in hello) throw new PythonWorkerError(hello.problem, 'protocol');
      return new PooledWorker(socket, hello.hello, options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, options.signal);
    } catch (error) {
      socket.end();
      throw error;
    }
  }

  /** The timeout of one request, in ms. */
  get requestTimeoutMs(): number {
    return this.timeoutMs;
  }

  /** Process id of the leased worker. */
  get pid(): number | undefined {
    return this.hello.pid;
  }

  /** Whether the lease can still take requests. */
  get alive(): boolean {
    return !this.socket.closed;
  }

  /** Whether the lease hit a fatal error (its worker crashed, timed out, was killed). */
  get failed(): boolean {
    return this.fatal !== undefined;
  }

  /**
   * Sends one request to the leased worker.
   * @throws PythonWorkerError as {@link PythonWorker.request} does (`remote`, `timeout`, `crash`, `closed`, `aborted`).
   */
  async request(
    header: Record<string, unknown> & { cmd: string },
    tensors: Array<{ name: string; tensor: TensorData }> = [],
    options: RequestOptions = {},
  ): Promise<WorkerResponse> {
    if (this.fatal) throw this.fatal;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const frame = await this.socket.send(
      { ...header, timeout_ms: timeoutMs, ...(options.subject ? { subject: options.subject } : {}) },
      tensors,
      timeoutMs + CLIENT_GRACE_MS,
    ).catch((error: unknown) => {
      if (error instanceof PythonWorkerError && error.code === 'timeout') {
        // the server did not answer in time: the worker is stuck, kill it
        void this.socket.send({ cmd: 'kill' }, [], CONNECT_TIMEOUT_MS).catch(() => undefined);
        this.fatal = error;
      }
      throw error;
    });
    if (frame.header.ok !== true) {
      const error = responseError(frame, options.subject ?? '');
      if (FATAL.has(error.code)) this.fatal = error;
      throw error;
    }
    return { header: frame.header, tensors: decodeTensors(frame).map((t) => ({ name: t.name, named: t.named === true, tensor: t.tensor })) };
  }

  /**
   * Ends the lease: resolves once the pool unloaded its models and took the worker back (at most
   * a few seconds: a pool that does not answer is left to clean up when the connection drops).
   * Idempotent.
   */
  async close(): Promise<void> {
    if (this.abortListener && this.signal) this.signal.removeEventListener('abort', this.abortListener);
    this.abortListener = undefined;
    if (!this.socket.closed) await this.socket.send({ cmd: 'close' }, [], CONNECT_TIMEOUT_MS).catch(() => undefined);
    this.socket.end();
  }
}

/**
 * A client of the run's worker pool: leases and the timing gate. Obtain it with
 * {@link workerPoolFromEnv} (inside a Vitest run with the `tier4()` plugin) or construct it with
 * the server's address.
 */
export class WorkerPoolClient {
  private control: Promise<PoolSocket> | undefined;

  constructor(readonly address: string) {}

  /** Leases a worker of the pool (started when every running one is leased and the pool is below its size). */
  lease(options: { timeoutMs?: number; startTimeoutMs?: number; signal?: AbortSignal } = {}): Promise<PooledWorker> {
    return PooledWorker.lease(this.address, options);
  }

  /**
   * Takes the run's timing gate: `exclusive` for a timed phase, `shared` for untimed model work
   * (see timing-gate.ts). Resolves to the release function.
   */
  async gate(mode: TimingGateMode, signal?: AbortSignal): Promise<TimingGateRelease> {
    signal?.throwIfAborted();
    const socket = await this.controlSocket();
    const wait = socket.send({ cmd: 'gate', mode }, [], Number.POSITIVE_INFINITY);
    const releaser = (frame: Frame): TimingGateRelease => {
      const hold = frame.header.hold;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        void socket.send({ cmd: 'ungate', hold }, [], CONNECT_TIMEOUT_MS).catch(() => undefined);
      };
    };
    if (!signal) {
      const frame = await wait;
      if (frame.header.ok !== true) throw responseError(frame, this.address);
      return releaser(frame);
    }
    return new Promise<TimingGateRelease>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      wait.then(
        (frame) => {
          signal.removeEventListener('abort', onAbort);
          if (frame.header.ok !== true) return reject(responseError(frame, this.address));
          const release = releaser(frame);
          // granted after the caller gave up: hand it straight back
          if (signal.aborted) release();
          else resolve(release);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /**
   * The pool's counters (workers started, running, leases, start times) and the gate's state.
   * Answered after every earlier `gate` request of this client was queued by the server.
   */
  async stats(): Promise<{ pool: PythonWorkerPoolStats; gate: { shared: number; exclusive: boolean; waiting: number } }> {
    const frame = await (await this.controlSocket()).send({ cmd: 'stats' }, [], CONNECT_TIMEOUT_MS);
    if (frame.header.ok !== true) throw responseError(frame, this.address);
    return { pool: frame.header.pool as PythonWorkerPoolStats, gate: frame.header.gate as { shared: number; exclusive: boolean; waiting: number } };
  }

  /** Closes the gate connection (its holds are released by the server). */
  close(): void {
    void this.control?.then((s) => s.end(), () => undefined);
    this.control = undefined;
  }

  private controlSocket(): Promise<PoolSocket> {
    const current = this.control;
    if (current) {
      return current.then((s) => {
        if (!s.closed) return s;
        if (this.control === current) this.control = undefined;
        return this.controlSocket();
      });
    }
    const opened = PoolSocket.open(this.address);
    this.control = opened;
    opened.catch(() => {
      if (this.control === opened) this.control = undefined;
    });
    return opened;
  }
}

const clients = new Map<string, WorkerPoolClient>();

/**
 * The client of the pool named by `TIER4_WORKER_POOL` (set by the `tier4()` plugin for its test
 * processes), one per process; `undefined` when the variable is not set.
 */
export function workerPoolFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerPoolClient | undefined {
  const address = env[WORKER_POOL_ENV];
  if (!address) return undefined;
  let client = clients.get(address);
  if (!client) {
    client = new WorkerPoolClient(address);
    clients.set(address, client);
  }
  return client;
}
