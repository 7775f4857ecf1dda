/**
 * ONNX runner on onnxruntime-node.
 *
 * Sessions are created once and cached per worker (per absolute model path, file size and
 * mtime, and session options), because creating one costs 10-100 ms. onnxruntime-node is
 * imported lazily, so importing `vitest-tier4` does not load the native binding.
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type * as OrtModule from 'onnxruntime-node';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { RunnerDefinition } from './registry.js';
import { resolveTarget } from './target.js';
import { assertTensorData, isDType } from './tensor.js';
import type { DType, TensorData } from 'vitest-tier4-fixtures';
import type { ModelRunner, OpenRunnerOptions, RunResult, RunnerTarget, RunnerThreading, TensorMap } from './types.js';
import { orderInputs, type DeclaredInput } from './inputs.js';

type Ort = typeof OrtModule;

let ortPromise: Promise<Ort> | undefined;

async function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').then((m) => ((m as unknown as { default?: Ort }).default ?? m) as Ort);
  return ortPromise;
}

/** Version of the installed onnxruntime-node package. */
export function onnxRuntimeVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Options of {@link openOnnxRunner}. */
export interface OnnxRunnerOptions extends OpenRunnerOptions {
  /** Session options passed to `InferenceSession.create` (part of the cache key). */
  sessionOptions?: InferenceSession.SessionOptions;
  /**
   * Reuse the worker-wide cached session (default `true`). With `false` the runner owns a
   * private session that `close()` releases.
   */
  cache?: boolean;
}

interface CacheEntry {
  session: Promise<InferenceSession>;
}

const sessionCache = new Map<string, CacheEntry>();

/** Run options of a checked run: onnxruntime logs fatal errors only (the failure itself is thrown). */
const QUIET_RUN: InferenceSession.RunOptions = { logSeverityLevel: 4 };

/** Number of cached ONNX sessions in this worker (for diagnostics and tests). */
export function onnxSessionCacheSize(): number {
  return sessionCache.size;
}

/** Releases every cached ONNX session of this worker. */
export async function clearOnnxSessionCache(): Promise<void> {
  const entries = [...sessionCache.values()];
  sessionCache.clear();
  await Promise.all(
    entries.map(async (e) => {
      try {
        await (await e.session).release();
      } catch {
        // a session that failed to load has nothing to release
      }
    }),
  );
}

async function createSession(file: string, options: InferenceSession.SessionOptions): Promise<InferenceSession> {
  const ort = await loadOrt();
  try {
    return await ort.InferenceSession.create(file, options);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // ORT repeats the path ("Load model from <file> failed:Protobuf parsing failed."): keep its reason
    const first = msg.trim().split('\n')[0]!;
    const reason = first.startsWith(`Load model from ${file} failed:`) ? first.slice(`Load model from ${file} failed:`.length).trim() : first;
    throw new Error(`Cannot load ONNX model ${file}: ${reason || first}`, { cause: err });
  }
}

async function getSession(
  file: string,
  options: InferenceSession.SessionOptions,
  cache: boolean,
): Promise<InferenceSession> {
  if (!cache) return createSession(file, options);
  const st = await stat(file);
  const key = JSON.stringify([file, st.size, st.mtimeMs, options]);
  let entry = sessionCache.get(key);
  if (!entry) {
    entry = { session: createSession(file, options) };
    sessionCache.set(key, entry);
    entry.session.catch(() => {
      if (sessionCache.get(key) === entry) sessionCache.delete(key);
    });
  }
  return entry.session;
}

function toOrtTensor(ort: Ort, name: string, t: TensorData): Tensor {
  assertTensorData(t, `ONNX input '${name}'`);
  return new ort.Tensor(t.dtype, t.data as never, t.shape);
}

function fromOrtTensor(name: string, t: Tensor): TensorData {
  const dtype = t.type;
  if (!isDType(dtype)) {
    throw new Error(`ONNX output '${name}' has type '${dtype}', which vitest-tier4 cannot compare (supported: numeric and bool)`);
  }
  return { dtype: dtype as DType, shape: [...t.dims], data: t.data as TensorData['data'] };
}

/** An onnxruntime-node runner (see {@link ModelRunner}). */
class OnnxRunner implements ModelRunner {
  readonly format = 'onnx';
  readonly runtime = `onnxruntime-node ${onnxRuntimeVersion()}`;
  readonly clock = 'node:tinybench performance.now around InferenceSession.run';
  readonly threading: RunnerThreading;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  private closed = false;

  constructor(
    private readonly ort: Ort,
    private session: InferenceSession | undefined,
    readonly source: string,
    private readonly ownsSession: boolean,
    private readonly signal?: AbortSignal,
    sessionOptions: InferenceSession.SessionOptions = {},
    private readonly declared: readonly DeclaredInput[] = [],
  ) {
    // onnxruntime's default intra-op pool has one thread per physical core; it does not report the count
    this.threading = {
      intra_op: sessionOptions.intraOpNumThreads ?? null,
      inter_op: sessionOptions.executionMode === 'parallel' ? (sessionOptions.interOpNumThreads ?? null) : 1,
      backend: 'MLAS (onnxruntime CPU execution provider)',
    };
    this.inputNames = [...session!.inputNames];
    this.outputNames = [...session!.outputNames];
  }

  /** The checked feeds of `inputs` (see {@link ModelRunner.run} for the errors). */
  private feeds(inputs: TensorMap): Record<string, Tensor> {
    if (this.closed || !this.session) throw new Error(`ONNX runner for ${this.source} is closed`);
    this.signal?.throwIfAborted();
    const feeds: Record<string, Tensor> = {};
    for (const { name, tensor } of orderInputs(`ONNX run(${this.source})`, this.inputNames, inputs, this.declared)) {
      feeds[name] = toOrtTensor(this.ort, name, tensor);
    }
    return feeds;
  }

  prepare(inputs: TensorMap): () => Promise<unknown> {
    const feeds = this.feeds(inputs);
    const session = this.session!;
    return () => {
      if (this.closed) return Promise.reject(new Error(`ONNX runner for ${this.source} is closed`));
      return session.run(feeds);
    };
  }

  async run(inputs: TensorMap): Promise<RunResult> {
    const feeds = this.feeds(inputs);
    let results: InferenceSession.OnnxValueMapType;
    try {
      // a failing kernel is reported once, in the error below: onnxruntime's own ERROR log line of it
      // (written to stderr by native code, once per failing sample) is silenced for this run
      results = await this.session!.run(feeds, QUIET_RUN);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(`ONNX Runtime failed to run ${this.source}: ${msg}`, { cause: err });
    }
    const outputs: TensorMap = {};
    for (const name of this.outputNames) {
      const value = results[name];
      if (!value) throw new Error(`ONNX run(${this.source}): output '${name}' missing from the results`);
      outputs[name] = fromOrtTensor(name, value as Tensor);
    }
    return { outputs };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const s = this.session;
    this.session = undefined;
    if (this.ownsSession && s) await s.release();
  }
}

/**
 * Opens an ONNX runner.
 *
 * @param target - export dir (path or opened) or `.onnx` file path.
 * @param options - session options, cache switch, abort signal.
 * @throws Error naming the file when it is missing or not a loadable ONNX model.
 */
export async function openOnnxRunner(target: RunnerTarget, options: OnnxRunnerOptions = {}): Promise<ModelRunner> {
  const resolved = await resolveTarget('onnx', target, options);
  options.signal?.throwIfAborted();
  const ort = await loadOrt();
  const cache = options.cache ?? true;
  const sessionOptions: InferenceSession.SessionOptions = {
    ...(options.threads !== undefined ? { intraOpNumThreads: options.threads } : {}),
    ...(options.sessionOptions ?? {}),
  };
  const session = await getSession(resolved.file, sessionOptions, cache);
  return new OnnxRunner(ort, session, resolved.file, !cache, options.signal, sessionOptions, resolved.inputSpecs);
}

/** The `onnx` runner: onnxruntime-node, in process. Registered by runtimes/builtin.ts. */
export const ONNX_RUNNER: RunnerDefinition = {
  format: 'onnx',
  open: (target, options) => openOnnxRunner(target, options),
  needs: {},
};
