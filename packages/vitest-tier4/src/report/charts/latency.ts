/**
 * Latency of each format and of eager PyTorch as box plots on one log axis: the whisker spans min to max,
 * the box p50 to p90, a tick marks p99 and a dot the mean; the speed-up against eager is written beside
 * each format. Server-side SVG, pure.
 */
import { fmtMs, fmtRatio } from '../format.js';
import { el, esc } from '../markup.js';
import { chartSvg, xAxisTitle } from './frame.js';
import { horizontalLogAxis, logDomain, logPos, logTicks, type LogScale } from './axis.js';

/** The statistics one row draws (ms). */
export interface LatencyRowStats {
  mean_ms: number;
  min_ms: number;
  max_ms: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  iterations: number;
}

/** One row of the chart. */
export interface LatencyRow {
  /** `onnx`, `torchscript`, `eager PyTorch`, ... */
  label: string;
  /** `eager` for the baseline rows (drawn in grey). */
  kind: 'format' | 'eager';
  stats: LatencyRowStats;
  /** Speed-up against eager on means, or null (eager rows, not measured). */
  speedup: number | null;
  /** Speed-up on medians, or null. */
  speedup_p50: number | null;
}

const W = 720;
const LABEL_W = 112;
const RIGHT_W = 190;
const ROW_H = 34;
const TOP = 10;
const AXIS_H = 36;

/** Renders the chart for `rows` (at least one) as an `<svg>` element. */
export function renderLatencyChart(rows: readonly LatencyRow[], ids: { model: string }): string {
  const values = rows.flatMap((r) => [r.stats.min_ms, r.stats.max_ms]);
  const { lo, hi } = logDomain(values, 0.5, false);
  const scale: LogScale = { lo, hi, p0: LABEL_W, p1: W - RIGHT_W };
  const H = TOP + rows.length * ROW_H + AXIS_H;
  const base = TOP + rows.length * ROW_H;
  const parts: string[] = [horizontalLogAxis(scale, base, TOP, logTicks(lo, hi, 7))];
  rows.forEach((row, i) => {
    const s = row.stats;
    const cy = TOP + i * ROW_H + ROW_H / 2;
    const x = (v: number): number => logPos(scale, v);
    const cls = row.kind === 'eager' ? 'box eager' : 'box';
    const speed =
      row.speedup === null
        ? row.kind === 'eager'
          ? 'baseline'
          : 'no baseline'
        : `${fmtRatio(row.speedup)} vs eager${row.speedup_p50 !== null ? ` (p50 ${fmtRatio(row.speedup_p50)})` : ''}`;
    const title =
      `${row.label}: mean ${fmtMs(s.mean_ms)}, p50 ${fmtMs(s.p50_ms)}, p90 ${fmtMs(s.p90_ms)}, p99 ${fmtMs(s.p99_ms)}, ` +
      `min ${fmtMs(s.min_ms)}, max ${fmtMs(s.max_ms)} over ${s.iterations} iterations`;
    parts.push(
      el(
        'g',
        {
          class: 'latency-row',
          'data-row': row.label,
          'data-kind': row.kind,
          'data-p50': s.p50_ms,
          'data-p90': s.p90_ms,
          'data-p99': s.p99_ms,
          'data-mean': s.mean_ms,
          'data-speedup': row.speedup ?? undefined,
        },
        el('title', {}, esc(title)),
        el('text', { class: 'row-label', x: LABEL_W - 8, y: cy + 4, 'text-anchor': 'end' }, esc(row.label)),
        el('line', { class: 'whisker', x1: x(s.min_ms), x2: x(s.max_ms), y1: cy, y2: cy }),
        el('line', { class: 'whisker', x1: x(s.min_ms), x2: x(s.min_ms), y1: cy - 5, y2: cy + 5 }),
        el('line', { class: 'whisker', x1: x(s.max_ms), x2: x(s.max_ms), y1: cy - 5, y2: cy + 5 }),
        el('rect', { class: cls, x: x(s.p50_ms), y: cy - 9, width: Math.max(1.5, x(s.p90_ms) - x(s.p50_ms)), height: 18 }),
        el('line', { class: 'median', x1: x(s.p50_ms), x2: x(s.p50_ms), y1: cy - 11, y2: cy + 11 }),
        el('line', { class: 'p99', x1: x(s.p99_ms), x2: x(s.p99_ms), y1: cy - 7, y2: cy + 7 }),
        el('circle', { class: 'mean-dot', cx: x(s.mean_ms), cy, r: 3 }),
        el('text', { class: 'row-note', x: W - RIGHT_W + 8, y: cy - 2 }, esc(`p50 ${fmtMs(s.p50_ms)}`)),
        el('text', { class: 'row-note dim', x: W - RIGHT_W + 8, y: cy + 11 }, esc(speed)),
      ),
    );
  });
  parts.push(xAxisTitle((scale.p0 + scale.p1) / 2, H - 3, 'latency per call, ms (log scale)'));
  return chartSvg(
    { W, H },
    `Latency of ${ids.model}: ${rows.map((r) => `${r.label} p50 ${fmtMs(r.stats.p50_ms)}`).join(', ')}`,
    { chart: 'latency', model: ids.model, rows: rows.length },
    parts,
  );
}
