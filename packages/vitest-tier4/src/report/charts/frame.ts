/**
 * What every SVG chart of the report shares: the `<svg class="chart">` frame with its size, its
 * accessible label and its `data-*` identification, and the axis titles. Pure.
 */
import { el, esc } from '../markup.js';

/** The chart's outer `<svg>`: `W` x `H` pixels, `label` for screen readers, `data` as `data-*` attributes. */
export function chartSvg(size: { W: number; H: number }, label: string, data: Record<string, string | number | undefined>, parts: readonly string[]): string {
  const dataAttrs = Object.fromEntries(Object.entries(data).map(([k, v]) => [`data-${k}`, v]));
  return el(
    'svg',
    { class: 'chart', viewBox: `0 0 ${size.W} ${size.H}`, width: size.W, height: size.H, role: 'img', 'aria-label': label, ...dataAttrs },
    ...parts,
  );
}

/** The title under a horizontal axis, centred at `x`. */
export function xAxisTitle(x: number, y: number, text: string): string {
  return el('text', { class: 'axis-title', x, y, 'text-anchor': 'middle' }, esc(text));
}

/** The title beside a vertical axis, rotated, centred at height `y`. */
export function yAxisTitle(x: number, y: number, text: string): string {
  return el('text', { class: 'axis-title', x, y, transform: `rotate(-90 ${x} ${y})`, 'text-anchor': 'middle' }, esc(text));
}
