/**
 * Resident memory of a loaded model, measured by a process that loads it: a fresh Node process with
 * onnxruntime-node for ONNX (`probe-onnx.js`), a fresh Python process with torch for TorchScript
 * (`python -m tier4_export.memory_probe`). Each loads the file once to warm its runtime, then `loads` more
 * times keeping every copy alive, and reports the median growth of its RSS per extra copy: the memory the
 * model itself holds, without the runtime's one-off cost (which for a small model is larger than the model).
 *
 * Every probe has a timeout and is killed on timeout, abort and error.
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findPython, pythonPackageDir } from 'vitest-tier4-fixtures';

/** Default timeout of one probe, in ms. */
export const DEFAULT_MEMORY_PROBE_TIMEOUT_MS = 120_000;

/** Default number of measured loads after the warm-up one. */
export const DEFAULT_MEMORY_LOADS = 3;

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
  /** Python interpreter for TorchScript (default: `findPython()`). */
  python?: string;
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

function parse(stdout: string, subject: string): MemoryMeasurement {
  const line = stdout.trim().split('\n').pop() ?? '';
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new MemoryProbeError(`memory probe of ${subject}: expected one JSON line on stdout, received ${JSON.stringify(line.slice(0, 200))}`);
  }
  const v = value as Partial<MemoryMeasurement>;
  if (typeof v.memory_bytes !== 'number' || !Array.isArray(v.rss_deltas) || typeof v.method !== 'string') {
    throw new MemoryProbeError(`memory probe of ${subject}: expected { memory_bytes, rss_deltas, method }, received ${line.slice(0, 200)}`);
  }
  return { memory_bytes: v.memory_bytes, rss_deltas: v.rss_deltas, method: v.method };
}

/**
 * Measures the resident memory `path` holds once loaded by the runtime of `format`.
 *
 * @param format - `onnx` (onnxruntime-node) or `torchscript` (torch.jit.load).
 * @throws MemoryProbeError when the probe cannot start, fails, times out or prints something else;
 *   TypeError for another format.
 */
export async function measureResidentMemory(format: string, path: string, options: MemoryProbeOptions = {}): Promise<MemoryMeasurement> {
  const loads = options.loads ?? DEFAULT_MEMORY_LOADS;
  if (!Number.isInteger(loads) || loads < 1) throw new TypeError(`measureResidentMemory: loads must be an integer >= 1, received ${String(loads)}`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_MEMORY_PROBE_TIMEOUT_MS;
  const subject = `${format} ${path}`;
  if (format === 'onnx') {
    const script = onnxProbeScript();
    return parse(await run(process.execPath, [script, path, String(loads)], process.env, subject, timeoutMs, options.signal), subject);
  }
  if (format === 'torchscript') {
    const info = await findPython(options.python ? { python: options.python } : {});
    const env = {
      ...process.env,
      PYTHONPATH: [pythonPackageDir(), process.env.PYTHONPATH].filter(Boolean).join(':'),
      PYTHONDONTWRITEBYTECODE: '1',
    };
    return parse(await run(info.executable, ['-m', 'tier4_export.memory_probe', path, '--loads', String(loads)], env, subject, timeoutMs, options.signal), subject);
  }
  throw new TypeError(`measureResidentMemory: format must be 'onnx' or 'torchscript', received ${JSON.stringify(format)}`);
}
