/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Checks a rendered HTML report against the dicts it was written from, in the browser: every chart the
 * data calls for is there, drawn (visible, non-empty bars and boxes) and holds the numbers of the JSON.
 * Returns the problems found, so a test can also check that a broken page is caught.
 */
import type { Page } from 'playwright-core';
import { histogramTotal } from '../../src/parity/histogram.js';
import type { LayersReport } from '../../src/layers/types.js';
import type { Tier4FormatReport, Tier4Report } from '../../src/tier4/types.js';
import type { PageActivity } from './chromium.js';

/** What the page shows, read from the DOM (and its layout). */
interface Drawn {
  absDiff: Array<{ model: string; format: string; output: string; total: number; counts: number; bars: number; visibleBars: number; width: number }>;
  latency: Array<{ model: string; rows: Array<{ label: string; p50: number; boxWidth: number }>; width: number }>;
  layers: Array<{ model: string; format: string; layers: number; accumulated: number; local: number; visiblePoints: number; origin: string | null }>;
  sqnr: Array<{ model: string; format: string; bars: number; visibleBars: number }>;
  sections: string[];
}

async function readDrawn(page: Page): Promise<Drawn> {
  return page.evaluate(() => {
    const num = (el: Element, name: string): number => Number(el.getAttribute(name));
    const absDiff = [...document.querySelectorAll('svg[data-chart="abs-diff"]')].map((svg) => {
      const bars = [...svg.querySelectorAll('rect[data-count]')];
      return {
        model: svg.getAttribute('data-model') ?? '',
        format: svg.getAttribute('data-format') ?? '',
        output: svg.getAttribute('data-output') ?? '',
        total: num(svg, 'data-total'),
        counts: bars.reduce((s, b) => s + num(b, 'data-count'), 0),
        bars: bars.filter((b) => num(b, 'data-count') > 0).length,
        visibleBars: bars.filter((b) => num(b, 'data-count') > 0 && b.getBoundingClientRect().height > 0.5 && b.getBoundingClientRect().width > 0.5).length,
        width: svg.getBoundingClientRect().width,
      };
    });
    const latency = [...document.querySelectorAll('svg[data-chart="latency"]')].map((svg) => ({
      model: svg.getAttribute('data-model') ?? '',
      rows: [...svg.querySelectorAll('g.latency-row')].map((g) => ({
        label: g.getAttribute('data-row') ?? '',
        p50: num(g, 'data-p50'),
        boxWidth: g.querySelector('rect.box')?.getBoundingClientRect().width ?? 0,
      })),
      width: svg.getBoundingClientRect().width,
    }));
    const visible = (e: Element): boolean => e.getBoundingClientRect().width > 0.5 && e.getBoundingClientRect().height > 0.5;
    const layers = [...document.querySelectorAll('svg[data-chart="layers"]')].map((svg) => {
      const points = [...svg.querySelectorAll('circle[data-series]')];
      return {
        model: svg.getAttribute('data-model') ?? '',
        format: svg.getAttribute('data-format') ?? '',
        layers: num(svg, 'data-layers'),
        accumulated: points.filter((p) => p.getAttribute('data-series') === 'accumulated').length,
        local: points.filter((p) => p.getAttribute('data-series') === 'local').length,
        visiblePoints: points.filter(visible).length,
        origin: svg.querySelector('[data-role="origin"]')?.getAttribute('data-layer') ?? null,
      };
    });
    const sqnr = [...document.querySelectorAll('svg[data-chart="layer-sqnr"]')].map((svg) => {
      const bars = [...svg.querySelectorAll('rect[data-sqnr]')];
      return { model: svg.getAttribute('data-model') ?? '', format: svg.getAttribute('data-format') ?? '', bars: bars.length, visibleBars: bars.filter(visible).length };
    });
    const sections = [...document.querySelectorAll('section.model')].map((s) => s.getAttribute('data-model') ?? '');
    return { absDiff, latency, layers, sqnr, sections };
  });
}

/**
 * The problems of a loaded report page, empty when it is right.
 *
 * @param models - the dicts the page was rendered from, by model key.
 */
export async function inspectReport(page: Page, activity: PageActivity, models: Record<string, Tier4Report>): Promise<string[]> {
  const problems: string[] = [];
  for (const url of activity.requests) problems.push(`the page made a request: ${url}`);
  for (const text of activity.consoleErrors) problems.push(`console ${text}`);
  for (const text of activity.pageErrors) problems.push(`page error: ${text}`);
  const drawn = await readDrawn(page);
  if (drawn.sections.join(',') !== Object.keys(models).join(',')) problems.push(`model sections ${drawn.sections.join(', ')}, expected ${Object.keys(models).join(', ')}`);
  for (const [key, dict] of Object.entries(models)) {
    // one |a - r| chart per format and output with a histogram, holding every element counted in the JSON
    for (const [format, samples] of Object.entries(dict.parity_report)) {
      const totals = new Map<string, number>();
      for (const sr of Object.values(samples)) {
        for (const [output, or] of Object.entries(sr.outputs)) {
          const h = or.parity?.abs_diff_histogram;
          if (h) totals.set(output, (totals.get(output) ?? 0) + histogramTotal(h));
        }
      }
      for (const [output, total] of totals) {
        const what = `${key} ${format} ${output}`;
        const chart = drawn.absDiff.find((c) => c.model === key && c.format === format && c.output === output);
        if (!chart) {
          problems.push(`no |a - r| chart for ${what}`);
          continue;
        }
        if (chart.width < 50) problems.push(`the |a - r| chart of ${what} is not laid out (width ${chart.width})`);
        if (chart.visibleBars === 0) problems.push(`the |a - r| chart of ${what} is empty: no visible bar`);
        if (chart.visibleBars < chart.bars) problems.push(`the |a - r| chart of ${what} draws ${chart.visibleBars} of its ${chart.bars} non-empty bars`);
        if (chart.total !== total || chart.counts !== total) problems.push(`the |a - r| chart of ${what} holds ${chart.counts} elements (says ${chart.total}), the JSON ${total}`);
      }
    }
    for (const [format, f] of Object.entries(dict.formats)) {
      // layers: one point per layer with a number, on each line, drawn; the origin marked
      const l = (f as Tier4FormatReport & { layers?: LayersReport | null }).layers;
      if (l && Array.isArray(l.layers)) {
        const chart = drawn.layers.find((c) => c.model === key && c.format === format);
        const acc = l.layers.filter((r) => r.max_abs_diff !== null).length;
        const loc = l.layers.filter((r) => r.local_max_abs_diff !== null).length;
        if (!chart) problems.push(`no layers chart for ${key} ${format}`);
        else {
          if (chart.layers !== l.layers.length) problems.push(`the layers chart of ${key} ${format} says ${chart.layers} layers, the JSON has ${l.layers.length}`);
          if (chart.accumulated !== acc || chart.local !== loc) problems.push(`the layers chart of ${key} ${format} has ${chart.accumulated} accumulated and ${chart.local} local points, the JSON ${acc} and ${loc}`);
          if (chart.visiblePoints !== acc + loc) problems.push(`the layers chart of ${key} ${format} draws ${chart.visiblePoints} of its ${acc + loc} points`);
          if (chart.origin !== l.drift_origin) problems.push(`the layers chart of ${key} ${format} marks origin ${chart.origin}, the JSON ${l.drift_origin}`);
        }
      }
      // per-layer SQNR of a quantized format: one drawn bar per layer
      const q = f.quantization;
      if (q?.layer_sqnr && q.layer_sqnr.length > 0) {
        const chart = drawn.sqnr.find((c) => c.model === key && c.format === format);
        if (!chart) problems.push(`no per-layer SQNR chart for ${key} ${format}`);
        else if (chart.bars !== q.layer_sqnr.length || chart.visibleBars !== chart.bars) {
          problems.push(`the per-layer SQNR chart of ${key} ${format} draws ${chart.visibleBars} of ${chart.bars} bars, the JSON has ${q.layer_sqnr.length} layers`);
        }
      }
    }
    // latency: one row per measured format and one eager baseline, each box drawn
    const measured = Object.entries(dict.formats).filter(([, f]) => f.latency !== null);
    if (measured.length > 0) {
      const chart = drawn.latency.find((c) => c.model === key);
      if (!chart) problems.push(`no latency chart for ${key}`);
      else {
        const labels = chart.rows.map((r) => r.label);
        for (const [format, f] of measured) {
          const row = chart.rows.find((r) => r.label === format);
          if (!row) problems.push(`the latency chart of ${key} has no row for ${format} (rows: ${labels.join(', ')})`);
          else if (row.p50 !== f.latency!.p50_ms) problems.push(`the latency chart of ${key} shows p50 ${row.p50} for ${format}, the JSON ${f.latency!.p50_ms}`);
        }
        if (measured.some(([, f]) => f.pytorch_latency !== null) && !labels.some((l) => l.startsWith('eager'))) problems.push(`the latency chart of ${key} has no eager PyTorch row`);
        for (const r of chart.rows) if (!(r.boxWidth > 0)) problems.push(`the latency box of ${key} ${r.label} is not drawn`);
      }
    }
  }
  return problems;
}
