/**
 * The options of runTier4: their types, defaults and the one check that runs before anything
 * else (a bad option is a TypeError at call time, never a warning in the dict).
 */
import { availableParallelism } from 'node:os';
import type { ExportDir } from 'vitest-tier4-fixtures';
import type { LatencyBudgetLevel } from '../../latency/measure.js';
import type { ValidationPool } from '../../runtimes/pool/validation-workers.js';
import { hasRunner, registeredFormats } from '../../runtimes/registry.js';
import { checkQuantizationOptions, type Tier4QuantizationOptions } from '../../quantization/step.js';
import { checkQuantizationThresholds, QUANTIZATION_METRICS, splitThresholds, type QuantizationThresholds } from '../../quantization/thresholds.js';
import { checkGateOptions, type Tier4GateOptions } from '../gates.js';
import { checkOutputThresholds } from '../outputs.js';
import type { Tier4ThresholdPreset } from '../types.js';

export { DEFAULT_TIER4_THRESHOLDS } from '../outputs.js';
/** Default intra-op threads of every runtime: the machine's available parallelism, at most 4. */
export function defaultTier4Threads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** Default number of samples checked. */
export const DEFAULT_TIER4_SAMPLES = 10;

/** Latency options of {@link runTier4}. */
export interface Tier4LatencyOptions {
  /** Measured iterations (default 100). */
  iterations?: number;
  /** Warm-up iterations (default 10). */
  warmup?: number;
  /** Budget on each format's mean latency in ms (none by default: informational). */
  budgetMs?: number;
  /** What an overrun does: `warn` (default) or `fail`. */
  budgetLevel?: LatencyBudgetLevel;
}

/** Options of {@link runTier4}. */
export interface RunTier4Options {
  /** The export dir (path or opened). */
  exportDir: string | ExportDir;
  /**
   * Formats to validate. Default: every format metadata.json requested, except `pytorch` (the
   * state dict is the reference, not a deployment format).
   */
  formats?: string[];
  /** Samples to check (the first N of the export; default 10). */
  numSamples?: number;
  /**
   * Thresholds per preset (default `{ fp32: 1e-4, quantized: 1e-2 }`) and, for quantized exports, on the
   * quantization metrics (default `{ sqnr_db: 20 }`): `sqnr_db`, `cosine`, `top1_agreement` (minimums),
   * `relative_error`, `kl_divergence` (maximums). See docs/tolerances.md.
   */
  thresholds?: Partial<Record<Tier4ThresholdPreset, number>> & QuantizationThresholds;
  /**
   * Thresholds of single outputs, replacing the preset's value for them (same statistic), e.g.
   * `{ uncertainties: 1e-3 }`; every name must be an output of the export.
   */
  outputThresholds?: Record<string, number>;
  /** Deployment gates: minimum speed-up against eager PyTorch, maximum artifact size (`tier4/gates.ts`). */
  gates?: Tier4GateOptions;
  /**
   * Scale-free gate of fp32 exports: the minimum SQNR in dB of every output over all samples (default
   * `DEFAULT_MIN_SQNR_DB`, 60). `-Infinity` turns it off. Quantized exports are judged on SQNR by
   * `thresholds.sqnr_db` (their quantization section).
   */
  minSqnrDb?: number;
  /** Latency measurement: `false` to skip, or options (default: 100 iterations after 10 warm-up). */
  latency?: false | Tier4LatencyOptions;
  /** Python interpreter for the TorchScript worker and the eager baseline (a private worker: no pool). */
  python?: string;
  /**
   * The Python worker pool to lease the worker from, or `false` for a private worker. Default: the
   * run's pool when the `tier4()` plugin started one (`TIER4_WORKER_POOL`) and no `python` is given.
   * Either way latency is measured under the timing gate (docs/runtimes.md, "The worker pool").
   *
   * @internal The pool types are the plugin's; outside it, `false` is the only value to pass.
   */
  pool?: ValidationPool | false;
  /**
   * Timeout of one request to the Python worker, in ms, used as given. Default: 60 000, and once a
   * forward pass of the format is measured the larger of that and 10 times it (per batch item,
   * times the batch); the latency request scales likewise. A request that exceeds its limit is the
   * format's own reason (`formats.<format>.timeout`), never a parity failure (docs/tier4-report.md).
   */
  timeoutMs?: number;
  /**
   * Intra-op threads of every runtime (onnxruntime's intraOpNumThreads, torch.set_num_threads in the
   * Python worker, so the eager baseline too), so that a speed-up compares runtimes, not thread
   * counts. Default: {@link defaultTier4Threads} (the machine's available parallelism, at most 4).
   */
  threads?: number;
  /**
   * Run the Python model source named by the export dir's metadata.json to build the eager
   * baseline of the speed-up (default `false`: an export dir is data, see docs/trust-model.md).
   * Without it, a `{ kind: 'file' }` model source is not imported: the speed-up is not measured
   * and a warning says how to enable it; everything else is validated. Built-in model sources
   * need no opt-in. The `validate` fixture of `vitest-tier4/test` sets it (the plugin's fixtures
   * are the user's own configuration).
   */
  trustModelSource?: boolean;
  /**
   * When the ONNX format fails fp32 parity, compare it layer by layer and name the layer where
   * the divergence is born (`drift_origin`, `layers`, and the reason; docs/layers.md). Runs when
   * the export stores reference activations or its model source may be run (built in, or
   * `trustModelSource`). Default true.
   */
  localise?: boolean;
  /**
   * Output names whose reference may hold NaN or Inf. By default a non-finite reference output
   * fails the export (naming the count and the first index): NaN equals NaN on both sides, so a
   * model with NaN weights would otherwise validate as `ok`.
   */
  allowNonFinite?: string[];
  /** Write the dict to this path as JSON (atomically). */
  json?: string;
  /** Aborts the run (kills the Python worker). */
  signal?: AbortSignal;
  /**
   * Quantized exports: thresholds on the quantization metrics (default `{ sqnr_db: 20 }`), memory
   * measurement, per-layer SQNR and the verbose form of `formats.<format>.quantization`
   * (docs/tier4-report.md#the-quantization-section).
   */
  quantization?: Tier4QuantizationOptions;
  /** Called with progress lines (e.g. the CLI's --verbose). */
  log?: (line: string) => void;
}

/** Checks every option of {@link RunTier4Options}; throws a TypeError naming the option, the expected and the received. */
export function checkOptions(options: RunTier4Options): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`runTier4: expected an options object { exportDir, ... }, received ${options === null ? 'null' : typeof options}`);
  }
  const { exportDir, numSamples, thresholds, formats, latency } = options;
  if (options.allowNonFinite !== undefined && (!Array.isArray(options.allowNonFinite) || options.allowNonFinite.some((n) => typeof n !== 'string'))) {
    throw new TypeError(`runTier4: allowNonFinite must be an array of output names, received ${JSON.stringify(options.allowNonFinite)}`);
  }
  const isExportDir = typeof exportDir === 'object' && exportDir !== null && typeof exportDir.dir === 'string' && typeof exportDir.metadata === 'object';
  if (!(typeof exportDir === 'string' && exportDir.length > 0) && !isExportDir) {
    throw new TypeError(
      `runTier4: exportDir must be the path of an export directory or an ExportDir from openExportDir(), received ${exportDir === undefined ? 'undefined' : JSON.stringify(exportDir)}`,
    );
  }
  if (numSamples !== undefined && (!Number.isInteger(numSamples) || numSamples < 1)) {
    throw new TypeError(`runTier4: numSamples must be an integer >= 1, received ${JSON.stringify(numSamples)}`);
  }
  if (thresholds !== undefined) {
    if (typeof thresholds !== 'object' || thresholds === null) {
      throw new TypeError(`runTier4: thresholds must be an object like { fp32: 1e-4, quantized: 1e-2 }, received ${JSON.stringify(thresholds)}`);
    }
    const split = splitThresholds(thresholds as Record<string, number>);
    checkQuantizationThresholds(split.quantization, 'runTier4');
    for (const [k, v] of Object.entries(split.presets)) {
      if (k !== 'fp32' && k !== 'quantized') {
        throw new TypeError(`runTier4: unknown threshold '${k}'; expected 'fp32', 'quantized' or a quantization metric (${QUANTIZATION_METRICS.join(', ')})`);
      }
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new TypeError(`runTier4: threshold ${k} must be a finite number >= 0, received ${JSON.stringify(v)}`);
      }
    }
  }
  if (options.quantization !== undefined) checkQuantizationOptions(options.quantization, 'runTier4');
  if (options.minSqnrDb !== undefined && (typeof options.minSqnrDb !== 'number' || Number.isNaN(options.minSqnrDb) || options.minSqnrDb === Infinity)) {
    throw new TypeError(`runTier4: minSqnrDb must be a number of dB (or -Infinity to turn the gate off), received ${JSON.stringify(options.minSqnrDb)}`);
  }
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new TypeError(`runTier4: threads must be an integer >= 1, received ${JSON.stringify(options.threads)}`);
  }
  if (formats !== undefined) {
    if (!Array.isArray(formats) || formats.some((f) => typeof f !== 'string')) {
      throw new TypeError(`runTier4: formats must be an array of format names, received ${JSON.stringify(formats)}`);
    }
    if (formats.length === 0) {
      throw new TypeError(`runTier4: formats must name at least one format (e.g. ['onnx', 'torchscript']), received []; leave it out to validate every exported format`);
    }
    const unknown = formats.filter((f) => !hasRunner(f));
    if (unknown.length > 0) {
      throw new TypeError(
        `runTier4: no runner for format(s) ${unknown.map((f) => `'${f}'`).join(', ')}; available: ${registeredFormats().join(', ')}`,
      );
    }
  }
  if (options.outputThresholds !== undefined) checkOutputThresholds(options.outputThresholds, null, 'runTier4: outputThresholds');
  if (options.gates !== undefined) checkGateOptions(options.gates, 'runTier4: gates');
  if (latency !== undefined && latency !== false && (typeof latency !== 'object' || latency === null)) {
    throw new TypeError(`runTier4: latency must be false or { iterations, warmup, budgetMs, budgetLevel }, received ${JSON.stringify(latency)}`);
  }
  if (typeof latency === 'object' && latency !== null) {
    // checked here, before anything runs: a bad option must not become a "latency not measured" warning
    const { iterations, warmup, budgetMs, budgetLevel } = latency;
    if (iterations !== undefined && (!Number.isInteger(iterations) || iterations < 1)) {
      throw new TypeError(`runTier4: latency.iterations must be an integer >= 1, received ${JSON.stringify(iterations)}`);
    }
    if (warmup !== undefined && (!Number.isInteger(warmup) || warmup < 0)) {
      throw new TypeError(`runTier4: latency.warmup must be an integer >= 0, received ${JSON.stringify(warmup)}`);
    }
    if (budgetMs !== undefined && (typeof budgetMs !== 'number' || !Number.isFinite(budgetMs) || budgetMs <= 0)) {
      throw new TypeError(`runTier4: latency.budgetMs must be a positive number of ms, received ${JSON.stringify(budgetMs)}`);
    }
    if (budgetLevel !== undefined && budgetLevel !== 'warn' && budgetLevel !== 'fail') {
      throw new TypeError(`runTier4: latency.budgetLevel must be 'warn' or 'fail', received ${JSON.stringify(budgetLevel)}`);
    }
  }
}
