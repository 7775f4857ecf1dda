/**
 * The pool server: makes one {@link PythonWorkerPool} (and its timing gate) reachable from every
 * test process of a Vitest run, over a local socket (a Unix domain socket; a named pipe on Windows).
 * The `tier4()` plugin starts it in Vitest's main process and sets `TIER4_WORKER_POOL` to its
 * address before the test processes start; {@link connectWorkerPool} is the other end.
 *
 * One connection is one lease. The client's first `hello` binds the connection to a worker of the
 * pool (started when needed) and answers that worker's hello; `load`, `run`, `time` and `unload`
 * (and any other worker command) are forwarded to it, tensors included; `close` ends the lease, never the shared worker. `gate` / `ungate` take and release the run's timing gate
 * (a connection may use the gate without a worker). `stats` answers the pool's counters and the
 * gate's state. `kill` kills the bound worker (the client's
 * request timed out or was aborted: the worker may still be busy with it). When the connection
 * closes, for whatever reason (the client closed, its process died), the models it loaded are
 * unloaded, its gate holds released and its lease returned.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PythonWorkerError, type PythonWorker } from '../python-worker.js';
import { decodeTensors, encodeFrame, FrameReader, type Frame, type FrameTensor } from '../frames.js';
import type { TimingGateMode, TimingGateRelease } from './timing-gate.js';
import type { PythonWorkerLease, PythonWorkerPool } from './worker-pool.js';

/** The environment variable that carries the pool server's address to the test processes. */
export const WORKER_POOL_ENV = 'TIER4_WORKER_POOL';

/** Commands the server answers itself; every other one is forwarded to the bound worker. */
const POOL_COMMANDS = new Set(['hello', 'gate', 'ungate', 'stats', 'kill', 'close']);

/** How long the workers get to exit by themselves when the server closes (then SIGKILL). */
const CLOSE_GRACE_MS = 250;

/** A running pool server. */
export interface WorkerPoolServer {
  /** The socket path (or pipe name) clients connect to. */
  readonly address: string;
  /** The pool it serves. */
  readonly pool: PythonWorkerPool;
  /** Stops accepting, ends every connection, closes the pool and removes the socket. Idempotent. */
  close(): Promise<void>;
}

function socketAddress(): string {
  const name = `vitest-tier4-pool-${process.pid}-${randomBytes(4).toString('hex')}`;
  return process.platform === 'win32' ? `\\\\.\\pipe\\${name}` : join(tmpdir(), `${name}.sock`);
}

function errorBody(error: unknown): Record<string, unknown> {
  if (error instanceof PythonWorkerError) {
    return { type: error.name, code: error.code, message: error.message, traceback: error.pythonTraceback ?? null, stderr: error.stderr, python_type: error.pythonType ?? null };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { type: e.name, code: 'pool', message: e.message, traceback: null, stderr: '' };
}

class Connection {
  private readonly reader = new FrameReader();
  private lease: PythonWorkerLease | undefined;
  private binding: Promise<PythonWorker> | undefined;
  private readonly models = new Set<string>();
  private readonly holds = new Map<number, TimingGateRelease>();
  private readonly gateAborts = new Set<AbortController>();
  private ended = false;

  constructor(
    private readonly socket: Socket,
    private readonly pool: PythonWorkerPool,
  ) {
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.reader.push(chunk);
      } catch (error) {
        this.reply({ id: null, ok: false, error: errorBody(error) });
        socket.destroy();
        return;
      }
      for (const frame of frames) void this.handle(frame);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => void this.end());
  }

  private reply(header: Record<string, unknown>, tensors: FrameTensor[] = []): void {
    if (this.socket.destroyed) return;
    for (const b of encodeFrame(header, tensors)) this.socket.write(b);
  }

  private bind(): Promise<PythonWorker> {
    this.binding ??= this.pool.lease().then((lease) => {
      if (this.ended) {
        lease.release();
        throw new Error('connection closed');
      }
      this.lease = lease;
      return lease.worker;
    });
    // a failed start may be retried by a later hello
    this.binding.catch(() => {
      this.binding = undefined;
    });
    return this.binding;
  }

  private async handle(frame: Frame): Promise<void> {
    const { header } = frame;
    const id = header.id;
    const cmd = header.cmd;
    try {
      if (cmd === 'hello') {
        const worker = await this.bind();
        this.reply({ id, ok: true, ...worker.hello, pool: this.pool.stats });
      } else if (cmd === 'gate') {
        const mode = header.mode as TimingGateMode;
        const abort = new AbortController();
        this.gateAborts.add(abort);
        try {
          const release = await this.pool.gate.acquire(mode, abort.signal);
          if (this.ended) release();
          else this.holds.set(Number(id), release);
        } finally {
          this.gateAborts.delete(abort);
        }
        this.reply({ id, ok: true, hold: id });
      } else if (cmd === 'ungate') {
        const hold = Number(header.hold);
        this.holds.get(hold)?.();
        this.holds.delete(hold);
        this.reply({ id, ok: true });
      } else if (cmd === 'stats') {
        this.reply({ id, ok: true, pool: this.pool.stats, gate: this.pool.gate.state });
      } else if (cmd === 'kill') {
        if (this.lease) this.pool.discard(this.lease.worker);
        this.reply({ id, ok: true });
      } else if (cmd === 'close') {
        // the end of this lease (its models unloaded before the answer), not of the shared worker
        await this.end();
        this.reply({ id, ok: true });
        this.socket.end();
      } else if (typeof cmd === 'string' && !POOL_COMMANDS.has(cmd)) {
        const worker = await this.bind();
        const { id: _id, tensors: _t, payload_bytes: _p, timeout_ms: timeoutMs, subject, ...rest } = header;
        const res = await worker.request({ ...rest, cmd }, decodeTensors(frame), {
          ...(typeof timeoutMs === 'number' ? { timeoutMs } : {}),
          ...(typeof subject === 'string' ? { subject } : {}),
        });
        if (cmd === 'load' && typeof res.header.model === 'string') this.models.add(res.header.model);
        if (cmd === 'unload') this.models.delete(String(header.model));
        const { id: _rid, tensors: _rt, payload_bytes: _rp, ...body } = res.header;
        this.reply({ ...body, id, ok: true }, res.tensors);
      } else {
        throw new Error(`bad pool request: cmd must be a string, received ${JSON.stringify(cmd)}`);
      }
    } catch (error) {
      this.reply({ id, ok: false, error: errorBody(error) });
    }
  }

  /** Unloads this connection's models, releases its holds and its lease. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    for (const abort of this.gateAborts) abort.abort(new Error('connection closed'));
    for (const release of this.holds.values()) release();
    this.holds.clear();
    const lease = this.lease;
    if (!lease) return;
    const worker = lease.worker;
    if (worker.alive && !worker.failed) {
      await Promise.all([...this.models].map((model) => worker.request({ cmd: 'unload', model }).catch(() => undefined)));
    }
    lease.release();
  }
}

/**
 * Starts a pool server for `pool` on a fresh local socket.
 * @throws Error when the socket cannot be created.
 */
export async function startWorkerPoolServer(pool: PythonWorkerPool, address = socketAddress()): Promise<WorkerPoolServer> {
  const connections = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    new Connection(socket, pool);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // the server must not keep the Vitest process alive on its own
  server.unref();
  let closing: Promise<void> | undefined;
  return {
    address,
    pool,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const socket of connections) socket.destroy();
        });
        // idle workers hold nothing worth a slow interpreter shutdown: killed after a short grace
        await pool.close(CLOSE_GRACE_MS);
        if (process.platform !== 'win32') await rm(address, { force: true }).catch(() => undefined);
      })();
      return closing;
    },
  };
}
