/**
 * Resident memory of a loaded model, measured by a process that loads it: a fresh Node process with
 * onnxruntime-node for ONNX (`probe-onnx.js`); for TorchScript, a child forked from the Python worker's
 * zygote when a worker is given (python/tier4_export/zygote.py: forked right after `import torch`, before
 * any op ran, so its memory is a fresh process's after that import), else, or when the worker's zygote is
 * no longer running, a fresh Python process (`python -m tier4_export.memory_probe`). Each loads the file
 * once to warm its runtime, then `loads` more times keeping every copy alive, and reports the median growth
 * of its RSS per extra copy: the memory the model itself holds, without the runtime's one-off cost (which
 * for a small model is larger than the model). `method` says which process measured (memory-method.ts).
 *
 * Every probe has a timeout and is killed on timeout and when another probe of the same call fails (a
 * zygote child by the worker). On abort a fresh process is killed; the caller stops waiting for zygote
 * children at once, and they end at their timeout, or with the worker when the abort ends it too (as a
 * pooled lease does).
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findPython, pythonPackageDir } from 'vitest-tier4-fixtures';
import { PythonWorkerError } from '../runtimes/python-worker.js';
import type { WorkerChannel } from '../runtimes/worker-runner.js';
import { TORCHSCRIPT_MEMORY_METHOD } from './memory-method.js';

/** Default timeout of one probe, in ms. */
export const DEFAULT_MEMORY_PROBE_TIMEOUT_MS = 120_000;

/** Default number of measured loads after the warm-up one. */
export const DEFAULT_MEMORY_LOADS = 3;

/** How much longer than the probe's own timeout (which the worker enforces) its worker request may take. */
const WORKER_GRACE_MS = 10_000;

/** What one probe measured. */
export interface MemoryMeasurement {
  /** Median RSS growth of one more loaded copy, in bytes. */
  memory_bytes: number;
  /** RSS growth of each measured load, in bytes. */
  rss_deltas: number[];
  /** How it was measured (process, counter, loads). */
  method: string;
}

/** Options of {@link measureResidentMemory}. */
export interface MemoryProbeOptions {
  /** Python interpreter of a fresh TorchScript probe (default: the `worker`'s, else `findPython()`). */
  python?: string;
  /**
   * The run's Python worker (a lease of the pool, or a private worker; not closed). A worker with a zygote
   * (`hello.zygote_pid`) measures TorchScript in a child forked from it; without one, a fresh process is
   * started on the worker's interpreter (no `findPython` probe either way).
   */
  worker?: WorkerChannel;
  /** Measured loads (default 3). */
  loads?: number;
  /** Timeout of the probe in ms (default 120 s). */
  timeoutMs?: number;
  /** Kills the probe. */
  signal?: AbortSignal;
}

/**
 * The compiled probe script: beside this module in `dist/`, or, when this module runs from `src/` (the
 * package's own tests), the built copy in `dist/` (Node cannot run the TypeScript source).
 */
function onnxProbeScript(): string {
  const beside = fileURLToPath(new URL('./probe-onnx.js', import.meta.url));
  if (existsSync(beside)) return beside;
  const built = beside.replace(/([\\/])src([\\/]quantization[\\/]probe-onnx\.js)$/, '$1dist$2');
  if (existsSync(built)) return built;
  throw new MemoryProbeError(`the ONNX memory probe script is missing (looked for ${beside} and ${built}); build the package (pnpm run build)`);
}

/** A probe failed: the message names the artifact and gives the probe's stderr or the timeout. */
export class MemoryProbeError extends Error {
  override readonly name = 'MemoryProbeError';
}

function tail(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim().length > 0);
  return lines.slice(-3).join(' | ');
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, subject: string, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (err: Error | null, out?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (err) reject(err);
      else resolve(out!);
    };
    const onAbort = (): void => finish(signal!.reason instanceof Error ? signal!.reason : new MemoryProbeError(`memory probe of ${subject} aborted`));
    const timer = setTimeout(() => finish(new MemoryProbeError(`memory probe of ${subject} timed out after ${timeoutMs} ms (killed)`)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => finish(new MemoryProbeError(`memory probe of ${subject} could not start ${command}: ${err.message}`)));
    child.on('close', (code, sig) => {
      if (code === 0) finish(null, stdout);
      else finish(new MemoryProbeError(`memory probe of ${subject} failed (${sig ? `signal ${sig}` : `exit code ${String(code)}`}): ${tail(stderr) || 'no output'}`));
    });
  });
}

function parse(stdout: string, subject: string, method?: string): MemoryMeasurement {
  const line = stdout.trim().split('\n').pop() ?? '';
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new MemoryProbeError(`memory probe of ${subject}: expected one JSON line on stdout, received ${JSON.stringify(line.slice(0, 200))}`);
  }
  const v = value as Partial<MemoryMeasurement>;
  if (typeof v.memory_bytes !== 'number' || !Array.isArray(v.rss_deltas) || typeof (method ?? v.method) !== 'string') {
    throw new MemoryProbeError(`memory probe of ${subject}: expected { memory_bytes, rss_deltas${method ? '' : ', method'} }, received ${line.slice(0, 200)}`);
  }
  return { memory_bytes: v.memory_bytes, rss_deltas: v.rss_deltas, method: method ?? v.method! };
}

/** Whether `worker` said it has a zygote to serve TorchScript probes from (it may have exited since). */
function hasZygote(worker: WorkerChannel | undefined): worker is WorkerChannel {
  return worker !== undefined && worker.alive && typeof worker.hello.zygote_pid === 'number';
}

/**
 * The Python type of the worker's refusal when it has no zygote running (python/tier4_export/zygote.py
 * `ZygoteUnavailable`: none was forked, or it exited after the hello). The worker protocol sends it as
 * `error.type`, which PythonWorkerError keeps as `pythonType` (of a private worker and of a pool lease
 * alike): that is how the refusal is told from a probe that failed.
 */
const ZYGOTE_UNAVAILABLE = 'ZygoteUnavailable';

/** Whether `err` is the worker's {@link ZYGOTE_UNAVAILABLE} refusal. */
function isZygoteUnavailable(err: unknown): boolean {
  return err instanceof PythonWorkerError && err.code === 'remote' && err.pythonType === ZYGOTE_UNAVAILABLE;
}

/** Rejects with the abort reason as soon as `signal` fires (the probe itself ends at its timeout in the worker). */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal | undefined, subject: string): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new MemoryProbeError(`memory probe of ${subject} aborted`));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * TorchScript files measured side by side in children of the worker's zygote (one `memory_probe` request).
 *
 * @returns the measurements in the order of `paths`, or null when the worker's zygote is not running
 *   ({@link isZygoteUnavailable}): the caller measures in fresh processes instead.
 */
async function probeInZygote(worker: WorkerChannel, paths: readonly string[], loads: number, timeoutMs: number, signal?: AbortSignal): Promise<MemoryMeasurement[] | null> {
  const subject = `torchscript ${paths.join(', ')}`;
  let header: Record<string, unknown>;
  try {
    const res = await unlessAborted(
      worker.request({ cmd: 'memory_probe', paths: [...paths], loads, probe_timeout_ms: timeoutMs }, [], {
        timeoutMs: timeoutMs + WORKER_GRACE_MS,
        subject: `memory probe of ${subject}`,
      }),
      signal,
      subject,
    );
    header = res.header;
  } catch (err) {
    if (signal?.aborted) throw err;
    if (isZygoteUnavailable(err)) return null;
    // the worker's own message names the artifact ('memory probe of torchscript <path> timed out after N ms (killed)')
    if (err instanceof PythonWorkerError && err.code === 'remote') throw new MemoryProbeError(err.message);
    throw new MemoryProbeError(`memory probe of ${subject}: the Python worker failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const list = header.measurements;
  if (!Array.isArray(list) || list.length !== paths.length) {
    throw new MemoryProbeError(`memory probe of ${subject}: expected ${paths.length} measurement(s) from the worker, received ${JSON.stringify(list)?.slice(0, 200)}`);
  }
  return list.map((m: unknown, i) => {
    const v = (m ?? {}) as Partial<MemoryMeasurement>;
    if (typeof v.memory_bytes !== 'number' || !Array.isArray(v.rss_deltas)) {
      throw new MemoryProbeError(`memory probe of torchscript ${paths[i]!}: expected { memory_bytes, rss_deltas } from the worker, received ${JSON.stringify(m)?.slice(0, 200)}`);
    }
    return { memory_bytes: v.memory_bytes, rss_deltas: v.rss_deltas, method: TORCHSCRIPT_MEMORY_METHOD(loads, 'zygote') };
  });
}

/** One probe in a process of its own (ONNX: Node; TorchScript: a fresh Python). */
async function probeInProcess(format: string, path: string, loads: number, timeoutMs: number, options: MemoryProbeOptions, signal?: AbortSignal): Promise<MemoryMeasurement> {
  const subject = `${format} ${path}`;
  if (format === 'onnx') {
    const script = onnxProbeScript();
    return parse(await run(process.execPath, [script, path, String(loads)], process.env, subject, timeoutMs, signal), subject);
  }
  // the interpreter of the worker that is already running, else the finder's (which probes it)
  const executable = options.python ? (await findPython({ python: options.python })).executable : (options.worker?.hello.executable ?? (await findPython()).executable);
  const env = {
    ...process.env,
    PYTHONPATH: [pythonPackageDir(), process.env.PYTHONPATH].filter(Boolean).join(':'),
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const out = await run(executable, ['-m', 'tier4_export.memory_probe', path, '--loads', String(loads)], env, subject, timeoutMs, signal);
  return parse(out, subject, TORCHSCRIPT_MEMORY_METHOD(loads, 'fresh'));
}

function checkArgs(format: string, loads: number): void {
  if (!Number.isInteger(loads) || loads < 1) throw new TypeError(`measureResidentMemory: loads must be an integer >= 1, received ${String(loads)}`);
  if (format !== 'onnx' && format !== 'torchscript') {
    throw new TypeError(`measureResidentMemory: format must be 'onnx' or 'torchscript', received ${JSON.stringify(format)}`);
  }
}

/**
 * Measures the resident memory `path` holds once loaded by the runtime of `format`.
 *
 * @param format - `onnx` (onnxruntime-node) or `torchscript` (torch.jit.load).
 * @throws MemoryProbeError when the probe cannot start, fails, times out or prints something else;
 *   TypeError for another format.
 */
export async function measureResidentMemory(format: string, path: string, options: MemoryProbeOptions = {}): Promise<MemoryMeasurement> {
  return (await measureResidentMemories(format, [path], options))[0]!;
}

/**
 * Measures several files of one format side by side, each in its own process (a zygote child or a fresh
 * process): each process measures only its own resident memory, so running them together changes no
 * figure. The first failure stops the others and is the one thrown (a timeout only when none failed).
 * Aborting `signal` rejects at once and kills fresh processes; zygote children end at their timeout, or
 * with the worker when the abort ends it too (a pooled lease does). A worker whose zygote is no longer
 * running (its refusal, `ZygoteUnavailable`) gets the fresh-process probes, on its interpreter; `method`
 * says so.
 *
 * @returns the measurements in the order of `paths`.
 * @throws as {@link measureResidentMemory}.
 */
export async function measureResidentMemories(format: string, paths: readonly string[], options: MemoryProbeOptions = {}): Promise<MemoryMeasurement[]> {
  const loads = options.loads ?? DEFAULT_MEMORY_LOADS;
  checkArgs(format, loads);
  const timeoutMs = options.timeoutMs ?? DEFAULT_MEMORY_PROBE_TIMEOUT_MS;
  options.signal?.throwIfAborted();
  if (format === 'torchscript' && hasZygote(options.worker)) {
    const measured = await probeInZygote(options.worker, paths, loads, timeoutMs, options.signal);
    if (measured) return measured;
    // the zygote is gone (killed, out of memory): fresh processes below, on the worker's interpreter
  }
  const all = new AbortController();
  const onAbort = (): void => all.abort(options.signal!.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let first: unknown;
  let failed = false;
  const guard = (p: Promise<MemoryMeasurement>): Promise<MemoryMeasurement> =>
    p.catch((err: unknown) => {
      if (!failed) {
        failed = true;
        first = err;
        all.abort(err);
      }
      throw err;
    });
  try {
    const settled = await Promise.allSettled(paths.map((path) => guard(probeInProcess(format, path, loads, timeoutMs, options, all.signal))));
    if (failed) throw first;
    return settled.map((r) => (r as PromiseFulfilledResult<MemoryMeasurement>).value);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
