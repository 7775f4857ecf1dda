/**
 * The short summary printed after a run: one GFM-style table (model, format, parity, max abs diff,
 * latency ± std, status) built with `markdown-table`. The rows and the Markdown step summary live in
 * the report room (`report/summary.ts`, `report/markdown.ts`).
 */
import { markdownTable } from 'markdown-table';
import { checksLine, summaryRows } from '../report/summary.js';
import type { Tier4RunReport } from './types.js';

export { formatDiff, formatLatency, summaryRows } from '../report/summary.js';
export { renderMarkdownSummary } from '../report/markdown.js';

/** The plain-text block printed in the terminal after the run. */
export function renderTerminalSummary(report: Tier4RunReport, writtenTo: string | null, htmlWrittenTo: string | null = null): string {
  const lines = ['', ' Tier 4 summary', ''];
  const rows = summaryRows(report);
  if (rows.length > 1) lines.push(...markdownTable(rows, { align: ['l', 'l', 'l', 'r', 'r', 'l'] }).split('\n'), '');
  else lines.push(report.checks.length > 0 ? ' (no Tier 4 dict: the checks named no model and format)' : ' (no Tier 4 check was recorded)', '');
  lines.push(` ${checksLine(report)}`);
  for (const reason of report.reasons.slice(0, 10)) lines.push(`   - ${reason}`);
  if (report.reasons.length > 10) lines.push(`   - ... and ${report.reasons.length - 10} more (see the report)`);
  lines.push(` Tier 4 status: ${report.status.toUpperCase()}`);
  if (writtenTo) lines.push(` Tier 4 report written to ${writtenTo}`);
  if (htmlWrittenTo) lines.push(` HTML report: ${htmlWrittenTo}`);
  lines.push('');
  return lines.join('\n');
}
