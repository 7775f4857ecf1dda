/**
 * Human-readable explanation of a ParityResult: what was compared, how many elements failed, where the worst
 * ones are, and the smallest tolerance that would have passed.
 */
import { describeStatistic, formatTolNumber } from './tolerance.js';
import type { ErrorStatistic, ParityResult } from './types.js';

/** Formats a value for messages: 6 significant digits, exponent notation for tiny and huge magnitudes. */
export function formatValue(x: number | null): string {
  if (x === null) return 'n/a';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return '0';
  const ax = Math.abs(x);
  if (ax < 1e-3 || ax >= 1e6) {
    return x.toExponential(5).replace(/\.?0+e/, 'e').replace('e+', 'e');
  }
  return String(Number(x.toPrecision(6)));
}

/** Formats a multi-dimensional index as `[0, 5, 12]` (`[]` for a scalar). */
export function formatIndex(index: readonly number[] | null): string {
  return index === null ? 'n/a' : `[${index.join(', ')}]`;
}

/** Formats a percentage the way numpy and torch print it: two decimals, more digits when that would hide a nonzero. */
export function formatPercent(fraction: number): string {
  const p = fraction * 100;
  if (p === 0) return '0%';
  if (p >= 0.01) return `${p.toFixed(2).replace(/\.?0+$/, '')}%`;
  return `${Number(p.toPrecision(3))}%`;
}

/** The rule a statistic applies, as a formula. */
export function formulaFor(statistic: ErrorStatistic): string {
  if (statistic === 'elementwise') return '|actual - reference| <= atol + rtol * |reference| (every element)';
  if (statistic === 'mean') return 'mean(|actual - reference|) <= atol + rtol * mean(|reference|)';
  return `quantile(|actual - reference|, ${statistic.quantile}) <= atol + rtol * mean(|reference|)`;
}

/** Formats a shape as `[1, 10]`. */
export function formatShape(shape: readonly (number | string | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : typeof d === 'string' ? JSON.stringify(d) : String(d))).join(', ')}]`;
}

/**
 * Multi-line explanation of a ParityResult (no matcher hint). Lines:
 * tolerance and formula, mismatched elements, greatest absolute and relative differences with index and values,
 * mean absolute difference, NaN/Inf mismatches, the deciding statistic, the smallest passing atol, dtypes.
 *
 * @param result - A ParityResult from checkParity.
 */
export function formatParityMessage(result: ParityResult): string {
  const tol = result.tolerance;
  const lines: string[] = [];
  lines.push(`Tolerance: ${tol.description}`);
  lines.push(`Rule: ${formulaFor(tol.statistic)}`);
  if (result.reason !== undefined && result.numel === 0 && result.mismatched === 0) {
    lines.push(`Not compared: ${result.reason}`);
    lines.push(`Shapes: actual ${formatShape(result.actual_shape)}, reference ${formatShape(result.reference_shape)}`);
    lines.push(`Dtypes: actual ${result.actual_dtype}, reference ${result.reference_dtype}`);
    const hint = shapeHint(result.actual_shape, result.reference_shape);
    if (hint) lines.push(hint);
    return lines.join('\n');
  }
  const info = tol.statistic === 'elementwise' ? '' : ' (elementwise atol/rtol rule, for information)';
  lines.push(`Mismatched elements: ${result.mismatched} / ${result.numel} (${formatPercent(result.mismatched_fraction)})${info}`);
  if (result.status === 'warn') {
    lines.push(`Status: warn (up to ${formatPercent(tol.allowed_mismatch_fraction)} of elements may mismatch)`);
  }
  if (result.max_abs_index !== null) {
    const ref = result.max_abs_reference ?? 0;
    const allowed = tol.atol + tol.rtol * Math.abs(ref);
    lines.push(
      `Greatest absolute difference: ${formatValue(result.max_abs_diff)} at index ${formatIndex(result.max_abs_index)} ` +
        `(actual ${formatValue(result.max_abs_actual)}, reference ${formatValue(result.max_abs_reference)}; up to ${formatValue(allowed)} allowed)`,
    );
    lines.push(
      `Greatest relative difference: ${formatValue(result.max_rel_diff)} at index ${formatIndex(result.max_rel_index)} ` +
        `(actual ${formatValue(result.max_rel_actual)}, reference ${formatValue(result.max_rel_reference)}; up to ${formatTolNumber(tol.rtol)} allowed; ` +
        `|reference| floored at ${formatTolNumber(result.rel_floor)})`,
    );
    lines.push(`Mean absolute difference: ${formatValue(result.mean_abs_diff)}`);
  }
  if (result.nan_mismatches > 0 || result.inf_mismatches > 0) {
    lines.push(`NaN mismatches: ${result.nan_mismatches}, Inf mismatches: ${result.inf_mismatches} (NaN must meet NaN, +Inf +Inf, -Inf -Inf)`);
  }
  if (result.first_mismatch_index !== null && result.mismatched > 0) {
    lines.push(`First mismatch at index ${formatIndex(result.first_mismatch_index)}`);
  }
  if (tol.statistic !== 'elementwise') {
    const cmp = result.statistic_value <= result.threshold ? '<=' : '>';
    lines.push(
      `Statistic (${describeStatistic(tol.statistic)} of |actual - reference|): ${formatValue(result.statistic_value)} ${cmp} threshold ${formatValue(result.threshold)}`,
    );
  }
  if (result.min_passing_atol === null) {
    lines.push('Smallest passing tolerance: none (NaN/Inf mismatches fail at any tolerance)');
  } else {
    lines.push(`Smallest atol that would pass at rtol ${formatTolNumber(tol.rtol)}: ${formatValue(result.min_passing_atol)}`);
  }
  if (result.dtype_mismatch) {
    lines.push(`Dtypes differ: actual ${result.actual_dtype}, reference ${result.reference_dtype}`);
  }
  const hint = result.status === 'fail' ? valueHint(result) : null;
  if (hint) lines.push(hint);
  return lines.join('\n');
}

const LOW_PRECISION: Record<string, string> = { float16: 'fp16', bfloat16: 'bf16' };

/** One "Hint:" line for a value failure, or null. */
function valueHint(result: ParityResult): string | null {
  const tol = result.tolerance;
  const lowPrecision = LOW_PRECISION[result.actual_dtype];
  if (lowPrecision && tol.preset !== null && tol.preset !== lowPrecision && tol.preset !== 'quantized' && tol.preset !== 'exact') {
    return `Hint: actual is ${result.actual_dtype}; the '${lowPrecision}' preset is meant for it.`;
  }
  if (
    tol.statistic === 'elementwise' &&
    result.nan_mismatches + result.inf_mismatches === 0 &&
    result.mismatched > 0 &&
    result.mismatched_fraction <= 0.01
  ) {
    const frac = Number(result.mismatched_fraction.toPrecision(2));
    const allowed = frac >= result.mismatched_fraction ? frac : Number((frac * 1.1).toPrecision(2));
    return `Hint: only ${formatPercent(result.mismatched_fraction)} of elements exceed the tolerance; allowedMismatchFraction: ${allowed} would report a warning instead.`;
  }
  return null;
}

/** A hint when two shapes hold the same sizes in another order (a layout difference such as NCHW vs NHWC). */
function shapeHint(a: readonly number[], r: readonly number[]): string | null {
  if (a.length !== r.length || a.length < 2) return null;
  const sa = [...a].sort((x, y) => x - y);
  const sr = [...r].sort((x, y) => x - y);
  if (sa.some((v, i) => v !== sr[i])) return null;
  return 'Hint: the shapes hold the same sizes in another order: a layout difference (e.g. NCHW vs NHWC) or a missing transpose?';
}
