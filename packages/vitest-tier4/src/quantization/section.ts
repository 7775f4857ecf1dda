/**
 * Building `formats.<format>.quantization`: metrics accumulated over the samples runTier4 checks (the parity
 * core's norm sums and the logits comparison), the exporter's record of what was quantized and how big the
 * files are (`metadata.json` `quantization_info.formats.<format>`), the memory probes, the per-layer SQNR and
 * the thresholds.
 *
 * @packageDocumentation
 */
import { addLogitsSums, addNormSums, compareLogits, emptyLogitsSums, emptyNormSums, logitsAgreement, scaleFreeStats, toTensorView } from '../parity/index.js';
import type { LogitsSums } from '../parity/logits.js';
import type { NormSums, ParityResult } from '../parity/types.js';
import type { MemoryMeasurement } from './memory.js';
import { describeFailures, judgeQuantization, type QuantizationThresholds } from './thresholds.js';
import type { Tier4QuantizationLayerName, Tier4QuantizationLayerSqnr, Tier4QuantizationMetrics, Tier4QuantizationSection } from './types.js';

/** Task types whose float outputs are logits over their last axis (top-1 and KL apply). */
const LOGITS_TASK = /classif|generation|language|causal-lm|masked-lm|fill-mask|token/i;

/** True when the task's float outputs of rank >= 1 with a last axis >= 2 are logits. */
export function isLogitsTask(taskType: string): boolean {
  return LOGITS_TASK.test(taskType);
}

/** Accumulates the quantization metrics of one format over samples and outputs. */
export class QuantizationMetricsCollector {
  private readonly norms = new Map<string, NormSums>();
  private readonly logits = new Map<string, LogitsSums>();
  private readonly skipped = new Set<string>();

  /** @param logitsTask - whether top-1 agreement and KL divergence apply (see {@link isLogitsTask}). */
  constructor(private readonly logitsTask: boolean) {}

  /**
   * Adds one output of one sample.
   *
   * @param parity - the checkParity result of `actual` against `reference` (its norm sums are reused).
   */
  add(output: string, actual: unknown, reference: unknown, parity: ParityResult): void {
    const sums = this.norms.get(output) ?? emptyNormSums();
    addNormSums(sums, parity.norms);
    this.norms.set(output, sums);
    if (!this.logitsTask || parity.numel === 0) return;
    const a = toTensorView(actual, 'actual');
    const r = toTensorView(reference, 'reference');
    const classes = r.shape[r.shape.length - 1] ?? 0;
    if (r.shape.length === 0 || classes < 2 || !r.dtype.startsWith('float') || !a.dtype.startsWith('float')) {
      this.skipped.add(output);
      return;
    }
    const l = this.logits.get(output) ?? emptyLogitsSums(1);
    addLogitsSums(l, compareLogits(a, r, 1));
    this.logits.set(output, l);
  }

  /** Output name -> metrics over everything added. */
  metrics(): Record<string, Tier4QuantizationMetrics> {
    const out: Record<string, Tier4QuantizationMetrics> = {};
    for (const [name, sums] of this.norms) {
      const s = scaleFreeStats(sums);
      const l = this.logits.get(name);
      const agreement = l ? logitsAgreement(l) : null;
      out[name] = {
        relative_error: sums.count > 0 ? s.relative_error : null,
        sqnr_db: sums.count > 0 ? s.sqnr_db : null,
        cosine: sums.count > 0 ? s.cosine : null,
        top1_agreement: agreement?.top1_agreement ?? null,
        kl_divergence: agreement?.kl_divergence ?? null,
        rows: agreement?.rows ?? 0,
      };
    }
    return out;
  }
}

/** The per-format record the exporter writes (`quantization_info.formats.<format>`); every field optional. */
export interface ExporterQuantizationRecord {
  method?: string;
  scheme?: string;
  layers_quantized?: Array<{ name: string }>;
  layers_kept_fp32?: Array<{ name: string; reason?: string }>;
  size_bytes?: number;
  fp32_size_bytes?: number;
  size_ratio?: number | null;
  parameter_bytes?: Record<string, number>;
  fp32_parameter_bytes?: Record<string, number>;
  quantized_weight_bytes?: number;
  fp32_quantized_weight_bytes?: number;
  weight_bytes_ratio?: number | null;
  fp32_artifact?: { path: string; size_bytes?: number };
  warnings?: string[];
}

/** Reads `quantization_info.formats.<format>` from metadata's quantization_info (null when absent). */
export function exporterRecord(quantizationInfo: Record<string, unknown> | null | undefined, format: string): ExporterQuantizationRecord | null {
  const formats = quantizationInfo?.formats;
  if (typeof formats !== 'object' || formats === null) return null;
  const rec = (formats as Record<string, unknown>)[format];
  return typeof rec === 'object' && rec !== null ? (rec as ExporterQuantizationRecord) : null;
}

/** The memory side of the section: both probes, or why not. */
export interface MemoryResult {
  quantized: MemoryMeasurement | null;
  fp32: MemoryMeasurement | null;
  /** Why memory was not (fully) measured, or null. */
  note: string | null;
}

/** The per-layer side of the section. */
export interface LayerSqnrResult {
  layers: Tier4QuantizationLayerSqnr[];
  /** How the layers were compared, or why not. */
  note: string | null;
}

/** Inputs of {@link buildQuantizationSection}. */
export interface QuantizationSectionInput {
  method: Tier4QuantizationSection['method'];
  record: ExporterQuantizationRecord | null;
  metrics: Record<string, Tier4QuantizationMetrics>;
  memory: MemoryResult;
  layers: LayerSqnrResult | null;
  thresholds: QuantizationThresholds;
  verbose: boolean;
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Rank for "worst output": lowest SQNR first (NaN and null last, so a measured figure is preferred). */
function worstOutput(metrics: Record<string, Tier4QuantizationMetrics>): Tier4QuantizationMetrics | null {
  let worst: Tier4QuantizationMetrics | null = null;
  for (const m of Object.values(metrics)) {
    if (worst === null) worst = m;
    else if (m.sqnr_db !== null && (worst.sqnr_db === null || m.sqnr_db < worst.sqnr_db)) worst = m;
  }
  return worst;
}

/** Assembles the section and judges it. */
export function buildQuantizationSection(input: QuantizationSectionInput): Tier4QuantizationSection {
  const { record, metrics, memory, layers, thresholds } = input;
  const worst = worstOutput(metrics);
  // top-1 / KL: the worst over the logits outputs (lowest agreement, highest KL)
  const top1s = Object.values(metrics).map((m) => m.top1_agreement).filter((v): v is number => v !== null);
  const kls = Object.values(metrics).map((m) => m.kl_divergence).filter((v): v is number => v !== null);
  const figures = {
    relative_error: worst?.relative_error ?? null,
    sqnr_db: worst?.sqnr_db ?? null,
    cosine: worst?.cosine ?? null,
    top1_agreement: top1s.length > 0 ? Math.min(...top1s) : null,
    kl_divergence: kls.length > 0 ? Math.max(...kls) : null,
  };
  const checks = judgeQuantization(figures, thresholds);
  const failures = describeFailures(checks);
  const layerList = layers?.layers ?? [];
  let worstLayer: Tier4QuantizationLayerSqnr | null = null;
  for (const l of layerList) if (l.sqnr_db !== null && (worstLayer === null || l.sqnr_db < worstLayer.sqnr_db!)) worstLayer = l;
  const memoryBytes = memory.quantized?.memory_bytes ?? null;
  const fp32MemoryBytes = memory.fp32?.memory_bytes ?? null;
  const section: Tier4QuantizationSection = {
    method: input.method,
    scheme: record?.scheme ?? null,
    status: failures.length > 0 ? 'fail' : 'ok',
    reason: failures.length > 0 ? failures.join('; ') : null,
    thresholds: { ...thresholds },
    checks,
    layers_quantized: record?.layers_quantized ? record.layers_quantized.length : null,
    layers_kept_fp32: record?.layers_kept_fp32 ? record.layers_kept_fp32.length : null,
    size_bytes: num(record?.size_bytes),
    fp32_size_bytes: num(record?.fp32_size_bytes),
    size_ratio: ratio(record?.size_bytes, record?.fp32_size_bytes),
    parameter_bytes: record?.parameter_bytes ?? null,
    fp32_parameter_bytes: record?.fp32_parameter_bytes ?? null,
    quantized_weight_bytes: num(record?.quantized_weight_bytes),
    fp32_quantized_weight_bytes: num(record?.fp32_quantized_weight_bytes),
    weight_bytes_ratio: ratio(record?.quantized_weight_bytes, record?.fp32_quantized_weight_bytes),
    memory_bytes: memoryBytes,
    fp32_memory_bytes: fp32MemoryBytes,
    memory_ratio: ratio(memoryBytes, fp32MemoryBytes),
    memory_method: memory.note ?? memory.quantized?.method ?? null,
    ...figures,
    outputs: metrics,
    worst_layer: worstLayer,
    worst_layer_note: layers?.note ?? null,
    warnings: [...(record?.warnings ?? [])],
  };
  if (input.verbose) {
    const names = (list: Array<{ name: string; reason?: string }> | undefined): Tier4QuantizationLayerName[] =>
      (list ?? []).map((l) => (l.reason !== undefined ? { name: l.name, reason: l.reason } : { name: l.name }));
    section.layer_names = { quantized: names(record?.layers_quantized).map(({ name }) => ({ name })), kept_fp32: names(record?.layers_kept_fp32) };
    section.layer_sqnr = layerList;
  }
  if (record === null) {
    section.warnings.push('metadata.json has no quantization_info.formats record for this format (an export from an older tier4_export): layers and sizes are unknown');
  }
  return section;
}
