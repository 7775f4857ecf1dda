/**
 * The rows of the short summary table (model, format, parity, max abs diff, latency ± std, status)
 * shared by the terminal summary and the Markdown step summary. Pure.
 */
import type { Tier4RunReport } from '../reporter/types.js';
import { formatNonFinite, maxAbsDiffCell } from '../tier4/non-finite.js';

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
        skipped ? 'skipped' : String(f['parity'] ?? '-') + (typeof f['drift_origin'] === 'string' ? ` (born at ${f['drift_origin']})` : ''),
        maxAbsDiffCell(f['max_abs_diff'] as number | null, formatNonFinite(isObject(loose['parity_report']) ? (loose['parity_report'][name] as Parameters<typeof formatNonFinite>[0]) : undefined), formatDiff),
        formatLatency(f['latency_ms'], f['latency_std_ms']),
        String(f['status'] ?? '-'),
      ]);
    }
  }
  return rows;
}

/**
 * `N Tier 4 checks (a ok, b warn, c fail); tests: ...`. Checks that do not count (a failure the
 * test expected) are listed apart: `(a ok, b warn, c fail, d expected by their test)`.
 */
export function checksLine(report: Tier4RunReport): string {
  const by = { ok: 0, warn: 0, fail: 0 };
  let expected = 0;
  for (const check of report.checks) {
    if (check.counted === false) expected += 1;
    else by[check.status] += 1;
  }
  const t = report.tests;
  return (
    `${report.checks.length} Tier 4 checks (${by.ok} ok, ${by.warn} warn, ${by.fail} fail${expected > 0 ? `, ${expected} expected by their test` : ''}); ` +
    `tests: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`
  );
}
