/**
 * Log-scale axes for the SVG charts: a mapping from values to pixels and tick positions. Pure.
 */
import { fmtDecade } from '../format.js';
import { el } from '../markup.js';

/** A log10 scale from [10^lo, 10^hi] onto pixels [p0, p1]. */
export interface LogScale {
  lo: number;
  hi: number;
  p0: number;
  p1: number;
}

/** The pixel of value `v` (> 0) on `s`; values outside the domain are clamped to its ends. */
export function logPos(s: LogScale, v: number): number {
  const l = v > 0 ? Math.log10(v) : s.lo;
  const t = (Math.min(s.hi, Math.max(s.lo, l)) - s.lo) / (s.hi - s.lo || 1);
  return s.p0 + t * (s.p1 - s.p0);
}

/**
 * The smallest domain [10^lo, 10^hi] holding every positive value, widened to at least `minDecades` decades.
 * `whole` rounds the ends out to whole decades (for decade ticks); otherwise the ends sit a little outside
 * the extreme values.
 */
export function logDomain(values: readonly number[], minDecades: number, whole: boolean): { lo: number; hi: number } {
  const logs = values.filter((v) => v > 0 && Number.isFinite(v)).map((v) => Math.log10(v));
  if (logs.length === 0) return { lo: -1, hi: 0 };
  let lo = Math.min(...logs);
  let hi = Math.max(...logs);
  if (whole) {
    lo = Math.floor(lo + 1e-9);
    hi = Math.ceil(hi - 1e-9);
    if (hi === lo) hi = lo + 1;
  } else {
    const pad = Math.max(0.04, (hi - lo) * 0.06);
    lo -= pad;
    hi += pad;
  }
  while (hi - lo < minDecades) {
    lo -= whole ? 1 : 0.5;
    if (hi - lo < minDecades) hi += whole ? 1 : 0.5;
  }
  return { lo, hi };
}

/**
 * Tick values for a log domain: powers of ten (every k-th one when there are many), or 1-2-5 steps when the
 * domain spans less than two decades.
 */
export function logTicks(lo: number, hi: number, maxTicks = 9): number[] {
  const ticks: number[] = [];
  if (hi - lo < 2) {
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        const l = Math.log10(v);
        if (l >= lo - 1e-9 && l <= hi + 1e-9) ticks.push(Number(v.toPrecision(3)));
      }
    }
    return ticks;
  }
  const span = Math.ceil(hi) - Math.floor(lo);
  const step = Math.max(1, Math.ceil(span / maxTicks));
  for (let e = Math.ceil(lo - 1e-9); e <= hi + 1e-9; e += step) ticks.push(10 ** e);
  return ticks;
}

/** The label of a tick: decades as `1e-6`, others with up to 3 significant digits. */
export function tickLabel(v: number): string {
  const e = Math.log10(v);
  if (Math.abs(e - Math.round(e)) < 1e-9) return fmtDecade(Math.round(e));
  return String(Number(v.toPrecision(3)));
}

/**
 * A horizontal log axis at pixel row `y`: the base line, ticks, labels and light vertical grid lines up to
 * `gridTop`.
 */
export function horizontalLogAxis(s: LogScale, y: number, gridTop: number, ticks: readonly number[]): string {
  const parts = [el('line', { class: 'axis', x1: s.p0, x2: s.p1, y1: y, y2: y })];
  for (const t of ticks) {
    const x = logPos(s, t);
    parts.push(el('line', { class: 'grid', x1: x, x2: x, y1: gridTop, y2: y }));
    parts.push(el('line', { class: 'axis', x1: x, x2: x, y1: y, y2: y + 4 }));
    parts.push(el('text', { class: 'tick', x, y: y + 15, 'text-anchor': 'middle' }, tickLabel(t)));
  }
  return parts.join('');
}
