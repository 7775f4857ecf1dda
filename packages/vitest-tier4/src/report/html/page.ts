/**
 * `renderTier4Html`: the whole report as one self-contained HTML page. Charts are SVG rendered here
 * (no script runs in the page), styles are inline, and a Content-Security-Policy of `default-src 'none'`
 * stops the browser from fetching anything, so the file opens offline from a CI artifact exactly as it
 * was written. Pure.
 */
import { fmtBytes, fmtMs, fmtRatio, fmtSci } from '../format.js';
import { el, esc } from '../markup.js';
import type { Tier4ReportDocument } from '../document.js';
import { anchorOf, renderModelSection, statusCell } from './model.js';
import { STYLE } from './style.js';
import { formatNonFinite, maxAbsDiffCell } from '../../tier4/non-finite.js';

/** The page's Content-Security-Policy: nothing may be fetched; inline styles only, no script. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

function summaryTable(doc: Tier4ReportDocument): string {
  const rows: string[] = [];
  for (const [key, report] of Object.entries(doc.models)) {
    const formats = Object.entries(report.formats);
    if (formats.length === 0) {
      rows.push(el('tr', {}, el('td', {}, el('a', { href: `#${anchorOf(key)}` }, esc(key))), el('td', {}, '-'), el('td', {}, statusCell(report.status)), el('td', { colspan: 4 }, '')));
    }
    for (const [name, f] of formats) {
      rows.push(
        el(
          'tr',
          { 'data-model': key, 'data-format': name },
          el('td', {}, el('a', { href: `#${anchorOf(key)}` }, esc(key))),
          el('td', {}, esc(name)),
          el('td', {}, statusCell(f.status)),
          el('td', {}, f.skipped ? 'skipped' : statusCell(f.parity)),
          el('td', { class: 'num' }, esc(maxAbsDiffCell(f.max_abs_diff, formatNonFinite(report.parity_report?.[name]), fmtSci))),
          el('td', { class: 'num' }, esc(fmtMs(f.latency_p50_ms))),
          el('td', { class: 'num' }, esc(fmtRatio(f.speedup_vs_pytorch))),
        ),
      );
    }
  }
  const head = el('tr', {}, ...['model', 'format', 'status', 'parity', 'max abs diff', 'latency p50', 'speed-up'].map((h, i) => el('th', { class: i >= 4 ? 'num' : undefined }, esc(h))));
  return el('table', { class: 'summary' }, el('thead', {}, head), el('tbody', {}, ...rows));
}

function environmentSection(doc: Tier4ReportDocument): string {
  const kv: string[] = [];
  const add = (k: string, v: string | null | undefined): void => {
    if (v) kv.push(el('div', {}, esc(k)), el('div', {}, esc(v)));
  };
  const env = doc.environment;
  add('generated', doc.generated_at);
  add('by', doc.source);
  if (env) {
    add('Node', env.node);
    add('onnxruntime-node', env.onnxruntime_node);
    add('Vitest', env.vitest);
    add('vitest-tier4', env.vitest_tier4);
    add('machine', `${env.cpu}, ${fmtBytes(env.memory_bytes)} memory, ${env.os}`);
  }
  const torch = new Set<string>();
  const onnx = new Set<string>();
  const runtimes = new Set<string>();
  for (const report of Object.values(doc.models)) {
    if (report.model.torch_version) torch.add(report.model.torch_version);
    if (report.model.onnx_version) onnx.add(report.model.onnx_version);
    for (const f of Object.values(report.formats)) if (f.runtime) runtimes.add(f.runtime);
  }
  add('torch (export)', [...torch].join(', '));
  add('onnx (export)', [...onnx].join(', '));
  add('runtimes', [...runtimes].join('; '));
  return el('section', { class: 'card', id: 'environment', 'data-role': 'environment' }, el('h2', {}, 'Environment'), el('div', { class: 'kv spaced' }, ...kv));
}

/**
 * Renders a report document as a complete, self-contained HTML page.
 *
 * @param doc - from {@link toReportDocument}.
 * @returns the HTML text (UTF-8).
 */
export function renderTier4Html(doc: Tier4ReportDocument): string {
  const models = Object.entries(doc.models);
  const t = doc.tests;
  const sub = [
    `${models.length} model${models.length === 1 ? '' : 's'}`,
    t ? `tests: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped` : null,
    doc.generated_at ? `generated ${doc.generated_at}` : null,
    doc.source,
  ]
    .filter(Boolean)
    .join(' · ');
  const reasons = doc.reasons.length > 0 ? el('ul', { class: 'reasons' }, ...doc.reasons.map((r) => el('li', {}, esc(r)))) : '';
  const body = el(
    'main',
    {},
    el('header', { class: 'top' }, el('h1', {}, esc(doc.title)), el('span', { class: `badge big ${doc.status}`, 'data-role': 'status' }, esc(doc.status))),
    el('p', { class: 'sub' }, esc(sub)),
    el('section', { class: 'card', 'data-role': 'summary' }, summaryTable(doc), reasons),
    ...models.map(([key, report]) => renderModelSection(key, report)),
    environmentSection(doc),
    el('footer', {}, 'Written by vitest-tier4. Self-contained: no script, no network request; every chart is inline SVG.'),
  );
  return (
    '<!doctype html>\n' +
    `<html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${esc(REPORT_CSP)}">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${esc(`${doc.title}: ${doc.status}`)}</title><style>${STYLE}</style></head>` +
    `<body data-status="${esc(doc.status)}" data-models="${models.length}">${body}</body></html>\n`
  );
}
