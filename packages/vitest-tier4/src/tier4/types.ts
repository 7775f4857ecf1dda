/**
 * The Tier 4 dict: one type (here), one JSON Schema (schema/tier4-report.schema.json) and one
 * writer ({@link writeTier4Report}). Field names are snake_case because the dict is JSON.
 *
 * @packageDocumentation
 */
import type { LatencyStats } from '../latency/stats.js';
import type { ParityResult } from '../parity/types.js';
import type { Tier4QuantizationSection } from '../quantization/types.js';

/** Verdict of a Tier 4 run, of one format, or of one check. */
export type Tier4Status = 'ok' | 'warn' | 'fail';

/** Tolerance preset that judged a format: `fp32` for float exports, `quantized` for quantized ones. */
export type Tier4ThresholdPreset = 'fp32' | 'quantized';

/**
 * Latency statistics of one runner on one input batch (all times in ms): the {@link LatencyStats}
 * (mean, sample std, min, max, p50/p90/p99 by linear interpolation, Student's t 95% CI of the mean,
 * iteration count) plus how and on what they were measured.
 */
export interface Tier4Latency extends LatencyStats {
  /** Warm-up iterations run before measuring (discarded). */
  warmup: number;
  /** Which clock timed what, e.g. `node:tinybench performance.now around InferenceSession.run`. */
  clock: string;
  /** Sample whose inputs were timed. */
  sample: string;
  /** Batch size of that sample. */
  batch_size: number;
  /** Latency budget on the mean, in ms, or null when none was given. */
  budget_ms: number | null;
  /** What an overrun of the budget does: `warn` (default) or `fail`. */
  budget_level: 'warn' | 'fail';
  /** `ok` when within budget, `warn`/`fail` on an overrun, null without a budget. */
  budget_status: Tier4Status | null;
}

/** Where the worst parity difference of a format was found. */
export interface Tier4Worst {
  /** Sample id, e.g. `sample_001`. */
  sample: string;
  /** Output name, e.g. `logits`. */
  output: string;
  /** Multi-dimensional index of the greatest absolute difference. */
  index: number[] | null;
  /** Value of the format at that index. */
  actual: number | null;
  /** Value of the eager PyTorch reference at that index. */
  reference: number | null;
  /** |actual - reference| at that index. */
  max_abs_diff: number;
}

/** The verdict of one export format (`formats.onnx`, `formats.torchscript`, ...). */
export interface Tier4FormatReport {
  /** Worst of parity, shape, latency budget; `warn` when skipped; `fail` when the runner failed. */
  status: Tier4Status;
  /** Worst parity status over all samples and outputs; null when the format was not run. */
  parity: Tier4Status | null;
  /** Greatest absolute difference over all samples and outputs (null when not run). */
  max_abs_diff: number | null;
  /** Mean absolute difference over all compared elements of all samples and outputs. */
  mean_abs_diff: number | null;
  /** Greatest relative difference (|a - r| / max(|r|, floor)) over all samples and outputs. */
  max_rel_diff: number | null;
  /** Threshold the format was judged by (the preset's atol). */
  threshold: number;
  /** Preset the threshold belongs to. */
  threshold_preset: Tier4ThresholdPreset;
  /** What the threshold bounds: `elementwise` (every element) or `mean` (mean |a - r|, quantized). */
  threshold_statistic: string;
  /** `ok` when every output of every sample has the expected shape; null when not run. */
  shape: 'ok' | 'fail' | null;
  /** Mean latency in ms (null when latency was not measured). */
  latency_ms: number | null;
  /** Standard deviation of the latency in ms. */
  latency_std_ms: number | null;
  /** Median latency in ms. */
  latency_p50_ms: number | null;
  /** 99th percentile latency in ms. */
  latency_p99_ms: number | null;
  /** Eager PyTorch mean latency / this format's mean latency (> 1: faster than eager). */
  speedup_vs_pytorch: number | null;
  /**
   * The same ratio on medians (p50), robust to outliers on a busy machine. Always written by
   * runTier4 (null without latency); optional so that dicts synthesised elsewhere stay valid.
   */
  speedup_vs_pytorch_p50?: number | null;
  /** Full latency statistics of this format, or null. */
  latency: Tier4Latency | null;
  /** Latency statistics of the eager PyTorch baseline the speed-up divides, or null. */
  pytorch_latency: Tier4Latency | null;
  /** Which clocks the speed-up compares (they differ for in-process runners). */
  speedup_clock: string | null;
  /** Number of samples checked. */
  samples_checked: number;
  /** Where the greatest absolute difference is, or null. */
  worst: Tier4Worst | null;
  /** Runtime that executed the format, e.g. `onnxruntime-node 1.30.0`. */
  runtime: string | null;
  /** Artifact path relative to the export dir, or null when missing. */
  artifact: string | null;
  /** True when the format was not run (missing on disk or failed to export). */
  skipped: boolean;
  /** One line saying why the status is not `ok`, or null. */
  reason: string | null;
  /**
   * Quantized exports only (ONNX and TorchScript): what was quantized, sizes, memory, scale-free and
   * logits metrics against the fp32 reference, the worst layer and the thresholds' verdict.
   */
  quantization?: Tier4QuantizationSection;
}

/** Result of the shape check of one output of one sample. */
export interface Tier4ShapeCheck {
  /** `ok` or `fail`. */
  status: 'ok' | 'fail';
  /** Shape the format returned. */
  actual: number[];
  /** Shape declared in metadata.json (`"batch"`-style names for dynamic axes). */
  expected: Array<number | string>;
  /** Shape of the reference sample output. */
  reference: number[];
  /** Sizes bound to the named dimensions in this sample (from the inputs and outputs). */
  bindings: Record<string, number>;
  /** Why it failed, or null. */
  reason: string | null;
}

/** Parity and shape of one output of one sample. */
export interface Tier4OutputReport {
  /** The parity result (null when the output is missing). */
  parity: ParityResult | null;
  /** The shape check. */
  shape: Tier4ShapeCheck;
}

/** One sample of one format in `parity_report`. */
export interface Tier4SampleReport {
  /** Batch size of the sample. */
  batch_size: number;
  /** Output name -> parity and shape. */
  outputs: Record<string, Tier4OutputReport>;
  /** Why the sample could not be run, or null. */
  error: string | null;
}

/** Per format, per sample id, per output: the parity results and the shapes. */
export type Tier4ParityReport = Record<string, Record<string, Tier4SampleReport>>;

/** The `model` part of the dict: what metadata.json says about the export. */
export interface Tier4ModelInfo {
  /** `task_name` of the export (e.g. `simple_cnn`). */
  name: string;
  task_type: string;
  modality: string;
  /** Absolute path of the export dir that was validated. */
  export_dir: string;
  inputs: Array<{ name: string; dtype: string; shape: Array<number | string> }>;
  outputs: Array<{ name: string; dtype: string; shape: Array<number | string> }>;
  quantization: string | null;
  quantization_info: Record<string, unknown> | null;
  formats_requested: string[];
  formats_written: string[];
  /** Format -> one-line error (full text in metadata.json). */
  formats_failed: Record<string, string>;
  opset: number | null;
  torch_version: string | null;
  onnx_version: string | null;
  exported_at: string | null;
  model_source: Record<string, unknown> | null;
  /** Number of reference samples in the export. */
  num_samples: number;
}

/**
 * The Tier 4 dict: exactly these five top-level keys. Produced by `runTier4`, written by
 * {@link writeTier4Report}, described by `schema/tier4-report.schema.json`.
 */
export interface Tier4Report {
  /** `fail` if any format failed or none ran; `warn` if a format was skipped or a budget warned; else `ok`. */
  status: Tier4Status;
  /** Format name -> its verdict. */
  formats: Record<string, Tier4FormatReport>;
  /** Per format, per sample, per output: parity result and shapes. */
  parity_report: Tier4ParityReport;
  /** Human-readable warnings (skipped formats, budgets, baseline unavailable, ...). */
  warnings: string[];
  /** What metadata.json says about the model and the export. */
  model: Tier4ModelInfo;
}
