/**
 * Human-readable explanation of a ParityResult: what was compared, how many elements failed, where the worst
 * ones are, and the smallest tolerance that would have passed.
 */
import { describeStatistic, formatTolNumber } from './tolerance.js';
import type { ErrorStatistic, ParityResult, ScaleFreeStats } from './types.js';

/**
 * Formats a value for messages: `digits` significant digits (default 6, at most 17), exponent notation for tiny
 * and huge magnitudes.
 */
export function formatValue(x: number | null, digits = 6): string {
  if (x === null) return 'n/a';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return '0';
  const p = Math.min(17, Math.max(1, Math.floor(digits)));
  const ax = Math.abs(x);
  if (ax < 1e-3 || ax >= 1e6) {
    const e = x.toExponential(p - 1).replace('e+', 'e');
    return e.includes('.') ? e.replace(/\.?0+e/, 'e') : e;
  }
  return String(Number(x.toPrecision(p)));
}

/**
 * Formats a non-negative tolerance like formatValue, rounded UP at the printed precision, so that the printed
 * number itself passes when copied into a test (`0.1199461` prints `0.119947`, not `0.119946`). A float32 value
 * prints as the 6-digit decimal that rounds back to it when there is one (`0.49980002641677856` prints `0.4998`).
 */
export function formatValueCeil(x: number | null): string {
  if (x === null || !Number.isFinite(x) || x <= 0) return formatValue(x);
  let digits = 6;
  let text = formatValue(x, digits);
  // A float32 value (what numpy keeps of atol for float32 and float16 arrays) may print as a shorter decimal that
  // rounds back to it: that decimal passes too.
  if (Number(text) < x && Math.fround(x) === x && Math.fround(Number(text)) === x) return text;
  // Nudge the printed value up by one unit in its last place until it is >= x (once is enough unless a carry
  // changes the exponent); fall back to more digits.
  for (let k = 0; k < 3 && Number(text) < x; k++) {
    const exp = Math.floor(Math.log10(Number(text) || x));
    text = formatValue(Number(text) + 10 ** (exp - digits + 1), digits);
  }
  while (Number(text) < x && digits < 17) {
    digits++;
    text = formatValue(x, digits);
  }
  return text;
}

/**
 * Formats an (actual, reference) pair so that two different values never print the same: 6 significant digits,
 * more (up to 17) when 6 would hide the difference (`1.0000001` vs `1`). Integer values of integer tensors print
 * in full.
 *
 * @param integers - True for integer/bool tensors: safe integers print exactly (`9007199254740991`).
 */
export function formatValuePair(actual: number | null, reference: number | null, integers = false): [string, string] {
  const one = (x: number | null, d: number): string =>
    integers && x !== null && Number.isSafeInteger(x) ? String(x) : formatValue(x, d);
  let digits = 6;
  let a = one(actual, digits);
  let r = one(reference, digits);
  while (a === r && actual !== reference && actual !== null && reference !== null && digits < 17) {
    digits++;
    a = one(actual, digits);
    r = one(reference, digits);
  }
  return [a, r];
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

/** Formats an SQNR in dB: `87.3 dB`, `+Inf dB` (identical), `-Inf dB` (all-zero reference). */
export function formatSqnr(db: number | null): string {
  // null: the JSON form of an infinite SQNR (+Infinity for identical values)
  if (db === null || db === Infinity) return '+Inf dB';
  if (db === -Infinity) return '-Inf dB';
  return `${db.toFixed(1)} dB`;
}

/**
 * The scale-free statistics in one phrase: `relative error 3.2e-7, SQNR 129.9 dB, cosine 1` (cosine with up to
 * 9 significant digits: 0.999999 and 1 must not print the same).
 */
export function formatScaleFree(s: Readonly<ScaleFreeStats> | ScaleFreeJson): string {
  // null: the JSON form of an infinite relative error (all-zero reference)
  const rel = s.relative_error === null || s.relative_error === Infinity ? 'Infinity' : formatValue(s.relative_error, 3);
  const cos = s.cosine === 1 ? '1' : String(Number(s.cosine.toPrecision(9)) === 1 ? s.cosine.toPrecision(12) : Number(s.cosine.toPrecision(9)));
  return `relative error ${rel}, SQNR ${formatSqnr(s.sqnr_db)}, cosine ${cos}`;
}

/** {@link ScaleFreeStats} as read back from JSON, where the infinities are `null`. */
export interface ScaleFreeJson {
  relative_error: number | null;
  sqnr_db: number | null;
  cosine: number;
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
    const ints = isIntegerDType(result.actual_dtype) && isIntegerDType(result.reference_dtype);
    const exact = result.exact_values;
    const [absA, absR] = exact ? [exact.max_abs_actual, exact.max_abs_reference] : formatValuePair(result.max_abs_actual, result.max_abs_reference, ints);
    const [relA, relR] = exact ? [exact.max_rel_actual, exact.max_rel_reference] : formatValuePair(result.max_rel_actual, result.max_rel_reference, ints);
    const absDiff = exact ? exact.max_abs_diff : ints && Number.isSafeInteger(result.max_abs_diff) ? String(result.max_abs_diff) : formatValue(result.max_abs_diff);
    lines.push(
      `Greatest absolute difference: ${absDiff} at index ${formatIndex(result.max_abs_index)} ` +
        `(actual ${absA}, reference ${absR}; up to ${formatValue(allowed)} allowed)`,
    );
    lines.push(
      `Greatest relative difference: ${formatValue(result.max_rel_diff)} at index ${formatIndex(result.max_rel_index)} ` +
        `(actual ${relA}, reference ${relR}; up to ${formatTolNumber(tol.rtol)} allowed; ` +
        `|reference| floored at ${formatTolNumber(result.rel_floor)})`,
    );
    lines.push(`Mean absolute difference: ${formatValue(result.mean_abs_diff)}`);
    lines.push(`Scale-free: ${formatScaleFree(result)}`);
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
    lines.push(`Smallest atol that would pass at rtol ${formatTolNumber(tol.rtol)}: ${formatValueCeil(result.min_passing_atol)}`);
  }
  if (result.dtype_mismatch) {
    lines.push(`Dtypes differ: actual ${result.actual_dtype}, reference ${result.reference_dtype}`);
  }
  const hint = result.status === 'fail' ? valueHint(result) : null;
  if (hint) lines.push(hint);
  return lines.join('\n');
}

function isIntegerDType(dtype: string): boolean {
  return !dtype.startsWith('float') && dtype !== 'bfloat16';
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
