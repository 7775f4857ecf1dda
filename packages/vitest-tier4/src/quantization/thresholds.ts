/**
 * Thresholds on the quantization metrics: their bounds, ranges and units, and the judging. The
 * option rules that check a threshold (options/table.ts) derive from {@link QUANTIZATION_RULES}.
 *
 * | key | rule | unit |
 * |---|---|---|
 * | `sqnr_db` | SQNR >= value | dB |
 * | `cosine` | cosine similarity >= value | |
 * | `top1_agreement` | top-1 agreement >= value (classification / LM logits only) | fraction |
 * | `relative_error` | relative error <= value | fraction |
 * | `kl_divergence` | KL(softmax(ref) ‖ softmax(actual)) <= value (logits only) | nats |
 *
 * A metric that was not measured (top-1 on a regression output) is not judged by its threshold; the
 * section says so. The defaults ({@link DEFAULT_QUANTIZATION_THRESHOLDS}) are in docs/tolerances.md with
 * their reason.
 *
 * @packageDocumentation
 */

import type { QuantizationCheck, QuantizationThresholds } from '../schema/tier4-report.generated.js';

export type { QuantizationCheck, QuantizationThresholds };

/** Name of one quantization threshold. */
export type QuantizationMetric = keyof QuantizationThresholds;

interface Rule {
  /** `min`: the metric must be >= the threshold; `max`: <=. */
  bound: 'min' | 'max';
  /** Allowed range of the threshold itself. */
  range: [number, number];
  unit: string;
}

/** The rules, one per metric. */
export const QUANTIZATION_RULES: Readonly<Record<QuantizationMetric, Rule>> = {
  sqnr_db: { bound: 'min', range: [-Infinity, Infinity], unit: ' dB' },
  cosine: { bound: 'min', range: [-1, 1], unit: '' },
  top1_agreement: { bound: 'min', range: [0, 1], unit: '' },
  relative_error: { bound: 'max', range: [0, Infinity], unit: '' },
  kl_divergence: { bound: 'max', range: [0, Infinity], unit: ' nats' },
};

/** Metric names in the order they are judged and printed. */
export const QUANTIZATION_METRICS = Object.keys(QUANTIZATION_RULES) as QuantizationMetric[];

/**
 * Default thresholds: SQNR >= 20 dB only. 20 dB (relative error 10%) is the lowest bar published for a whole
 * quantized model (torchao's SmoothQuant test on DistilBERT); the built-in lm_stub passes it with a wide
 * margin (about 36 dB TorchScript, 41 dB int8 ONNX), so the default keeps its honest `ok`, while an export
 * whose quantization went wrong (a saturating kernel gave 17 dB) fails. Hailo flags layers under 10 dB as
 * sensitive.
 */
export const DEFAULT_QUANTIZATION_THRESHOLDS: Readonly<QuantizationThresholds> = { sqnr_db: 20 };

/** True when `key` names a quantization metric threshold (as opposed to a preset like `fp32`). */
export function isQuantizationMetric(key: string): key is QuantizationMetric {
  return Object.prototype.hasOwnProperty.call(QUANTIZATION_RULES, key);
}

/**
 * Splits one flat thresholds object (`{ quantized: 1e-2, sqnr_db: 20 }`, the form runTier4, the plugin and
 * `tier4 validate --threshold` take) into the preset thresholds and the quantization metric thresholds.
 */
export function splitThresholds<T extends Record<string, number | undefined>>(all: T): { presets: Record<string, number>; quantization: QuantizationThresholds } {
  const presets: Record<string, number> = {};
  const quantization: QuantizationThresholds = {};
  for (const [k, v] of Object.entries(all)) {
    if (v === undefined) continue;
    if (isQuantizationMetric(k)) quantization[k] = v;
    else presets[k] = v;
  }
  return { presets, quantization };
}


function formatNumber(v: number): string {
  if (v === Infinity) return '+Infinity';
  if (v === -Infinity) return '-Infinity';
  return Number(v.toPrecision(4)).toString();
}

/**
 * Judges measured metrics against thresholds.
 *
 * A NaN value fails (it is never "within" a bound); +Infinity SQNR (identical outputs) passes any minimum.
 */
export function judgeQuantization(metrics: Partial<Record<QuantizationMetric, number | null>>, thresholds: QuantizationThresholds): QuantizationCheck[] {
  const checks: QuantizationCheck[] = [];
  for (const metric of QUANTIZATION_METRICS) {
    const limit = thresholds[metric];
    if (limit === undefined) continue;
    const rule = QUANTIZATION_RULES[metric];
    const text = `${metric} ${rule.bound === 'min' ? '>=' : '<='} ${formatNumber(limit)}${rule.unit}`;
    const value = metrics[metric] ?? null;
    if (value === null) {
      checks.push({ metric, rule: text, value: null, status: 'not_measured' });
      continue;
    }
    const within = rule.bound === 'min' ? value >= limit : value <= limit;
    checks.push({ metric, rule: text, value, status: within ? 'ok' : 'fail' });
  }
  return checks;
}

/** One line per failed check, e.g. `sqnr_db 17.41 dB, below the threshold sqnr_db >= 20 dB`. */
export function describeFailures(checks: readonly QuantizationCheck[]): string[] {
  return checks
    .filter((c) => c.status === 'fail')
    .map((c) => {
      const rule = QUANTIZATION_RULES[c.metric];
      const value = c.value === null ? 'not measured' : `${formatNumber(c.value)}${rule.unit}`;
      return `${c.metric} ${value}, ${rule.bound === 'min' ? 'below' : 'above'} the threshold ${c.rule}`;
    });
}
