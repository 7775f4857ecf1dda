/**
 * The HTML of one model: verdict table with reasons, the |a - r| distribution and worst elements of
 * each output of each format, latency, quantization and export facts. Pure.
 */
import type { LayersReport } from '../../layers/types.js';
import type { Tier4QuantizationSection } from '../../quantization/types.js';
import type { Tier4FormatReport, Tier4Report } from '../../tier4/types.js';
import { renderAbsDiffChart } from '../charts/abs-diff.js';
import { renderLatencyChart } from '../charts/latency.js';
import { renderLayersChart } from '../charts/layers.js';
import { renderSqnrChart } from '../charts/sqnr.js';
import { fmtBytes, fmtCount, fmtIndex, fmtMs, fmtPercent, fmtRatio, fmtSci, fmtValue } from '../format.js';
import { el, esc } from '../markup.js';
import { latencyRows, parityGroups, type ParityGroup } from '../view.js';
import { formatNonFinite, maxAbsDiffCell } from '../../tier4/non-finite.js';

/** How many worst elements (one per sample) each output lists. */
const WORST_SHOWN = 5;

/** An id safe for an HTML anchor. */
export function anchorOf(key: string): string {
  return `model-${key.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

/** `<span class="st-ok">ok</span>` for a status (or `-`). */
export function statusCell(status: string | null | undefined): string {
  if (status === null || status === undefined) return '-';
  return el('span', { class: `st-${status}` }, esc(status));
}

function verdictTable(report: Tier4Report): string {
  const head = el(
    'tr',
    {},
    ...['format', 'status', 'parity', 'shape', 'max abs diff', 'mean abs diff', 'max rel diff', 'threshold', 'latency mean ± std', 'p50 / p99', 'speed-up vs eager', 'samples'].map(
      (h, i) => el('th', { class: i >= 4 ? 'num' : undefined }, esc(h)),
    ),
  );
  const rows: string[] = [];
  for (const [name, f] of Object.entries(report.formats)) {
    const num = (v: string): string => el('td', { class: 'num' }, esc(v));
    const threshold = `${fmtSci(f.threshold)} (${f.threshold_preset}${f.threshold_statistic === 'elementwise' ? '' : `, ${f.threshold_statistic}`})`;
    const latency = f.latency_ms === null ? '-' : `${fmtMs(f.latency_ms)} ± ${fmtMs(f.latency_std_ms).replace(' ms', '')}`;
    const speed = f.speedup_vs_pytorch === null ? '-' : `${fmtRatio(f.speedup_vs_pytorch)}${f.speedup_vs_pytorch_p50 != null ? ` (p50 ${fmtRatio(f.speedup_vs_pytorch_p50)})` : ''}`;
    rows.push(
      el(
        'tr',
        { 'data-format': name, 'data-status': f.status },
        el('td', {}, el('b', {}, esc(name))),
        el('td', {}, statusCell(f.status)),
        el('td', {}, f.skipped ? 'skipped' : statusCell(f.parity)),
        el('td', {}, statusCell(f.shape)),
        num(maxAbsDiffCell(f.max_abs_diff, formatNonFinite(report.parity_report?.[name]), fmtSci)),
        num(fmtSci(f.mean_abs_diff)),
        num(fmtSci(f.max_rel_diff)),
        num(threshold),
        num(latency),
        num(f.latency_p50_ms === null ? '-' : `${fmtMs(f.latency_p50_ms).replace(' ms', '')} / ${fmtMs(f.latency_p99_ms)}`),
        num(speed),
        num(String(f.samples_checked)),
      ),
    );
    if (f.reason) rows.push(el('tr', { class: 'reason' }, el('td', {}), el('td', { colspan: 11 }, esc(f.reason))));
  }
  return el('div', { class: 'scroll' }, el('table', { class: 'verdict' }, el('thead', {}, head), el('tbody', {}, ...rows)));
}

function warningsList(report: Tier4Report): string {
  if (report.warnings.length === 0) return '';
  return el('ul', { class: 'reasons' }, ...report.warnings.map((w) => el('li', {}, esc(w))));
}

function parityFigure(key: string, g: ParityGroup): string {
  const zeroShare = g.histogram && g.numel > 0 ? g.histogram.zero / g.numel : null;
  const facts = [
    `<b>${fmtCount(g.numel)}</b> elements over ${g.samples} sample${g.samples === 1 ? '' : 's'} (${g.samples_ok} passed)`,
    `max <b>${esc(fmtSci(g.max_abs_diff))}</b>`,
    `mean <b>${esc(fmtSci(g.mean_abs_diff))}</b>`,
    `${g.statistic === 'elementwise' ? 'over tolerance' : 'above atol (the ' + esc(g.statistic) + ' is judged)'} <b>${fmtCount(g.mismatched)}</b> (${esc(fmtPercent(g.numel > 0 ? g.mismatched / g.numel : 0))})`,
    ...(zeroShare !== null ? [`exactly equal ${esc(fmtPercent(zeroShare))}`] : []),
    ...(g.scale_free
      ? [`SQNR <b>${esc(Number.isFinite(g.scale_free.sqnr_db) ? `${g.scale_free.sqnr_db.toFixed(1)} dB` : '+∞')}</b> · rel. error ${esc(fmtSci(g.scale_free.relative_error))} · cosine ${esc(String(Number(g.scale_free.cosine.toPrecision(6))))}`]
      : []),
    ...(g.nan_mismatches + g.inf_mismatches > 0 ? [`NaN/Inf mismatches <b>${g.nan_mismatches + g.inf_mismatches}</b>`] : []),
  ].join(' · ');
  const chart = g.histogram
    ? renderAbsDiffChart({ histogram: g.histogram, tolerance: g.tolerance, statistic: g.statistic, mean: g.mean_abs_diff, ids: { model: key, format: g.format, output: g.output } })
    : el('p', { class: 'empty', 'data-role': 'no-distribution' }, 'No |a − r| distribution was recorded for this output: matcher checks (toMatchParity) and dicts written before histograms existed carry none; validate() and runTier4 record it.');
  const worst = g.worst.slice(0, WORST_SHOWN).map((w) =>
    el(
      'tr',
      {},
      el('td', {}, esc(w.sample)),
      el('td', { class: 'mono' }, esc(fmtIndex(w.index))),
      el('td', { class: 'num' }, esc(fmtValue(w.actual))),
      el('td', { class: 'num' }, esc(fmtValue(w.reference))),
      el('td', { class: 'num' }, esc(fmtSci(w.abs_diff))),
      el('td', { class: 'num' }, esc(fmtSci(w.rel_diff))),
      el('td', {}, statusCell(w.status)),
    ),
  );
  return el(
    'figure',
    { 'data-format': g.format, 'data-output': g.output },
    el('figcaption', {}, `${esc(g.format)} · output ${el('code', {}, esc(g.output))} `, el('span', { class: 'dim' }, esc(`tolerance: ${g.tolerance_description}`))),
    el('div', { class: 'facts' }, facts),
    chart,
    g.statistic === 'elementwise'
      ? el('div', { class: 'legend' }, el('i', { class: 'sw-zero' }), 'exactly 0', el('i', { class: 'sw-bar' }), 'below atol', el('i', { class: 'sw-edge' }), 'bin holding atol', el('i', { class: 'sw-over' }), 'at or over atol')
      : el('div', { class: 'legend' }, el('i', { class: 'sw-zero' }), 'exactly 0', el('i', { class: 'sw-bar' }), esc(`|a − r| (the ${g.statistic} of it is judged)`)),
    el(
      'table',
      { class: 'worst', 'data-role': 'worst-elements' },
      el('thead', {}, el('tr', {}, ...['sample', 'index', 'actual', 'reference', '|a − r|', 'rel', 'status'].map((h, i) => el('th', { class: i >= 2 && i <= 5 ? 'num' : undefined }, esc(h))))),
      el('tbody', {}, ...worst),
    ),
    g.worst.length > WORST_SHOWN ? el('div', { class: 'legend' }, esc(`worst element of each sample, ${WORST_SHOWN} of ${g.worst.length} samples shown`)) : el('div', { class: 'legend' }, 'worst element of each sample'),
  );
}

function latencySection(key: string, report: Tier4Report): string {
  const rows = latencyRows(report);
  if (rows.length === 0) return el('p', { class: 'empty' }, 'Latency was not measured.');
  const clocks = [...new Set(Object.values(report.formats).map((f: Tier4FormatReport) => f.speedup_clock).filter((c): c is string => typeof c === 'string'))];
  return el(
    'figure',
    { class: 'latency', 'data-role': 'latency' },
    renderLatencyChart(rows, { model: key }),
    el('div', { class: 'legend' }, 'whisker min to max · box p50 to p90 · dark line p50 · red tick p99 · ring mean'),
    ...clocks.map((c) => el('div', { class: 'legend' }, esc(c))),
  );
}

/** A format's per-layer report, when the dict carries one (`formats.<format>.layers`). */
export function layersOf(f: Tier4FormatReport): LayersReport | null {
  const layers = (f as Tier4FormatReport & { layers?: LayersReport | null }).layers;
  return layers && Array.isArray(layers.layers) ? layers : null;
}

const fmtDb = (v: number | null | undefined): string => (typeof v === 'number' ? `${v.toFixed(1)} dB` : v === null ? '+∞ (identical)' : '-');
const fmtNum = (v: number | null | undefined, digits = 4): string => (typeof v === 'number' ? String(Number(v.toPrecision(digits))) : '-');
const fmtRatioPct = (v: number | null | undefined): string => (typeof v === 'number' ? `${(v * 100).toFixed(1)}% of fp32` : '-');

function formatQuantization(key: string, name: string, q: Tier4QuantizationSection): string {
  const kv: string[] = [];
  const add = (k: string, v: string): void => void kv.push(el('div', {}, esc(k)), el('div', {}, esc(v)));
  add('method', `${q.method}${q.scheme ? ` (${q.scheme})` : ''}`);
  add('layers', `${q.layers_quantized ?? '-'} quantized, ${q.layers_kept_fp32 ?? '-'} kept fp32`);
  add('file size', `${fmtBytes(q.size_bytes)} vs ${fmtBytes(q.fp32_size_bytes)} fp32 (${fmtRatioPct(q.size_ratio)})`);
  if (q.quantized_weight_bytes !== null) add('quantized weights', `${fmtBytes(q.quantized_weight_bytes)} vs ${fmtBytes(q.fp32_quantized_weight_bytes)} fp32 (${fmtRatioPct(q.weight_bytes_ratio)})`);
  add('memory', q.memory_bytes !== null ? `${fmtBytes(q.memory_bytes)} vs ${fmtBytes(q.fp32_memory_bytes)} fp32 (${fmtRatioPct(q.memory_ratio)})` : (q.memory_method ?? 'not measured'));
  add('similarity', `SQNR ${fmtDb(q.sqnr_db)}, relative error ${fmtNum(q.relative_error)}, cosine ${fmtNum(q.cosine, 6)}${q.top1_agreement !== null ? `, top-1 agreement ${(q.top1_agreement * 100).toFixed(2)}%` : ''}${q.kl_divergence !== null ? `, KL ${fmtSci(q.kl_divergence)} nats` : ''}`);
  add('worst layer', q.worst_layer ? `${q.worst_layer.name}: SQNR ${fmtDb(q.worst_layer.sqnr_db)}` : (q.worst_layer_note ?? '-'));
  const checks = q.checks.map((c) => el('tr', {}, el('td', {}, esc(c.rule)), el('td', { class: 'num' }, esc(c.value === null ? '-' : fmtNum(c.value))), el('td', {}, statusCell(c.status === 'not_measured' ? null : c.status))));
  const sqnr = q.layer_sqnr && q.layer_sqnr.length > 0 ? renderSqnrChart(q.layer_sqnr, q.thresholds.sqnr_db ?? null, q.worst_layer?.name ?? null, { model: key, format: name }) : '';
  return el(
    'figure',
    { class: 'wide', 'data-role': 'quantization', 'data-format': name },
    el('figcaption', {}, `${esc(name)} `, statusCell(q.status), q.reason ? el('span', { class: 'dim' }, ` ${esc(q.reason)}`) : ''),
    el('div', { class: 'kv spaced' }, ...kv),
    checks.length > 0 ? el('table', { class: 'worst' }, el('thead', {}, el('tr', {}, el('th', {}, 'threshold'), el('th', { class: 'num' }, 'value'), el('th', {}, 'status'))), el('tbody', {}, ...checks)) : '',
    sqnr,
    sqnr ? el('div', { class: 'legend' }, 'per-layer SQNR against the fp32 baseline; red: the worst layer, orange: under the threshold; a bar to the top of the axis: identical to fp32 (SQNR +∞)') : '',
    ...q.warnings.map((w) => el('div', { class: 'legend' }, esc(w))),
  );
}

function quantizationSection(key: string, report: Tier4Report): string {
  const sections = Object.entries(report.formats).flatMap(([name, f]) => (f.quantization ? [formatQuantization(key, name, f.quantization)] : []));
  if (sections.length > 0) return el('h3', {}, 'Quantization') + sections.join('');
  const q = report.model.quantization_info;
  if (!report.model.quantization && !q) return '';
  const info = (q ?? {}) as Record<string, unknown>;
  const kv: string[] = [];
  const add = (k: string, v: string): void => void kv.push(el('div', {}, esc(k)), el('div', {}, esc(v)));
  add('method', String(info['method'] ?? report.model.quantization ?? '-'));
  if (info['dtype'] !== undefined) add('weights', String(info['dtype']));
  if (Array.isArray(info['modules'])) add('modules', (info['modules'] as unknown[]).join(', '));
  if (typeof info['fp32_size_bytes'] === 'number') add('fp32 size', fmtBytes(info['fp32_size_bytes']));
  if (typeof info['quantized_size_bytes'] === 'number') add('quantized size', fmtBytes(info['quantized_size_bytes']));
  if (typeof info['size_ratio'] === 'number') add('size ratio', `${(info['size_ratio'] * 100).toFixed(1)}% of fp32`);
  return el('h3', {}, 'Quantization') + el('div', { class: 'kv', 'data-role': 'quantization' }, ...kv);
}

function layersSection(key: string, report: Tier4Report): string {
  const parts: string[] = [];
  for (const [name, f] of Object.entries(report.formats)) {
    const l = layersOf(f);
    if (!l) continue;
    const worst = [...l.layers]
      .filter((r) => r.local_max_abs_diff !== null || r.max_abs_diff !== null)
      .sort((a, b) => (b.local_max_abs_diff ?? -1) - (a.local_max_abs_diff ?? -1) || (b.max_abs_diff ?? -1) - (a.max_abs_diff ?? -1))
      .slice(0, 5);
    const layouts = l.layers.filter((r) => r.layout !== null);
    parts.push(
      el(
        'figure',
        { class: 'wide', 'data-role': 'layers', 'data-format': name },
        el('figcaption', {}, `${esc(name)} · ${esc(l.explanation)} `, el('span', { class: 'dim' }, esc(`sample ${l.sample.id}, ${l.counts.compared} of ${l.layers.length} layers compared, tolerance ${l.tolerance.description}`))),
        renderLayersChart({ rows: l.layers, tolerance: l.tolerance.atol, origin: l.drift_origin, ids: { model: key, format: name } }),
        el('div', { class: 'legend' }, el('i', { class: 'sw-bar' }), 'accumulated (whole graph)', el('i', { class: 'sw-edge' }), 'local (layer fed the eager inputs)', el('i', { class: 'sw-over' }), 'over atol'),
        el(
          'table',
          { class: 'worst', 'data-role': 'worst-layers' },
          el('thead', {}, el('tr', {}, ...['layer', 'ops', 'accumulated', 'local', 'status', 'layout'].map((h, i) => el('th', { class: i === 2 || i === 3 ? 'num' : undefined }, esc(h))))),
          el(
            'tbody',
            {},
            ...worst.map((r) =>
              el(
                'tr',
                {},
                el('td', { class: 'mono' }, esc(r.name)),
                el('td', {}, esc(r.op_types.join(', '))),
                el('td', { class: 'num' }, esc(fmtSci(r.max_abs_diff))),
                el('td', { class: 'num' }, esc(fmtSci(r.local_max_abs_diff))),
                el('td', {}, esc(r.status)),
                el('td', {}, esc(r.layout?.description ?? '')),
              ),
            ),
          ),
        ),
        el('div', { class: 'legend' }, esc(`layers with the greatest local error, ${worst.length} of ${l.layers.length}`)),
        layouts.length > 0 ? el('div', { class: 'legend', 'data-role': 'layout' }, esc(`layout: ${layouts.map((r) => `${r.name} matches after ${r.layout!.description}`).join('; ')}`)) : '',
        ...l.warnings.map((w) => el('div', { class: 'legend' }, esc(w))),
      ),
    );
  }
  return parts.length > 0 ? el('h3', {}, 'Layers: where the drift is born') + parts.join('') : '';
}

function exportSection(report: Tier4Report): string {
  const m = report.model;
  const kv: string[] = [];
  const add = (k: string, v: string): void => void kv.push(el('div', {}, esc(k)), el('div', { class: k === 'export dir' ? 'mono' : undefined }, esc(v)));
  add('export dir', m.export_dir);
  add('exported', `${m.exported_at ?? '-'} with torch ${m.torch_version ?? '-'}, onnx ${m.onnx_version ?? '-'}${m.opset !== null ? `, opset ${m.opset}` : ''}`);
  add('inputs', m.inputs.map((i) => `${i.name} ${i.dtype} [${i.shape.join(', ')}]`).join('; '));
  add('outputs', m.outputs.map((o) => `${o.name} ${o.dtype} [${o.shape.join(', ')}]`).join('; '));
  add('formats', `written ${m.formats_written.join(', ') || '-'}${Object.keys(m.formats_failed).length > 0 ? `; failed ${Object.entries(m.formats_failed).map(([k, v]) => `${k} (${v})`).join(', ')}` : ''}`);
  for (const [name, f] of Object.entries(report.formats)) if (f.runtime) add(`${name} runtime`, f.runtime);
  if (m.model_source) add('model source', JSON.stringify(m.model_source));
  // what the exporter changed on its copy of the model, or found in it (a model quantized before export)
  for (const note of m.export_notes ?? []) add('export note', note);
  return el('h3', {}, 'Export and runtimes') + el('div', { class: 'kv', 'data-role': 'export' }, ...kv);
}

/** The `<section>` of one model. */
export function renderModelSection(key: string, report: Tier4Report): string {
  const m = report.model;
  const groups = parityGroups(report);
  const sub = [
    ...[m.task_type, m.modality].filter((x) => x && x !== 'unknown'),
    m.quantization ? `quantized (${m.quantization})` : 'fp32',
    `${m.num_samples} reference sample${m.num_samples === 1 ? '' : 's'}`,
  ].join(' · ');
  return el(
    'section',
    { class: 'card model', id: anchorOf(key), 'data-model': key, 'data-status': report.status },
    el('h2', {}, esc(key), el('span', { class: `badge ${report.status}` }, esc(report.status))),
    el('p', { class: 'sub' }, esc(sub)),
    el('h3', {}, 'Verdict'),
    verdictTable(report),
    warningsList(report),
    el('h3', {}, 'Parity: distribution of |actual − reference|'),
    groups.length > 0 ? el('div', { class: 'grid' }, ...groups.map((g) => parityFigure(key, g))) : el('p', { class: 'empty' }, 'No format was compared.'),
    el('h3', {}, 'Latency'),
    latencySection(key, report),
    layersSection(key, report),
    quantizationSection(key, report),
    exportSection(report),
  );
}
