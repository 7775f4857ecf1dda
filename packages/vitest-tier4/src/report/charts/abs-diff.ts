/**
 * The |actual - reference| distribution of one output of one format: the power-of-two bins of
 * `ParityResult.abs_diff_histogram` (summed over samples) as bars on a log axis, exact zeros as a bar of
 * their own, the tolerance as a red line and the mean as a dotted one. Server-side SVG, pure.
 */
import type { AbsDiffHistogram } from '../../parity/types.js';
import { fmtCount, fmtSci } from '../format.js';
import { el, esc } from '../markup.js';
import { chartSvg, xAxisTitle, yAxisTitle } from './frame.js';
import { horizontalLogAxis, logDomain, logPos, logTicks, type LogScale } from './axis.js';

/** What the chart draws. */
export interface AbsDiffChartInput {
  /** The summed histogram. */
  histogram: AbsDiffHistogram;
  /** The tolerance on |a - r| to mark (the preset's atol, or the mean threshold), or null. */
  tolerance: number | null;
  /** How the tolerance judges: `elementwise` (every element), `mean`, or a quantile name. */
  statistic: string;
  /** Mean |a - r| over the same elements, or null. */
  mean: number | null;
  /** Identifies the chart for tests and links (`data-*` attributes). */
  ids: { model: string; format: string; output: string };
}

const W = 560;
const H = 200;
const LEFT = 46;
const RIGHT = 14;
const TOP = 26;
const BOTTOM = 34;
const ZERO_W = 26;
const GAP = 12;

/** The y of a count on a log(1 + n) scale (so that 1 element is a visible bar next to 10^6). */
function yOf(count: number, maxCount: number): number {
  const plotH = H - TOP - BOTTOM;
  return H - BOTTOM - (Math.log10(1 + count) / Math.log10(1 + Math.max(1, maxCount))) * plotH;
}

/** Count ticks 1, 10, 100, ... up to maxCount. */
function countTicks(maxCount: number): number[] {
  const ticks: number[] = [];
  for (let v = 1; v <= maxCount; v *= 10) ticks.push(v);
  return ticks;
}

/** Renders the chart as an `<svg>` element. */
export function renderAbsDiffChart(input: AbsDiffChartInput): string {
  const { histogram: h, tolerance, statistic, mean, ids } = input;
  const bins = h.first_exponent === null ? [] : h.counts.map((count, i) => ({ exp: (h.first_exponent as number) + i, count }));
  const total = bins.reduce((s, b) => s + b.count, h.zero);
  const maxCount = Math.max(h.zero, ...bins.map((b) => b.count), 1);
  const edges = bins.flatMap((b) => [2 ** b.exp, 2 ** (b.exp + 1)]);
  const marks = [tolerance, mean].filter((v): v is number => typeof v === 'number' && v > 0);
  const { lo, hi } = logDomain(edges.length > 0 ? [...edges, ...marks] : marks.length > 0 ? marks : [1e-7, 1e-5], 3, true);
  const scale: LogScale = { lo, hi, p0: LEFT + ZERO_W + GAP, p1: W - RIGHT };
  const base = H - BOTTOM;
  const over = (exp: number): boolean => statistic === 'elementwise' && tolerance !== null && 2 ** exp >= tolerance;
  const straddles = (exp: number): boolean =>
    statistic === 'elementwise' && tolerance !== null && 2 ** exp < tolerance && 2 ** (exp + 1) > tolerance;

  const parts: string[] = [];
  // y axis: counts on log(1 + n)
  for (const t of countTicks(maxCount)) {
    const y = yOf(t, maxCount);
    parts.push(el('line', { class: 'grid', x1: LEFT, x2: W - RIGHT, y1: y, y2: y }));
    parts.push(el('text', { class: 'tick', x: LEFT - 5, y: y + 3.5, 'text-anchor': 'end' }, t >= 1000 ? `${t / 1000}k` : String(t)));
  }
  parts.push(horizontalLogAxis(scale, base, TOP, logTicks(lo, hi)));
  // the exact zeros
  const zx = LEFT + 2;
  const zy = yOf(h.zero, maxCount);
  parts.push(
    el(
      'rect',
      { class: 'bar zero', x: zx, y: zy, width: ZERO_W - 4, height: base - zy, 'data-exp': 'zero', 'data-count': h.zero },
      el('title', {}, `|a - r| = 0: ${fmtCount(h.zero)} elements`),
    ),
    el('text', { class: 'tick', x: zx + (ZERO_W - 4) / 2, y: base + 15, 'text-anchor': 'middle' }, '0'),
  );
  // the power-of-two bins
  for (const b of bins) {
    const x0 = logPos(scale, 2 ** b.exp);
    const x1 = logPos(scale, 2 ** (b.exp + 1));
    const y = yOf(b.count, maxCount);
    const cls = over(b.exp) ? 'bar over' : straddles(b.exp) ? 'bar edge' : 'bar';
    parts.push(
      el(
        'rect',
        { class: cls, x: x0 + 0.4, y, width: Math.max(0.8, x1 - x0 - 0.8), height: base - y, 'data-exp': b.exp, 'data-count': b.count },
        el('title', {}, `2^${b.exp} ≤ |a - r| < 2^${b.exp + 1} (${fmtSci(2 ** b.exp)} to ${fmtSci(2 ** (b.exp + 1))}): ${fmtCount(b.count)} elements`),
      ),
    );
  }
  // markers
  if (tolerance !== null && tolerance > 0) {
    const x = logPos(scale, tolerance);
    const label = statistic === 'elementwise' ? `atol ${fmtSci(tolerance)}` : `${statistic} ≤ ${fmtSci(tolerance)}`;
    parts.push(
      el('line', { class: 'tolerance', x1: x, x2: x, y1: TOP - 6, y2: base, 'data-role': 'tolerance', 'data-value': tolerance }),
      // the label on the side of the line with room for it
      el('text', { class: 'mark-label tol', x: x > W - RIGHT - 90 ? x - 3 : x + 3, y: TOP - 9, 'text-anchor': x > W - RIGHT - 90 ? 'end' : 'start' }, esc(label)),
    );
  }
  if (mean !== null && mean > 0) {
    const x = logPos(scale, mean);
    parts.push(
      el('line', { class: 'mean', x1: x, x2: x, y1: TOP + 6, y2: base, 'data-role': 'mean', 'data-value': mean }),
      el('text', { class: 'mark-label mean-label', x: x < scale.p0 + 90 ? x + 3 : x - 3, y: TOP + 4, 'text-anchor': x < scale.p0 + 90 ? 'start' : 'end' }, esc(`mean ${fmtSci(mean)}`)),
    );
  }
  parts.push(xAxisTitle((scale.p0 + scale.p1) / 2, H - 3, '|actual − reference| (log scale, power-of-two bins)'));
  parts.push(yAxisTitle(10, TOP + (H - TOP - BOTTOM) / 2, 'elements'));
  return chartSvg(
    { W, H },
    `Distribution of |actual - reference| for ${ids.model} ${ids.format} output ${ids.output}: ${total} elements`,
    { chart: 'abs-diff', model: ids.model, format: ids.format, output: ids.output, total, bins: bins.length },
    parts,
  );
}

/** Sums histograms (of several samples) into one. */
export function sumHistograms(list: readonly AbsDiffHistogram[]): AbsDiffHistogram {
  let zero = 0;
  const byExp = new Map<number, number>();
  for (const h of list) {
    zero += h.zero;
    if (h.first_exponent === null) continue;
    h.counts.forEach((c, i) => {
      if (c > 0) byExp.set((h.first_exponent as number) + i, (byExp.get((h.first_exponent as number) + i) ?? 0) + c);
    });
  }
  if (byExp.size === 0) return { zero, first_exponent: null, counts: [] };
  const lo = Math.min(...byExp.keys());
  const hi = Math.max(...byExp.keys());
  const counts: number[] = [];
  for (let e = lo; e <= hi; e++) counts.push(byExp.get(e) ?? 0);
  return { zero, first_exponent: lo, counts };
}
