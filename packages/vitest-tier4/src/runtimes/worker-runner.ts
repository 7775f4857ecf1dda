/**
 * A {@link ModelRunner} over a model loaded in a {@link PythonWorker} (shared by the TorchScript
 * and the eager PyTorch runtimes).
 */
import type { TensorData } from 'vitest-tier4-fixtures';
import { PythonWorker, PythonWorkerError, sharedPythonWorker, type PythonWorkerOptions, type RequestOptions, type WorkerHello, type WorkerResponse } from './python-worker.js';
import type { ModelRunner, RunResult, RunnerRunOptions, RunnerThreading, RunnerTimeOptions, RunnerTimings, TensorMap } from './types.js';
import { orderInputs, type DeclaredInput } from './inputs.js';

/** Least timeout of loading a model in the worker (see {@link WorkerRunnerOptions.loadTimeoutMs}). */
export const DEFAULT_LOAD_TIMEOUT_MS = 60_000;

/**
 * What a worker-backed runner talks to: a private {@link PythonWorker} or a lease of the run's
 * worker pool (`PooledWorker`); both speak the worker protocol.
 */
export interface WorkerChannel {
  /** The worker's hello: protocol version, Python, torch and numpy versions. */
  readonly hello: WorkerHello;
  /** Default timeout of one request in ms. */
  readonly requestTimeoutMs: number;
  /** False once the worker process has exited or was closed. */
  readonly alive: boolean;
  /** The worker process id (undefined before it started). */
  readonly pid: number | undefined;
  /** Sends one request (a JSON header and tensors) and resolves to the worker's response. */
  request(
    header: Record<string, unknown> & { cmd: string },
    tensors?: Array<{ name: string; tensor: TensorData }>,
    options?: RequestOptions,
  ): Promise<WorkerResponse>;
  /** Ends the worker, or returns a pool lease; resolves once that is done. */
  close(): Promise<void>;
}

/** Options of the worker-backed runners. */
export interface WorkerRunnerOptions extends PythonWorkerOptions {
  /**
   * Run in this already started worker or pool lease (not closed by the runner) instead of
   * starting one. Lets the TorchScript model and the eager baseline share one Python process.
   */
  worker?: WorkerChannel;
  /**
   * Run in the process-wide shared worker ({@link sharedPythonWorker}) instead of starting one:
   * opening a runner then costs a model load, not a Python start-up. Ignored when `worker` is
   * given. `signal` is not applied to the shared worker (aborting would kill it for every runner).
   */
  shared?: boolean;
  /**
   * Timeout of loading the model in ms (a TorchScript file, or the eager model's factory, which
   * may never return). Default: the larger of 60 000 and `timeoutMs`.
   */
  loadTimeoutMs?: number;
  /** Input names when they cannot be read from the export dir. */
  inputNames?: readonly string[];
  /** Output names when they cannot be read from the export dir. */
  outputNames?: readonly string[];
  /** Intra-op threads of a worker this runner starts (the name runTier4 and OpenRunnerOptions use for `numThreads`). */
  threads?: number;
}

/** @internal */
export class WorkerModelRunner implements ModelRunner {
  readonly clock: string;
  readonly runtime: string;
  readonly threading: RunnerThreading;
  private closed = false;
  private outNames: string[];

  constructor(
    readonly format: string,
    readonly source: string,
    private readonly worker: WorkerChannel,
    private readonly handle: string,
    private readonly ownsWorker: boolean,
    readonly inputNames: readonly string[],
    outputNames: readonly string[],
    threading?: RunnerThreading,
    private readonly declared: readonly DeclaredInput[] = [],
  ) {
    this.outNames = [...outputNames];
    this.clock = worker.hello.clock;
    this.runtime = `torch ${worker.hello.torch} (python ${worker.hello.python}, ${threading?.intra_op ?? worker.hello.num_threads} threads)`;
    this.threading = threading ?? {
      intra_op: worker.hello.num_threads,
      inter_op: worker.hello.num_interop_threads ?? null,
      backend: worker.hello.backend ?? 'unknown (the worker did not say)',
    };
  }

  get outputNames(): readonly string[] {
    return this.outNames;
  }

  /** Process id of the Python worker running this model. */
  get pid(): number | undefined {
    return this.worker.pid;
  }

  private orderedInputs(inputs: TensorMap): Array<{ name: string; tensor: TensorMap[string] }> {
    return orderInputs(`${this.format} run(${this.source})`, this.inputNames, inputs, this.declared);
  }


  private check(): void {
    if (this.closed) throw new PythonWorkerError(`${this.format} runner for ${this.source} is closed`, 'closed');
  }

  async run(inputs: TensorMap, options: RunnerRunOptions = {}): Promise<RunResult> {
    this.check();
    const res = await this.worker.request({ cmd: 'run', model: this.handle }, this.orderedInputs(inputs), {
      subject: this.source,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    const outputs: TensorMap = {};
    const allNamed = res.tensors.length > 0 && res.tensors.every((t) => t.named);
    if (allNamed) {
      for (const t of res.tensors) outputs[t.name] = t.tensor;
    } else if (this.outNames.length === 0) {
      for (const t of res.tensors) outputs[t.name] = t.tensor;
      this.outNames = res.tensors.map((t) => t.name);
    } else {
      if (res.tensors.length !== this.outNames.length) {
        throw new Error(
          `${this.format} run(${this.source}): model returned ${res.tensors.length} output(s), expected ${this.outNames.length} (${this.outNames.join(', ')})`,
        );
      }
      res.tensors.forEach((t, i) => {
        outputs[this.outNames[i]!] = t.tensor;
      });
    }
    const timing = res.header.timing_ms;
    return typeof timing === 'number' ? { outputs, timingMs: timing } : { outputs };
  }

  async time(inputs: TensorMap, options: RunnerTimeOptions): Promise<RunnerTimings> {
    this.check();
    const { iterations, warmup } = options;
    if (!Number.isInteger(iterations) || iterations < 1) {
      throw new TypeError(`time(): iterations must be an integer >= 1, received ${String(iterations)}`);
    }
    if (!Number.isInteger(warmup) || warmup < 0) {
      throw new TypeError(`time(): warmup must be an integer >= 0, received ${String(warmup)}`);
    }
    // one request runs warmup + iterations forwards: it gets the request timeout per 10 forwards
    const timeoutMs = options.timeoutMs ?? this.worker.requestTimeoutMs * Math.max(1, Math.ceil((iterations + warmup) / 10));
    const budget = options.timeBudgetMs !== undefined ? { time_budget_ms: options.timeBudgetMs, min_iterations: options.minIterations ?? iterations } : {};
    const res = await this.worker.request({ cmd: 'time', model: this.handle, iterations, warmup, ...budget }, this.orderedInputs(inputs), {
      subject: this.source,
      timeoutMs,
    });
    return { samplesMs: res.header.samples_ms as number[], clock: String(res.header.clock ?? this.clock) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsWorker) {
      await this.worker.close();
    } else if (this.worker.alive) {
      await this.worker.request({ cmd: 'unload', model: this.handle }).catch(() => undefined);
    }
  }
}

/**
 * Starts (or reuses) a worker and loads a model in it; kills a worker it started when loading
 * fails.
 * @internal
 */
export async function loadInWorker(
  format: string,
  source: string,
  load: Record<string, unknown>,
  options: WorkerRunnerOptions,
  names: { inputNames?: readonly string[]; outputNames?: readonly string[]; inputSpecs?: readonly DeclaredInput[] },
): Promise<WorkerModelRunner> {
  const owns = !options.worker && !options.shared;
  let worker: WorkerChannel;
  if (options.worker) worker = options.worker;
  else if (options.shared) {
    const { signal: _signal, ...rest } = options;
    worker = await sharedPythonWorker(rest);
  } else worker = await PythonWorker.start(options);
  try {
    // the same intra-op thread count as the other runtimes, also on a pooled worker started before
    let threading: RunnerThreading | undefined;
    if (options.threads !== undefined) {
      const t = await worker.request({ cmd: 'threads', num_threads: options.threads }, [], { subject: source });
      threading = {
        intra_op: Number(t.header.num_threads),
        inter_op: typeof t.header.num_interop_threads === 'number' ? t.header.num_interop_threads : null,
        backend: String(t.header.backend ?? 'unknown (the worker did not say)'),
      };
    }
    const res = await worker.request({ cmd: 'load', ...load }, [], { subject: source, timeoutMs: options.loadTimeoutMs ?? Math.max(options.timeoutMs ?? 0, DEFAULT_LOAD_TIMEOUT_MS) });
    const argNames = (res.header.arg_names as string[] | undefined) ?? [];
    return new WorkerModelRunner(
      format,
      source,
      worker,
      String(res.header.model),
      owns,
      names.inputNames ?? argNames,
      names.outputNames ?? [],
      threading,
      names.inputSpecs,
    );
  } catch (err) {
    if (owns) await worker.close();
    throw err;
  }
}
