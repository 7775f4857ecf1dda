/**
 * The `quantization` section of a quantized format in the Tier 4 dict (`formats.<format>.quantization`).
 * Field names are snake_case because the dict is JSON. Infinite SQNR (identical outputs) is written as
 * `null` by the dict's writer.
 *
 * @packageDocumentation
 */
import type { QuantizationCheck, QuantizationThresholds } from './thresholds.js';

/** Scale-free and logits metrics of one output over all checked samples. */
export interface Tier4QuantizationMetrics {
  /** ||a - r|| / ||r|| against the eager fp32 reference. */
  relative_error: number | null;
  /** 20 log10(||r|| / ||a - r||) in dB. */
  sqnr_db: number | null;
  /** Cosine similarity. */
  cosine: number | null;
  /** Fraction of rows (last axis = classes / vocabulary) whose argmax agrees; null when not logits. */
  top1_agreement: number | null;
  /** Mean KL(softmax(reference) ‖ softmax(actual)) per row in nats; null when not logits. */
  kl_divergence: number | null;
  /** Rows compared for top-1 and KL (0 when not logits). */
  rows: number;
}

/** One layer of the per-layer comparison against the fp32 baseline. */
export interface Tier4QuantizationLayerSqnr {
  /** Module-style layer name (e.g. `block.attn.q`). */
  name: string;
  /** Tensor compared (the layer's output in both graphs). */
  tensor: string;
  /** SQNR of the quantized graph's tensor against the fp32 graph's, over the checked samples, in dB. */
  sqnr_db: number | null;
}

/** A layer named in the verbose form. */
export interface Tier4QuantizationLayerName {
  name: string;
  /** Why it stayed fp32 (kept layers only). */
  reason?: string;
}

/** `formats.<format>.quantization`: what was quantized, how much smaller and lighter, how close, which layer. */
export interface Tier4QuantizationSection {
  /** `dynamic` or `static`. */
  method: string;
  /** How the artifact was quantized (ops, weight dtype, granularity), from metadata.json. */
  scheme: string | null;
  /** Verdict of the thresholds (`ok`, or `fail` when a metric is outside its threshold). */
  status: 'ok' | 'fail';
  /** One line per failed threshold joined by `; `, or null. */
  reason: string | null;
  /** The thresholds applied. */
  thresholds: QuantizationThresholds;
  /** Each threshold with the value it judged. */
  checks: QuantizationCheck[];
  /** Number of layers whose weights are quantized (null when metadata.json does not say). */
  layers_quantized: number | null;
  /** Number of layers with weights that stayed fp32. */
  layers_kept_fp32: number | null;
  /** Names of those layers: only in the verbose form (`verbose: true`, `tier4 validate --verbose`). */
  layer_names?: { quantized: Tier4QuantizationLayerName[]; kept_fp32: Tier4QuantizationLayerName[] };
  /** Size of the quantized artifact file in bytes (measured by the exporter). */
  size_bytes: number | null;
  /** Size of its fp32 baseline file (`fp32/...`). */
  fp32_size_bytes: number | null;
  /** size_bytes / fp32_size_bytes. */
  size_ratio: number | null;
  /** Bytes of the stored parameters by dtype (`uint8`/`int8`/`qint8` one byte an element). */
  parameter_bytes: Record<string, number> | null;
  /** The same for the fp32 baseline. */
  fp32_parameter_bytes: Record<string, number> | null;
  /** Bytes of the quantized layers' weights as stored (values, scales and zero points). */
  quantized_weight_bytes: number | null;
  /** Bytes of the same weights in fp32. */
  fp32_quantized_weight_bytes: number | null;
  /** quantized_weight_bytes / fp32_quantized_weight_bytes (about 0.25 for 8-bit). */
  weight_bytes_ratio: number | null;
  /** Resident memory of the loaded quantized model in bytes (see memory_method), or null when not measured. */
  memory_bytes: number | null;
  /** Resident memory of the loaded fp32 baseline. */
  fp32_memory_bytes: number | null;
  /** memory_bytes / fp32_memory_bytes. */
  memory_ratio: number | null;
  /** How memory was measured, or why it was not. */
  memory_method: string | null;
  /** Worst output's metrics over all samples (the output with the lowest SQNR). */
  relative_error: number | null;
  sqnr_db: number | null;
  cosine: number | null;
  top1_agreement: number | null;
  kl_divergence: number | null;
  /** Output name -> its metrics. */
  outputs: Record<string, Tier4QuantizationMetrics>;
  /** The layer with the lowest SQNR against the fp32 baseline, or null (see worst_layer_note). */
  worst_layer: Tier4QuantizationLayerSqnr | null;
  /** Why worst_layer is null, or how it was found. */
  worst_layer_note: string | null;
  /** Per-layer SQNR, in graph order: only in the verbose form. */
  layer_sqnr?: Tier4QuantizationLayerSqnr[];
  /** Warnings of the exporter (constant weights, tied weights, CUDA) and of the measurement. */
  warnings: string[];
}
