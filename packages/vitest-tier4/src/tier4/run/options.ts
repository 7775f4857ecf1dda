/**
 * The options of runTier4: their types, defaults and the one check that runs before anything
 * else (a bad option is a TypeError at call time, never a warning in the dict). The rules are the
 * one option table's (options/table.ts), which the plugin, the CLI and a tiers config use too.
 */
import type { ExportDir } from 'vitest-tier4-fixtures';
import { latencyPolicy, type MeasureLatencyOptions } from '../../latency/measure.js';
import type { ValidationPool } from '../../runtimes/pool/validation-workers.js';
import { checkRunTier4Options, type Tier4Thresholds } from '../../options/check.js';
import type { Tier4QuantizationOptions } from '../../quantization/step.js';
import type { Tier4GateOptions } from '../gates.js';

export { DEFAULT_TIER4_THRESHOLDS } from '../outputs.js';
export { defaultTier4Threads } from '../../runtimes/pool/size.js';

/** Default number of samples checked. */
export const DEFAULT_TIER4_SAMPLES = 10;

/**
 * Latency options of {@link runTier4}: {@link MeasureLatencyOptions} without `signal` and `timeoutMs`
 * (runTier4's own `signal` and `timeoutMs` apply). The eager baseline is measured by the same rule as
 * each format.
 */
export type Tier4LatencyOptions = Omit<MeasureLatencyOptions, 'signal' | 'timeoutMs'>;

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
  thresholds?: Tier4Thresholds;
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
  /**
   * Latency measurement: `false` to skip, or options (default: after 10 warm-up iterations, 10 to 100
   * measured ones, stopping once they took 250 ms).
   */
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

/**
 * Checks every option of {@link RunTier4Options} with the one option table (options/check.ts);
 * throws a TypeError naming the option, the expected and the received.
 */
export function checkOptions(options: RunTier4Options): void {
  checkRunTier4Options(options, 'runTier4');
  // the one latency rule a table cannot state (minIterations <= iterations), before anything runs
  if (typeof options.latency === 'object') latencyPolicy(options.latency, 'runTier4', 'latency');
}
