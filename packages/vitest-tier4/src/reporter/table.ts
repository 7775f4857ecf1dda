/**
 * The short summary printed after a run and appended to GITHUB_STEP_SUMMARY: one GFM table
 * (model, format, parity, max abs diff, latency ± std, status) built with `markdown-table`.
 */
import { markdownTable } from 'markdown-table';
import type { Tier4RunReport } from './types.js';

type Loose = Record<string, unknown>;

function isObject(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Format a difference: `0` exactly, else 3 significant digits in exponent form (`3.81e-6`). */
export function formatDiff(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value === null || value === undefined ? '-' : String(value);
  if (value === 0) return '0';
  return value.toExponential(2).replace('e+', 'e');
}

/** Format a latency mean and std in ms: `0.412 ± 0.031 ms`, `-` when not measured. */
export function formatLatency(mean: unknown, std: unknown): string {
  if (typeof mean !== 'number' || !Number.isFinite(mean)) return '-';
  const digits = mean >= 100 ? 1 : mean >= 10 ? 2 : 3;
  const s = typeof std === 'number' && Number.isFinite(std) ? ` ± ${std.toFixed(digits)}` : '';
  return `${mean.toFixed(digits)}${s} ms`;
}

/** Rows of the summary table, one per (model, format), header first. */
export function summaryRows(report: Tier4RunReport): string[][] {
  const rows: string[][] = [['model', 'format', 'parity', 'max abs diff', 'latency ± std', 'status']];
  for (const [model, dict] of Object.entries(report.models)) {
    const loose = dict as unknown as Loose;
    const formats = isObject(loose['formats']) ? loose['formats'] : {};
    const names = Object.keys(formats);
    if (names.length === 0) rows.push([model, '-', '-', '-', '-', String(loose['status'] ?? '-')]);
    for (const name of names) {
      const f = formats[name];
      if (!isObject(f)) continue;
      const skipped = f['status'] === 'skipped' || f['skipped'] === true;
      rows.push([
        model,
        name,
        skipped ? 'skipped' : String(f['parity'] ?? '-'),
        formatDiff(f['max_abs_diff']),
        formatLatency(f['latency_ms'], f['latency_std_ms']),
        String(f['status'] ?? '-'),
      ]);
    }
  }
  return rows;
}

function checksLine(report: Tier4RunReport): string {
  const by = { ok: 0, warn: 0, fail: 0 };
  for (const check of report.checks) by[check.status] += 1;
  const t = report.tests;
  return (
    `${report.checks.length} Tier 4 checks (${by.ok} ok, ${by.warn} warn, ${by.fail} fail); ` +
    `tests: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`
  );
}

/** The plain-text block printed in the terminal after the run. */
export function renderTerminalSummary(report: Tier4RunReport, writtenTo: string | null): string {
  const lines = ['', ' Tier 4 summary', ''];
  const rows = summaryRows(report);
  if (rows.length > 1) lines.push(...markdownTable(rows, { align: ['l', 'l', 'l', 'r', 'r', 'l'] }).split('\n'), '');
  else lines.push(report.checks.length > 0 ? ' (no Tier 4 dict: the checks named no model and format)' : ' (no Tier 4 check was recorded)', '');
  lines.push(` ${checksLine(report)}`);
  for (const reason of report.reasons.slice(0, 10)) lines.push(`   - ${reason}`);
  if (report.reasons.length > 10) lines.push(`   - ... and ${report.reasons.length - 10} more (see the report)`);
  lines.push(` Tier 4 status: ${report.status.toUpperCase()}`);
  if (writtenTo) lines.push(` Tier 4 report written to ${writtenTo}`);
  lines.push('');
  return lines.join('\n');
}

const ICON = { ok: '✅', warn: '⚠️', fail: '❌' } as const;

/** The Markdown appended to GITHUB_STEP_SUMMARY. */
export function renderMarkdownSummary(report: Tier4RunReport, writtenTo: string | null): string {
  const parts = [`### ${ICON[report.status]} Tier 4: ${report.status}`, ''];
  const rows = summaryRows(report);
  if (rows.length > 1) parts.push(markdownTable(rows, { align: ['l', 'l', 'l', 'r', 'r', 'l'] }), '');
  parts.push(checksLine(report), '');
  if (report.reasons.length > 0) {
    for (const reason of report.reasons.slice(0, 20)) parts.push(`- ${reason.replace(/\|/g, '\\|')}`);
    if (report.reasons.length > 20) parts.push(`- ... and ${report.reasons.length - 20} more`);
    parts.push('');
  }
  if (writtenTo) parts.push(`Report: \`${writtenTo}\``, '');
  return parts.join('\n') + '\n';
}
