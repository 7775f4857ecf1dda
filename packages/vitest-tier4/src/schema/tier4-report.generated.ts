// Generated from packages/vitest-tier4/schema/tier4-report.schema.json by
// scripts/schema-types.mjs (json-schema-to-typescript). Do not edit: change the schema, then run
// `pnpm run schema:types` (`pnpm run check` fails while this file is stale).
import type { LayersReport } from '../parity/layers.generated.js';
import type { ParityResult, ParityStatus } from '../parity/result.generated.js';

/**
 * Tolerance preset that judged a format: `fp32` for float exports, `quantized` for quantized ones.
 */
export type Tier4ThresholdPreset = 'fp32' | 'quantized';
/**
 * What a gate that does not hold does.
 */
export type Tier4GateLevel = 'warn' | 'fail';

/**
 * The Tier 4 dict: exactly these five top-level keys. Produced by `runTier4`, written by `writeTier4Report`, printed by `tier4 validate --json` and (one per model) by the vitest-tier4 reporter. See docs/tier4-report.md. This schema is the one definition: the TypeScript types are generated from it (scripts/schema-types.mjs).
 */
export interface Tier4Report {
  /**
   * `fail` if any format failed or none ran; `warn` if a format was skipped or a budget warned; else `ok`.
   */
  status: ParityStatus;
  formats: Tier4Formats;
  parity_report: Tier4ParityReport;
  /**
   * Human-readable warnings (skipped formats, budgets, baseline unavailable, ...).
   */
  warnings: string[];
  model: Tier4ModelInfo;
}
/**
 * Format name -> verdict of that format.
 */
export interface Tier4Formats {
  [k: string]: Tier4FormatReport;
}
/**
 * The verdict of one export format (`formats.onnx`, `formats.torchscript`, ...).
 */
export interface Tier4FormatReport {
  /**
   * Worst of parity, shape, latency budget; `warn` when skipped; `fail` when the runner failed.
   */
  status: ParityStatus;
  /**
   * Worst parity status over all samples and outputs; null when the format was not run.
   */
  parity: ParityStatus | null;
  /**
   * Greatest absolute difference over all samples and outputs; null when no element was compared (not run, or every output of the wrong shape).
   */
  max_abs_diff: number | null;
  /**
   * Mean absolute difference over all compared elements of all samples and outputs; null when no element was compared.
   */
  mean_abs_diff: number | null;
  /**
   * Greatest relative difference (|a - r| / max(|r|, floor)) over all samples and outputs; null when no element was compared.
   */
  max_rel_diff: number | null;
  /**
   * Threshold the format was judged by: the preset's atol, or `thresholds.<preset>` when given.
   */
  threshold: number;
  /**
   * Relative tolerance of the preset (fp32 1e-4, quantized 0): an element passes when |a - r| <= threshold + threshold_rtol * |r|, as under toMatchParity's preset of the same name (docs/tolerances.md#presets).
   */
  threshold_rtol: number;
  threshold_preset: Tier4ThresholdPreset;
  /**
   * What the threshold bounds: `elementwise` (every element) or `mean` (mean |a - r|, quantized).
   */
  threshold_statistic: string;
  /**
   * `ok` when every output of every sample has the expected shape; null when not run.
   */
  shape: 'ok' | 'fail' | null;
  /**
   * Mean latency in ms (null when latency was not measured).
   */
  latency_ms: number | null;
  /**
   * Standard deviation of the latency in ms.
   */
  latency_std_ms: number | null;
  /**
   * Median latency in ms.
   */
  latency_p50_ms: number | null;
  /**
   * 99th percentile latency in ms.
   */
  latency_p99_ms: number | null;
  /**
   * Eager PyTorch mean latency / this format's mean latency (> 1: faster than eager).
   */
  speedup_vs_pytorch: number | null;
  /**
   * The same ratio on medians (p50), robust to outliers on a busy machine. Always written by runTier4 (null without latency); optional so that dicts synthesised elsewhere stay valid.
   */
  speedup_vs_pytorch_p50?: number | null;
  /**
   * Full latency statistics of this format, or null.
   */
  latency: Tier4Latency | null;
  /**
   * Latency statistics of the eager PyTorch baseline the speed-up divides, or null.
   */
  pytorch_latency: Tier4Latency | null;
  /**
   * Which clocks the speed-up compares (they differ for in-process runners).
   */
  speedup_clock: string | null;
  /**
   * Number of samples checked.
   */
  samples_checked: number;
  /**
   * Where the greatest absolute difference is, or null.
   */
  worst: Tier4Worst | null;
  /**
   * Runtime that executed the format, e.g. `onnxruntime-node 1.30.0`.
   */
  runtime: string | null;
  /**
   * Artifact path relative to the export dir, or null when missing.
   */
  artifact: string | null;
  /**
   * True when the format was not run (missing on disk or failed to export).
   */
  skipped: boolean;
  /**
   * One line saying why the status is not `ok`, or null.
   */
  reason: string | null;
  quantization?: Tier4QuantizationSection;
  /**
   * Each output judged on its own (its threshold, its worst sample), by output name; written by runTier4 for every format it ran (docs/tier4-report.md).
   */
  outputs?: {
    [k: string]: Tier4OutputSummary;
  };
  /**
   * The deployment gates asked for (min speed-up, latency budget, max artifact size), each with its verdict (tier4/gates.ts).
   */
  gates?: Tier4Gate[];
  /**
   * Scale-free agreement of the worst output (lowest SQNR) over all samples: ||a - r|| / ||r||. Null when not run, or infinite (an all-zero reference). Always written by runTier4; optional so that dicts synthesised elsewhere stay valid.
   */
  relative_error?: number | null;
  /**
   * 20 log10(||r|| / ||a - r||) of the worst output in dB. Null when not run, or +Infinity (identical outputs).
   */
  sqnr_db?: number | null;
  /**
   * Cosine similarity of the worst output (null when not run).
   */
  cosine?: number | null;
  /**
   * The scale-free gate of an fp32 export: minimum SQNR in dB every output must reach (runTier4 minSqnrDb, default 60). Null when not run, for quantized exports (their quantization thresholds judge SQNR) or when turned off (-Infinity).
   */
  min_sqnr_db?: number | null;
  /**
   * Per output over all samples: relative_error, sqnr_db, cosine and the summed norms (null when not run).
   */
  agreement?: {
    [k: string]: Tier4OutputAgreement;
  } | null;
  /**
   * Threads and compute backend of this format's runtime, or null when not run.
   */
  threads?: RunnerThreading | null;
  /**
   * Threads and compute backend of the eager PyTorch baseline the speed-up divides, or null.
   */
  pytorch_threads?: RunnerThreading | null;
  /**
   * Size and sha256 of the artifact on disk against metadata.json; null when not checked.
   */
  artifact_check?: ArtifactCheck | null;
  /**
   * A request of this format to the Python worker that timed out (opening, a sample's run, or latency), reported as its own reason and never as a parity failure; null when none did.
   */
  timeout?: Tier4WorkerTimeout | null;
  /**
   * ONNX only, when its parity failed and it was compared per layer: the first layer whose local error breaks the tolerance, or null when none does (docs/layers.md). Absent otherwise.
   */
  drift_origin?: string | null;
  layers?: LayersReport;
}
/**
 * Latency statistics of one runner on one input batch (all times in ms): mean, sample std, min, max, p50/p90/p99 by linear interpolation, Student's t 95% CI of the mean, iteration count, plus how and on what they were measured.
 */
export interface Tier4Latency {
  /**
   * Mean.
   */
  mean_ms: number;
  /**
   * Sample standard deviation (n - 1; 0 for one sample).
   */
  std_ms: number;
  /**
   * Minimum.
   */
  min_ms: number;
  /**
   * Maximum.
   */
  max_ms: number;
  /**
   * Median.
   */
  p50_ms: number;
  /**
   * 90th percentile.
   */
  p90_ms: number;
  /**
   * 99th percentile.
   */
  p99_ms: number;
  /**
   * Two-sided 95% confidence interval of the mean (Student's t, df = n - 1); `[mean, mean]` for n = 1. The lower bound is clamped at 0 (heavy outliers can otherwise put it below zero).
   *
   * @minItems 2
   * @maxItems 2
   */
  ci95_ms: [number, number];
  /**
   * Number of samples (measured iterations): from `min_iterations` to `max_iterations`; exactly `max_iterations` without a time budget.
   */
  iterations: number;
  /**
   * Warm-up iterations run before measuring (discarded).
   */
  warmup: number;
  /**
   * Budget on the summed time of the measured iterations, in ms: after `min_iterations`, measuring stopped once it was reached (or at `max_iterations`). Null when a number of iterations was asked without a budget (exactly `max_iterations` ran). 250 by default when no `iterations` is given (docs/runtimes.md, Latency).
   */
  time_budget_ms: number | null;
  /**
   * Fewest measured iterations under the time budget (equal to `max_iterations` without one).
   */
  min_iterations: number;
  /**
   * Most measured iterations: the count asked for (default 100).
   */
  max_iterations: number;
  /**
   * Which clock timed what, e.g. `node:tinybench performance.now around InferenceSession.run`.
   */
  clock: string;
  /**
   * Sample whose inputs were timed.
   */
  sample: string;
  /**
   * Batch size of that sample.
   */
  batch_size: number;
  /**
   * Latency budget on the mean, in ms, or null when none was given.
   */
  budget_ms: number | null;
  /**
   * What an overrun of the budget does: `warn` (default) or `fail`.
   */
  budget_level: 'warn' | 'fail';
  /**
   * `ok` when within budget, `warn`/`fail` on an overrun, null without a budget.
   */
  budget_status: ParityStatus | null;
}
/**
 * Where the worst parity difference of a format was found.
 */
export interface Tier4Worst {
  /**
   * Sample id, e.g. `sample_001`.
   */
  sample: string;
  /**
   * Output name, e.g. `logits`.
   */
  output: string;
  /**
   * Multi-dimensional index of the greatest absolute difference.
   */
  index: number[] | null;
  /**
   * Value of the format at that index.
   */
  actual: number | null;
  /**
   * Value of the eager PyTorch reference at that index.
   */
  reference: number | null;
  /**
   * |actual - reference| at that index.
   */
  max_abs_diff: number;
}
/**
 * `formats.<format>.quantization` of a quantized export (docs/tier4-report.md#the-quantization-section): what was quantized, how much smaller and lighter, how close, which layer. Infinite SQNR (identical outputs) is written as null.
 */
export interface Tier4QuantizationSection {
  /**
   * `dynamic` or `static`.
   */
  method: 'dynamic' | 'static';
  /**
   * How the artifact was quantized (ops, weight dtype, granularity), from metadata.json.
   */
  scheme: string | null;
  /**
   * Verdict of the thresholds (`ok`, or `fail` when a metric is outside its threshold).
   */
  status: 'ok' | 'fail';
  /**
   * One line per failed threshold joined by `; `, or null.
   */
  reason: string | null;
  thresholds: QuantizationThresholds;
  /**
   * Each threshold with the value it judged.
   */
  checks: QuantizationCheck[];
  /**
   * Number of layers whose weights are quantized (null when metadata.json does not say).
   */
  layers_quantized: number | null;
  /**
   * Number of layers with weights that stayed fp32.
   */
  layers_kept_fp32: number | null;
  layer_names?: Tier4QuantizationLayerNames;
  /**
   * Size of the quantized artifact file in bytes (measured by the exporter).
   */
  size_bytes: number | null;
  /**
   * Size of its fp32 baseline file (`fp32/...`).
   */
  fp32_size_bytes: number | null;
  /**
   * size_bytes / fp32_size_bytes.
   */
  size_ratio: number | null;
  /**
   * Bytes of the stored parameters by dtype (`uint8`/`int8`/`qint8` one byte an element).
   */
  parameter_bytes: {
    [k: string]: number;
  } | null;
  /**
   * The same for the fp32 baseline.
   */
  fp32_parameter_bytes: {
    [k: string]: number;
  } | null;
  /**
   * Bytes of the quantized layers' weights as stored (values, scales and zero points).
   */
  quantized_weight_bytes: number | null;
  /**
   * Bytes of the same weights in fp32.
   */
  fp32_quantized_weight_bytes: number | null;
  /**
   * quantized_weight_bytes / fp32_quantized_weight_bytes (about 0.25 for 8-bit).
   */
  weight_bytes_ratio: number | null;
  /**
   * Resident memory of the loaded quantized model in bytes (see memory_method), or null when not measured.
   */
  memory_bytes: number | null;
  /**
   * Resident memory of the loaded fp32 baseline.
   */
  fp32_memory_bytes: number | null;
  /**
   * memory_bytes / fp32_memory_bytes.
   */
  memory_ratio: number | null;
  /**
   * How memory was measured, or why it was not.
   */
  memory_method: string | null;
  /**
   * Worst output's metrics over all samples (the output with the lowest SQNR): relative error.
   */
  relative_error: number | null;
  /**
   * The worst output's SQNR in dB.
   */
  sqnr_db: number | null;
  /**
   * The worst output's cosine similarity.
   */
  cosine: number | null;
  /**
   * The worst output's top-1 agreement.
   */
  top1_agreement: number | null;
  /**
   * The worst output's KL divergence.
   */
  kl_divergence: number | null;
  /**
   * Output name -> its metrics.
   */
  outputs: {
    [k: string]: Tier4QuantizationMetrics;
  };
  /**
   * The layer with the lowest (local) SQNR against the eager fp32 activations, int8 ONNX only; null otherwise (see worst_layer_note).
   */
  worst_layer: null | Tier4QuantizationLayerSqnr;
  /**
   * Why worst_layer is null, or how it was found.
   */
  worst_layer_note: string | null;
  /**
   * Per-layer SQNR, in graph order: only in the verbose form.
   */
  layer_sqnr?: Tier4QuantizationLayerSqnr[];
  /**
   * Warnings of the exporter (constant weights, tied weights, CUDA) and of the measurement.
   */
  warnings: string[];
}
/**
 * The thresholds applied.
 */
export interface QuantizationThresholds {
  sqnr_db?: number;
  cosine?: number;
  top1_agreement?: number;
  relative_error?: number;
  kl_divergence?: number;
}
/**
 * One threshold with the value it judged.
 */
export interface QuantizationCheck {
  metric: 'sqnr_db' | 'cosine' | 'top1_agreement' | 'relative_error' | 'kl_divergence';
  rule: string;
  value: number | null;
  status: 'ok' | 'fail' | 'not_measured';
}
/**
 * Names of those layers: only in the verbose form (`verbose: true`, `tier4 validate --verbose`).
 */
export interface Tier4QuantizationLayerNames {
  quantized: Tier4QuantizationLayerName[];
  kept_fp32: Tier4QuantizationLayerName[];
}
/**
 * A layer named in the verbose form.
 */
export interface Tier4QuantizationLayerName {
  name: string;
  /**
   * Why it stayed fp32 (kept layers only).
   */
  reason?: string;
}
/**
 * Scale-free and logits metrics of one output over all checked samples.
 */
export interface Tier4QuantizationMetrics {
  /**
   * ||a - r|| / ||r|| against the eager fp32 reference.
   */
  relative_error: number | null;
  /**
   * 20 log10(||r|| / ||a - r||) in dB.
   */
  sqnr_db: number | null;
  /**
   * Cosine similarity.
   */
  cosine: number | null;
  /**
   * Fraction of rows (last axis = classes / vocabulary) whose argmax agrees; null when not logits.
   */
  top1_agreement: number | null;
  /**
   * Mean KL(softmax(reference) ‖ softmax(actual)) per row in nats; null when not logits.
   */
  kl_divergence: number | null;
  /**
   * Rows compared for top-1 and KL (0 when not logits).
   */
  rows: number;
}
/**
 * One layer of the per-layer comparison of the quantized graph with the eager fp32 activations (tier4 layers' machinery).
 */
export interface Tier4QuantizationLayerSqnr {
  /**
   * Module-style layer name (e.g. `block.attn.q`).
   */
  name: string;
  /**
   * ONNX tensor compared (the layer's output).
   */
  tensor: string;
  /**
   * SQNR of the layer alone (fed the eager fp32 inputs) against the eager fp32 activation, in dB; the accumulated one when the local one is not measured; null when infinite (bit-exact).
   */
  sqnr_db: number | null;
  /**
   * SQNR of the whole quantized graph up to this layer against the eager fp32 activation, in dB; null when infinite.
   */
  accumulated_sqnr_db: number | null;
  /**
   * True when sqnr_db is the local one.
   */
  local: boolean;
}
/**
 * One output of one format over every checked sample (`formats.<f>.outputs.<name>`).
 */
export interface Tier4OutputSummary {
  /**
   * The worst parity status of this output over the samples (`fail` also for a missing output).
   */
  status: ParityStatus;
  /**
   * The threshold this output was judged against (its own from `outputThresholds`, else the preset's).
   */
  threshold: number;
  /**
   * Greatest |actual - reference| over the samples; null when never compared.
   */
  max_abs_diff: number | null;
  /**
   * Mean |actual - reference| over every element of every sample; null when never compared.
   */
  mean_abs_diff: number | null;
  /**
   * Samples on which this output failed.
   */
  samples_failed: number;
  /**
   * The sample with the greatest absolute difference.
   */
  worst_sample: string | null;
}
/**
 * One deployment gate of one format (`formats.<f>.gates[]`), see tier4/gates.ts.
 */
export interface Tier4Gate {
  /**
   * `min_speedup` (x, against eager PyTorch's mean), `latency_budget` (ms, mean), `max_artifact_bytes` (bytes).
   */
  name: 'min_speedup' | 'latency_budget' | 'max_artifact_bytes';
  /**
   * The limit asked for.
   */
  limit: number;
  /**
   * The measured value, or null when it could not be measured (the gate then takes its level).
   */
  actual: number | null;
  level: Tier4GateLevel;
  /**
   * `ok` when it holds, else its level.
   */
  status: ParityStatus;
  /**
   * Why it does not hold, or null.
   */
  message: string | null;
}
/**
 * Scale-free agreement of one output over all samples of one format.
 */
export interface Tier4OutputAgreement {
  /**
   * ||a - r|| / ||r|| (null: infinite).
   */
  relative_error: number | null;
  /**
   * 20 log10(||r|| / ||a - r||) in dB (null: infinite).
   */
  sqnr_db: number | null;
  /**
   * Cosine similarity.
   */
  cosine: number;
  norms: NormSums;
}
/**
 * Running sums behind the scale-free statistics, over the elements where both values are finite (e = actual - reference). They add up across tensors: the statistics of several samples of one output are those of their summed NormSums (`addNormSums`, `scaleFreeStats`). A sum that overflowed to Infinity is null in JSON.
 */
export interface NormSums {
  /**
   * Σ r² (squared norm of the reference).
   */
  sum_sq_reference: number;
  /**
   * Σ (a - r)² (squared norm of the difference).
   */
  sum_sq_diff: number | null;
  /**
   * Σ r (a - r).
   */
  sum_ref_diff: number | null;
  /**
   * Number of elements summed.
   */
  count: number;
}
/**
 * Threads and compute backend of a runner.
 */
export interface RunnerThreading {
  /**
   * Intra-op threads (null when the runtime does not say).
   */
  intra_op: number | null;
  /**
   * Inter-op threads (null when the runtime does not say).
   */
  inter_op: number | null;
  /**
   * The compute backend, e.g. `MLAS (onnxruntime CPU execution provider)` or `BLAS generic, ATen parallel OpenMP, oneDNN on`.
   */
  backend: string;
}
/**
 * Is the artifact on disk the one that was exported?
 */
export interface ArtifactCheck {
  /**
   * `mismatch` (size or sha256 differ) is a warning; `unrecorded` when metadata.json has no digest.
   */
  status: 'match' | 'mismatch' | 'unrecorded';
  /**
   * Size of the file on disk.
   */
  size_bytes: number;
  /**
   * sha256 of the file on disk.
   */
  sha256: string;
  /**
   * What metadata.json recorded, or null.
   */
  recorded_size_bytes: number | null;
  /**
   * What metadata.json recorded, or null.
   */
  recorded_sha256: string | null;
  /**
   * Time taken to hash the file, in ms (the cost of this check).
   */
  ms: number;
}
/**
 * A Python worker request that exceeded its limit; the worker was killed.
 */
export interface Tier4WorkerTimeout {
  /**
   * What timed out: loading the model (`open`), one sample's forward pass (`run`, the remaining samples are not run), or the latency measurement.
   */
  step: 'open' | 'run' | 'latency';
  /**
   * The sample being run, or null (`open`).
   */
  sample: string | null;
  /**
   * The worker's error, one line (`Python worker timed out after 1500 ms on 'run' (...)`).
   */
  message: string;
  /**
   * The limit that was exceeded, in ms (null when the error did not say).
   */
  timeout_ms: number | null;
  /**
   * The slowest measured forward pass of this format per batch item, in ms, before the timeout; null when none finished.
   */
  forward_ms: number | null;
  /**
   * The sample that forward pass was measured on, or null.
   */
  forward_sample: string | null;
  /**
   * True when the limit was the default scaled with the measured forward pass (no `timeoutMs` given).
   */
  scaled: boolean;
  /**
   * What raises the limit: `runTier4 timeoutMs, tier4 validate --timeout-ms`.
   */
  option: string;
}
/**
 * Per format, per sample id, per output: the parity results and the shapes.
 */
export interface Tier4ParityReport {
  [k: string]: {
    [k: string]: Tier4SampleReport;
  };
}
/**
 * One sample of one format in `parity_report`.
 */
export interface Tier4SampleReport {
  /**
   * Batch size of the sample.
   */
  batch_size: number;
  /**
   * Output name -> parity and shape.
   */
  outputs: {
    [k: string]: Tier4OutputReport;
  };
  /**
   * Why the sample could not be run, or null.
   */
  error: string | null;
}
/**
 * Parity and shape of one output of one sample.
 */
export interface Tier4OutputReport {
  /**
   * The parity result (null when the output is missing).
   */
  parity: ParityResult | null;
  shape: Tier4ShapeCheck;
}
/**
 * Result of the shape check of one output of one sample.
 */
export interface Tier4ShapeCheck {
  /**
   * `ok` or `fail`.
   */
  status: 'ok' | 'fail';
  /**
   * Shape the format returned.
   */
  actual: number[];
  /**
   * Shape declared in metadata.json (`"batch"`-style names for dynamic axes).
   */
  expected: (number | string)[];
  /**
   * Shape of the reference sample output.
   */
  reference: number[];
  /**
   * Sizes bound to the named dimensions in this sample (from the inputs and outputs).
   */
  bindings: {
    [k: string]: number;
  };
  /**
   * Why it failed, or null.
   */
  reason: string | null;
}
/**
 * What metadata.json says about the model and the export.
 */
export interface Tier4ModelInfo {
  /**
   * `task_name` of the export (e.g. `simple_cnn`).
   */
  name: string;
  task_type: string;
  modality: string;
  /**
   * Absolute path of the export dir that was validated.
   */
  export_dir: string;
  inputs: Tier4TensorSpec[];
  outputs: Tier4TensorSpec[];
  quantization: 'dynamic' | 'static' | null;
  quantization_info: {
    [k: string]: unknown;
  } | null;
  formats_requested: string[];
  formats_written: string[];
  /**
   * Format -> one-line error (full text in metadata.json).
   */
  formats_failed: {
    [k: string]: string;
  };
  opset: number | null;
  torch_version: string | null;
  onnx_version: string | null;
  exported_at: string | null;
  model_source: {
    [k: string]: unknown;
  } | null;
  /**
   * Number of reference samples in the export.
   */
  num_samples: number;
  /**
   * metadata.json's `export_notes`: what the exporter changed on its copy of the model to export it, or found in it that bears on the verdict (a model quantized before export: parity judges the export against the quantized model). Absent in dicts written before it was added.
   */
  export_notes?: string[];
}
/**
 * One input or output as metadata.json declares it.
 */
export interface Tier4TensorSpec {
  name: string;
  dtype: string;
  shape: (number | string)[];
}
