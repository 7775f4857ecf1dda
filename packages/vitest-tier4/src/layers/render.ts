/**
 * The per-layer table (CLI, Markdown file, matcher failure messages).
 */
import { markdownTable } from 'markdown-table';
import { formatValue } from '../parity/format.js';
import { describeRow, worstLayers, type LayerRow } from '../parity/layers.js';
import type { LayersReport } from './types.js';

const num = (x: number | null): string => (x === null ? '-' : formatValue(x, 3));

function statusCell(r: LayerRow): string {
  const layout = r.layout ? ` (layout: ${r.layout.description})` : '';
  return `${r.status}${layout}`;
}

function opsCell(r: LayerRow): string {
  const ops = r.op_types.filter((o) => o !== 'Constant');
  return ops.length > 4 ? `${ops.slice(0, 4).join(',')},+${ops.length - 4}` : ops.join(',') || '-';
}

/** Table rows (header first) for `rows`. */
function tableRows(rows: readonly LayerRow[], origin: string | null): string[][] {
  const out: string[][] = [['layer', 'op types', 'shape', 'accumulated max abs', 'local max abs', 'status']];
  for (const r of rows) {
    out.push([
      (r.name === origin ? '> ' : '') + describeRow(r),
      opsCell(r),
      r.shape ? `[${r.shape.join(', ')}]` : '-',
      num(r.max_abs_diff),
      num(r.local_max_abs_diff),
      statusCell(r),
    ]);
  }
  return out;
}

/** Every row, then the origin line: what `tier4 layers` prints. */
export function renderLayersTable(report: LayersReport): string {
  const lines = [
    `Per-layer parity: ${report.onnx} (${report.sample.id}, reference ${report.reference === 'stored' ? 'stored in the export dir' : 'captured from the eager model'}; ${report.tolerance.description})`,
    '',
    markdownTable(tableRows(report.layers, report.drift_origin), { align: ['l', 'l', 'l', 'r', 'r', 'l'] }),
    '',
    `${report.counts.compared} layers compared, ${report.counts.skipped} skipped; over the tolerance: ${report.counts.over_tolerance_accumulated} accumulated, ${report.counts.over_tolerance_local} local`,
  ];
  for (const r of report.layers) if (r.status === 'skipped' || r.status === 'error') lines.push(`  ${r.status}: ${r.name}: ${r.reason ?? ''}`);
  for (const w of report.warnings) lines.push(`  warning: ${w}`);
  lines.push(`drift origin (first local break): ${report.drift_origin ?? 'none'}; first over tolerance (accumulated): ${report.first_over_tolerance ?? 'none'}`);
  lines.push(report.explanation);
  return lines.join('\n');
}

/** A Markdown document of the report (for `--markdown FILE` and step summaries). */
export function renderLayersMarkdown(report: LayersReport): string {
  return [
    `## Per-layer parity: ${report.sample.id}`,
    '',
    `\`${report.onnx}\`, ${report.tolerance.description}. **${report.explanation}**`,
    '',
    `- drift origin (first layer whose local error breaks the tolerance): ${report.drift_origin ? `\`${report.drift_origin}\`` : 'none'}`,
    `- first over tolerance (accumulated): ${report.first_over_tolerance ? `\`${report.first_over_tolerance}\`` : 'none'}`,
    '',
    markdownTable(tableRows(report.layers, report.drift_origin), { align: ['l', 'l', 'l', 'r', 'r', 'l'] }),
    '',
  ].join('\n');
}

/** The worst `count` layers as a small table (matcher failure messages). */
export function renderWorstLayers(report: LayersReport, count = 5): string {
  const rows = worstLayers(report.layers, count);
  return markdownTable(tableRows(rows, report.drift_origin), { align: ['l', 'l', 'l', 'r', 'r', 'l'] });
}
