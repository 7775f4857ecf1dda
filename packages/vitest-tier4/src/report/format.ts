/**
 * How numbers read in the HTML and Markdown reports. Pure.
 */

/** A difference or error: `0` exactly, else 3 significant digits in exponent form (`3.81e-6`); `-` when absent. */
export function fmtSci(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value === null || value === undefined ? '-' : String(value);
  if (value === 0) return '0';
  return value.toExponential(2).replace('e+', 'e');
}

/** A plain value (an element of a tensor): 6 significant digits. */
export function fmtValue(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value === null || value === undefined ? '-' : String(value);
  if (value === 0) return '0';
  const a = Math.abs(value);
  return a >= 1e-4 && a < 1e6 ? String(Number(value.toPrecision(6))) : value.toExponential(5).replace('e+', 'e');
}

/** A time in ms with 3 significant digits (`0.0521 ms`, `1.65 ms`, `123 ms`). */
export function fmtMs(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '-';
  return `${Number(value.toPrecision(3))} ms`;
}

/** A ratio such as a speed-up: `9.18×`. */
export function fmtRatio(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '-';
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`;
}

/** A byte count: `751.8 kB`, `1.20 MB`. */
export function fmtBytes(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '-';
  if (value < 1000) return `${value} B`;
  if (value < 1e6) return `${(value / 1e3).toFixed(1)} kB`;
  if (value < 1e9) return `${(value / 1e6).toFixed(2)} MB`;
  return `${(value / 1e9).toFixed(2)} GB`;
}

/** A percentage of a fraction (0..1): `0.06%`, `100%`. */
export function fmtPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '-';
  const p = fraction * 100;
  if (p === 0 || p === 100) return `${p}%`;
  return `${p >= 10 ? p.toFixed(1) : p >= 0.01 ? p.toFixed(2) : p.toExponential(1)}%`;
}

/** A power of ten as an axis label: `1e-6`, `1`, `10`, `100`, `1e3`. */
export function fmtDecade(exp: number): string {
  if (exp === 0) return '1';
  if (exp === 1) return '10';
  if (exp === 2) return '100';
  return `1e${exp}`;
}

/** A count with thousands separators (`20,480`). */
export function fmtCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A multi-dimensional index: `[0, 12, 145]`, `-` when absent. */
export function fmtIndex(index: readonly number[] | null | undefined): string {
  return Array.isArray(index) ? `[${index.join(', ')}]` : '-';
}
