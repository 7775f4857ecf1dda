/**
 * Per-layer SQNR of a quantized format against its fp32 baseline: one bar per layer (dB, linear), the SQNR
 * threshold as a red line, the worst layer in red. Server-side SVG, pure.
 */
import { el, esc } from '../markup.js';
import { chartSvg, xAxisTitle, yAxisTitle } from './frame.js';

/** One bar. */
export interface SqnrBar {
  name: string;
  /** dB; null (identical tensors, infinite SQNR) is drawn to the top of the axis. */
  sqnr_db: number | null;
}

const W = 1140;
const H = 220;
const LEFT = 48;
const RIGHT = 16;
const TOP = 22;
const BOTTOM = 40;

/** Renders the chart as an `<svg>` element. */
export function renderSqnrChart(bars: readonly SqnrBar[], threshold: number | null, worst: string | null, ids: { model: string; format: string }): string {
  const finite = bars.map((b) => b.sqnr_db).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const top = Math.max(10, Math.ceil((Math.max(...finite, threshold ?? 0, 0) + 5) / 10) * 10);
  const bottom = Math.min(0, Math.floor(Math.min(...finite, 0) / 10) * 10);
  const y = (v: number): number => H - BOTTOM - ((Math.min(top, Math.max(bottom, v)) - bottom) / (top - bottom)) * (H - TOP - BOTTOM);
  const n = bars.length;
  const step = (W - LEFT - RIGHT) / Math.max(1, n);
  const parts: string[] = [];
  for (let t = bottom; t <= top; t += top - bottom > 60 ? 20 : 10) {
    parts.push(el('line', { class: 'grid', x1: LEFT, x2: W - RIGHT, y1: y(t), y2: y(t) }), el('text', { class: 'tick', x: LEFT - 5, y: y(t) + 3.5, 'text-anchor': 'end' }, `${t}`));
  }
  parts.push(el('line', { class: 'axis', x1: LEFT, x2: W - RIGHT, y1: y(0), y2: y(0) }));
  bars.forEach((b, i) => {
    const v = b.sqnr_db === null ? top : b.sqnr_db;
    const y0 = y(0);
    const y1 = y(v);
    const cls = b.name === worst ? 'bar over' : threshold !== null && v < threshold ? 'bar edge' : 'bar';
    parts.push(
      el(
        'rect',
        { class: cls, x: LEFT + i * step + step * 0.12, y: Math.min(y0, y1), width: Math.max(1, step * 0.76), height: Math.max(0.8, Math.abs(y0 - y1)), 'data-layer': b.name, 'data-sqnr': b.sqnr_db ?? 'inf' },
        el('title', {}, esc(`${b.name}: SQNR ${b.sqnr_db === null ? '+∞ (identical)' : `${b.sqnr_db.toFixed(1)} dB`}`)),
      ),
    );
  });
  if (threshold !== null) {
    parts.push(
      el('line', { class: 'tolerance', x1: LEFT, x2: W - RIGHT, y1: y(threshold), y2: y(threshold), 'data-role': 'tolerance', 'data-value': threshold }),
      el('text', { class: 'mark-label tol', x: W - RIGHT - 2, y: y(threshold) - 4, 'text-anchor': 'end' }, esc(`sqnr_db ≥ ${threshold} dB`)),
    );
  }
  parts.push(xAxisTitle((LEFT + W - RIGHT) / 2, H - 8, 'layer (graph order); hover a bar for its name'));
  parts.push(yAxisTitle(12, TOP + (H - TOP - BOTTOM) / 2, 'SQNR (dB)'));
  return chartSvg({ W, H }, `Per-layer SQNR of ${ids.model} ${ids.format}: ${n} layers`, { chart: 'layer-sqnr', model: ids.model, format: ids.format, layers: n }, parts);
}
