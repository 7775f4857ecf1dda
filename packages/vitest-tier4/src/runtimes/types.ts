/**
 * The runtime interface: one small contract every model runner implements, so that another
 * runtime (onnxruntime-web, a GPU execution provider, ...) is one new file plus one
 * {@link registerRunner} call.
 *
 * @packageDocumentation
 */
import type { ExportDir, TensorData } from 'vitest-tier4-fixtures';

/** Named tensors, fed and returned by name. */
export type TensorMap = Record<string, TensorData>;

/** What one forward pass returns. */
export interface RunResult {
  /** Output name -> tensor, named after the model's outputs (metadata names when known). */
  outputs: TensorMap;
  /**
   * Time of the forward pass alone as measured by the runtime itself, in ms, when the runtime
   * measures it (the Python worker does; in-process runners leave it out).
   */
  timingMs?: number;
}

/** Options of {@link ModelRunner.run}. */
export interface RunnerRunOptions {
  /**
   * Limit of this call in ms, for out-of-process runners (the Python worker: its request timeout
   * otherwise). In-process runners have no limit and ignore it.
   */
  timeoutMs?: number;
}

/** Options of {@link ModelRunner.time}. */
export interface RunnerTimeOptions {
  /** Measured iterations: exactly this many without `timeBudgetMs`, else the most. */
  iterations: number;
  /**
   * Budget on the summed measured time in ms: after `minIterations`, the runner stops once the
   * measured iterations reach it (see `latencyPolicy`). Absent: exactly `iterations`.
   */
  timeBudgetMs?: number;
  /** Fewest measured iterations under `timeBudgetMs`. */
  minIterations?: number;
  /** Warm-up iterations run (and discarded) before the measured ones. */
  warmup: number;
  /** Limit of the whole measurement in ms (the Python worker: its request timeout per 10 forwards otherwise). */
  timeoutMs?: number;
}

/** Per-iteration timings measured inside the runtime (see {@link ModelRunner.time}). */
export interface RunnerTimings {
  /** One entry per measured iteration, in ms, in the order they ran. */
  samplesMs: number[];
  /** Which clock timed what, e.g. `python:time.perf_counter_ns around forward ...`. */
  clock: string;
}

/**
 * A loaded model, ready to run batches.
 *
 * Runners are created by {@link openRunner} (or a runtime's own `open...` function) and must be
 * closed with {@link ModelRunner.close}; closing twice is harmless.
 */
export interface ModelRunner {
  /** Export format this runner executes, e.g. `"onnx"`, `"torchscript"`, `"pytorch"`. */
  readonly format: string;
  /** Human-readable runtime name and version, e.g. `"onnxruntime-node 1.30.0"`. */
  readonly runtime: string;
  /** Threads and compute backend the runtime uses (optional: runners that cannot tell leave it out). */
  readonly threading?: RunnerThreading;
  /** Absolute path of the model artifact (or export dir for the eager model). */
  readonly source: string;
  /** Model input names, in the order the model takes them. */
  readonly inputNames: readonly string[];
  /** Model output names, in the order the model returns them. */
  readonly outputNames: readonly string[];
  /**
   * Which clock {@link measureLatency} should report for this runner: runners with
   * {@link ModelRunner.time} time themselves; the others are timed by tinybench in Node.
   */
  readonly clock: string;
  /** Runs one batch. Inputs are matched by name; extra inputs are an error. */
  run(inputs: TensorMap, options?: RunnerRunOptions): Promise<RunResult>;
  /**
   * Optional: times `iterations` forward passes inside the runtime (after `warmup` discarded
   * ones), so that transport to an out-of-process runtime is not measured.
   */
  time?(inputs: TensorMap, options: RunnerTimeOptions): Promise<RunnerTimings>;
  /**
   * Optional, for runners timed in Node: checks and converts `inputs` once and returns a function
   * that runs one batch on them (its result is not converted). {@link measureLatency} times that
   * function, so a figure is the runtime's own call (e.g. `InferenceSession.run` with ready feeds),
   * not vitest-tier4's input checks and tensor conversions.
   * @throws as {@link ModelRunner.run} does for bad inputs.
   */
  prepare?(inputs: TensorMap): () => Promise<unknown>;
  /** Releases the model (and the process, for out-of-process runners). Idempotent. */
  close(): Promise<void>;
}

/** Threads and compute backend of a runner (the Tier 4 dict's `threads`; defined by its JSON Schema). */
export type { RunnerThreading } from '../schema/tier4-report.generated.js';
import type { RunnerThreading } from '../schema/tier4-report.generated.js';

/** Options every runner factory accepts (runtimes may accept more). */
export interface OpenRunnerOptions {
  /** Python interpreter for out-of-process runners (default: `findPython()`). */
  python?: string;
  /** Timeout of one request to an out-of-process runner, in ms. */
  timeoutMs?: number;
  /**
   * Intra-op threads of the runtime (onnxruntime `intraOpNumThreads`; `torch.set_num_threads` in a
   * worker this runner starts). Default: the runtime's own default.
   */
  threads?: number;
  /** Aborting closes the runner (and kills its process); pending calls reject. */
  signal?: AbortSignal;
  /** Input names when they cannot be read from the artifact or the export dir. */
  inputNames?: readonly string[];
  /** Output names when they cannot be read from the artifact or the export dir. */
  outputNames?: readonly string[];
  /**
   * Allow a runner to run Python code named by the export dir: the eager `pytorch` runner
   * imports metadata.json's `model_source` file (a built-in model source needs no opt-in).
   * Default `false`: such a runner refuses with an `UntrustedModelSourceError`
   * (docs/trust-model.md).
   */
  trustModelSource?: boolean;
}

/**
 * Where a runner finds its model: an opened export directory, the path of an export directory
 * (with metadata.json), or the path of the artifact file itself.
 */
export type RunnerTarget = string | ExportDir;

/** Creates a runner for one format. Registered with {@link registerRunner}. */
export type RunnerFactory = (target: RunnerTarget, options?: OpenRunnerOptions) => Promise<ModelRunner>;
