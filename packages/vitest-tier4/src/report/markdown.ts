/**
 * The Markdown step summary (GITHUB_STEP_SUMMARY): the verdict table, the reasons, and for every format
 * that is not `ok` where its worst error is, readable without the HTML report. Pure.
 */
import { markdownTable } from 'markdown-table';
import type { Tier4RunReport } from '../reporter/types.js';
import { fmtIndex, fmtSci, fmtValue } from './format.js';
import type { LayersReport } from '../layers/types.js';
import type { Tier4FormatReport } from '../tier4/types.js';
import { checksLine, summaryRows } from './summary.js';

const ICON = { ok: '✅', warn: '⚠️', fail: '❌' } as const;

/** Markdown-safe text for a table cell or list item. */
function md(text: string): string {
  return oneLine(text).replace(/\|/g, '\\|');
}

/** Text on one line (a list item must not break). */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, ' ');
}

/** One line per format that is not `ok`: its reason and where its greatest |a - r| is. */
function findings(report: Tier4RunReport): string[] {
  const lines: string[] = [];
  for (const [key, dict] of Object.entries(report.models)) {
    for (const [name, f] of Object.entries(dict.formats ?? {})) {
      if (f.status === 'ok') continue;
      const w = f.worst;
      const where =
        w && w.max_abs_diff > 0
          ? `; worst |a − r| ${fmtSci(w.max_abs_diff)} at ${fmtIndex(w.index)} of \`${w.output}\` in ${w.sample} (actual ${fmtValue(w.actual)}, reference ${fmtValue(w.reference)}; threshold ${fmtSci(f.threshold)})`
          : '';
      lines.push(`- **${oneLine(key)} / ${oneLine(name)}** ${f.status}: ${oneLine(f.reason ?? 'no reason recorded')}${oneLine(where)}`);
    }
  }
  return lines;
}

/** How many layers the summary lists per format. */
const WORST_LAYERS = 3;

/**
 * Per format with a per-layer report: the drift origin with the explanation, and the layers with the
 * greatest local error (accumulated when no local error was measured).
 */
function layerLines(report: Tier4RunReport): string[] {
  const lines: string[] = [];
  for (const [key, dict] of Object.entries(report.models)) {
    for (const [name, f] of Object.entries(dict.formats ?? {})) {
      const l = (f as Tier4FormatReport & { layers?: LayersReport | null }).layers;
      if (!l || !Array.isArray(l.layers)) continue;
      const ranked = l.layers
        .filter((r) => r.local_max_abs_diff !== null || r.max_abs_diff !== null)
        .sort((a, b) => (b.local_max_abs_diff ?? -1) - (a.local_max_abs_diff ?? -1) || (b.max_abs_diff ?? -1) - (a.max_abs_diff ?? -1))
        .slice(0, WORST_LAYERS)
        .map((r) => `\`${r.name}\` (local ${fmtSci(r.local_max_abs_diff)}, accumulated ${fmtSci(r.max_abs_diff)})`);
      const origin = l.drift_origin ? `drift origin \`${l.drift_origin}\`` : `no drift origin (${l.diagnosis})`;
      lines.push(`- **${oneLine(key)} / ${oneLine(name)}**: ${origin}: ${oneLine(l.explanation)}; worst layers: ${ranked.join(', ') || '-'}`);
    }
  }
  return lines;
}

/**
 * The Markdown appended to GITHUB_STEP_SUMMARY.
 *
 * @param report - the run report.
 * @param writtenTo - where the JSON report was written, or null.
 * @param htmlWrittenTo - where the HTML report was written, or null.
 */
export function renderMarkdownSummary(report: Tier4RunReport, writtenTo: string | null, htmlWrittenTo: string | null = null): string {
  const parts = [`### ${ICON[report.status]} Tier 4: ${report.status}`, ''];
  const rows = summaryRows(report);
  if (rows.length > 1) parts.push(markdownTable(rows.map((r) => r.map(md)), { align: ['l', 'l', 'l', 'r', 'r', 'l'] }), '');
  parts.push(checksLine(report), '');
  if (report.reasons.length > 0) {
    for (const reason of report.reasons.slice(0, 20)) parts.push(`- ${md(reason)}`);
    if (report.reasons.length > 20) parts.push(`- ... and ${report.reasons.length - 20} more`);
    parts.push('');
  }
  const found = findings(report);
  if (found.length > 0) parts.push('#### Where the error is', '', ...found.slice(0, 20), '');
  const layers = layerLines(report);
  if (layers.length > 0) parts.push('#### Layers', '', ...layers.slice(0, 20), '');
  if (writtenTo) parts.push(`Report: \`${writtenTo}\``, '');
  if (htmlWrittenTo) parts.push(`HTML report (charts): \`${htmlWrittenTo}\``, '');
  return parts.join('\n') + '\n';
}
