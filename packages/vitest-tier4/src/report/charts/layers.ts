/**
 * Per-layer drift: the accumulated error (whole deployed graph run) and the local error (each layer fed
 * the eager inputs) of every layer in execution order, on a log axis, with the tolerance as a red line and
 * the drift origin marked. Server-side SVG, pure.
 */
import type { LayerRow } from '../../parity/layers.js';
import { fmtSci } from '../format.js';
import { el, esc } from '../markup.js';
import { chartSvg, xAxisTitle, yAxisTitle } from './frame.js';
import { logDomain, logTicks, tickLabel } from './axis.js';

/** What the chart draws. */
export interface LayersChartInput {
  rows: readonly LayerRow[];
  /** The tolerance on |a - r| (atol). */
  tolerance: number;
  /** Name of the drift origin row, or null. */
  origin: string | null;
  ids: { model: string; format: string };
}

const W = 1140;
const H = 260;
const LEFT = 56;
const RIGHT = 16;
const TOP = 24;
const BOTTOM = 46;

/** Renders the chart as an `<svg>` element. Rows without a number are left out of their line. */
export function renderLayersChart(input: LayersChartInput): string {
  const { rows, tolerance, origin, ids } = input;
  const n = rows.length;
  const values = rows.flatMap((r) => [r.max_abs_diff, r.local_max_abs_diff]).filter((v): v is number => typeof v === 'number' && v > 0);
  const { lo: dlo, hi } = logDomain([...values, tolerance], 2, true);
  // zeros (exact agreement) sit on the floor line, one decade under the smallest value
  const lo = dlo - 1;
  const floor = 10 ** lo;
  const x = (i: number): number => LEFT + (n <= 1 ? (W - LEFT - RIGHT) / 2 : (i / (n - 1)) * (W - LEFT - RIGHT));
  const y = (v: number): number => {
    const l = Math.log10(Math.max(v, floor));
    return H - BOTTOM - ((l - lo) / (hi - lo)) * (H - TOP - BOTTOM);
  };
  const parts: string[] = [];
  for (const t of logTicks(lo, hi, 8)) {
    parts.push(el('line', { class: 'grid', x1: LEFT, x2: W - RIGHT, y1: y(t), y2: y(t) }));
    parts.push(el('text', { class: 'tick', x: LEFT - 5, y: y(t) + 3.5, 'text-anchor': 'end' }, t === floor ? '≤ ' + tickLabel(t) : tickLabel(t)));
  }
  parts.push(el('line', { class: 'axis', x1: LEFT, x2: W - RIGHT, y1: H - BOTTOM, y2: H - BOTTOM }));
  // layer ticks: every k-th name, so labels never overlap
  const every = Math.max(1, Math.ceil(n / 28));
  rows.forEach((r, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    parts.push(el('line', { class: 'axis', x1: x(i), x2: x(i), y1: H - BOTTOM, y2: H - BOTTOM + 3 }));
    parts.push(el('text', { class: 'tick', x: x(i), y: H - BOTTOM + 13, 'text-anchor': 'middle' }, String(i)));
  });
  // the tolerance
  parts.push(
    el('line', { class: 'tolerance', x1: LEFT, x2: W - RIGHT, y1: y(tolerance), y2: y(tolerance), 'data-role': 'tolerance', 'data-value': tolerance }),
    el('text', { class: 'mark-label tol', x: W - RIGHT - 2, y: y(tolerance) - 4, 'text-anchor': 'end' }, esc(`atol ${fmtSci(tolerance)}`)),
  );
  // the drift origin
  const oi = origin === null ? -1 : rows.findIndex((r) => r.name === origin);
  if (oi >= 0) {
    parts.push(
      el('line', { class: 'origin', x1: x(oi), x2: x(oi), y1: TOP - 6, y2: H - BOTTOM, 'data-role': 'origin', 'data-layer': origin }),
      el('text', { class: 'origin-label', x: oi > n / 2 ? x(oi) - 4 : x(oi) + 4, y: TOP - 9, 'text-anchor': oi > n / 2 ? 'end' : 'start' }, esc(`drift origin: ${origin}`)),
    );
  }
  // the two lines and their points
  for (const [key, cls, series] of [
    ['max_abs_diff', 'acc', 'accumulated'],
    ['local_max_abs_diff', 'loc', 'local'],
  ] as const) {
    const pts = rows.map((r, i) => ({ r, i, v: r[key] })).filter((p): p is { r: LayerRow; i: number; v: number } => typeof p.v === 'number');
    if (pts.length > 1) parts.push(el('polyline', { class: cls, points: pts.map((p) => `${Math.round(x(p.i) * 10) / 10},${Math.round(y(p.v) * 10) / 10}`).join(' ') }));
    for (const p of pts) {
      const over = p.v > tolerance;
      parts.push(
        el(
          'circle',
          { class: over ? 'pt-over' : `pt-${cls}`, cx: x(p.i), cy: y(p.v), r: series === 'accumulated' ? 2.8 : 2.2, 'data-series': series, 'data-layer': p.r.name, 'data-value': p.v },
          el('title', {}, esc(`#${p.i} ${p.r.name} (${p.r.op_types.join(', ') || p.r.module_types.join(', ')}): ${series} ${fmtSci(p.v)}${p.v === 0 ? ' (exact)' : ''}`)),
        ),
      );
    }
  }
  parts.push(xAxisTitle((LEFT + W - RIGHT) / 2, H - 8, 'layer (execution order)'));
  parts.push(yAxisTitle(12, TOP + (H - TOP - BOTTOM) / 2, 'max |onnx − eager|'));
  return chartSvg(
    { W, H },
    `Per-layer error of ${ids.model} ${ids.format}: ${n} layers${origin ? `, drift origin ${origin}` : ''}`,
    { chart: 'layers', model: ids.model, format: ids.format, layers: n, origin: origin ?? undefined },
    parts,
  );
}
