/** The CLI's summary table and verdict line (markdown-table, shared with the reporter's style). */
import { markdownTable } from 'markdown-table';
import { formatValue } from '../parity/format.js';
import type { Tier4FormatReport, Tier4Report } from '../tier4/types.js';

const num = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : formatValue(x));
const ms = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x < 1 ? x.toFixed(3) : x.toFixed(2));

function latencyCell(f: Tier4FormatReport): string {
  if (f.latency_ms === null) return '-';
  return `${ms(f.latency_ms)} ± ${ms(f.latency_std_ms)}`;
}

function thresholdCell(f: Tier4FormatReport): string {
  return `${formatValue(f.threshold)} (${f.threshold_preset}, ${f.threshold_statistic})`;
}

/**
 * Renders the summary of a Tier 4 report: a header line, one table row per format, the
 * warnings and the reasons of failed formats.
 */
export function renderSummaryTable(report: Tier4Report): string {
  const m = report.model;
  const header = `Tier 4: ${m.name} (${m.task_type}${m.quantization ? `, quantization ${m.quantization}` : ''}) ${m.export_dir}`;
  const rows: string[][] = [
    ['format', 'status', 'parity', 'max abs diff', 'mean abs diff', 'threshold', 'shape', 'latency ms (mean ± std)', 'p50 ms', 'p99 ms', 'speed-up vs PyTorch (mean, p50)'],
  ];
  for (const [name, f] of Object.entries(report.formats)) {
    rows.push([
      name,
      f.status.toUpperCase() + (f.skipped ? ' (skipped)' : ''),
      f.parity ?? '-',
      num(f.max_abs_diff),
      num(f.mean_abs_diff),
      thresholdCell(f),
      f.shape ?? '-',
      latencyCell(f),
      ms(f.latency_p50_ms),
      ms(f.latency_p99_ms),
      f.speedup_vs_pytorch === null ? '-' : `${f.speedup_vs_pytorch.toFixed(2)}x, ${f.speedup_vs_pytorch_p50 == null ? '-' : `${f.speedup_vs_pytorch_p50.toFixed(2)}x`}`,
    ]);
  }
  const lines = [header, '', markdownTable(rows, { align: ['l', 'l', 'l', 'r', 'r', 'l', 'l', 'r', 'r', 'r', 'r'] })];
  const clocks = Object.entries(report.formats)
    .filter(([, f]) => f.latency)
    .map(([name, f]) => `  ${name}: ${f.latency!.clock}${f.pytorch_latency ? `; eager PyTorch ${ms(f.pytorch_latency.mean_ms)} ± ${ms(f.pytorch_latency.std_ms)} ms` : ''}`);
  if (clocks.length > 0) {
    const first = Object.values(report.formats).find((f) => f.latency)!.latency!;
    lines.push('', `Latency on ${first.sample} (batch ${first.batch_size}), ${first.iterations} iterations after ${first.warmup} warm-up:`, ...clocks);
  }
  const failed = Object.entries(report.formats).filter(([, f]) => f.status === 'fail' && f.reason);
  if (failed.length > 0) lines.push('', 'Failures:', ...failed.map(([name, f]) => `  ${name}: ${f.reason}`));
  if (report.warnings.length > 0) lines.push('', 'Warnings:', ...report.warnings.map((w) => `  ${w}`));
  return lines.join('\n');
}

/** The one-line verdict: `tier4: OK|WARN|FAIL <model>: <reason>`. */
export function verdictLine(report: Tier4Report): string {
  const name = report.model.name;
  const entries = Object.entries(report.formats);
  if (report.status === 'fail') {
    const failed = entries.find(([, f]) => f.status === 'fail');
    const why = failed ? `${failed[0]}: ${failed[1].reason ?? 'failed'}` : (report.warnings[0] ?? 'no format validated');
    return `tier4: FAIL ${name}: ${why}`;
  }
  const validated = entries.filter(([, f]) => !f.skipped).map(([n]) => n);
  if (report.status === 'warn') {
    return `tier4: WARN ${name}: ${validated.join(', ')} validated; ${report.warnings[0] ?? 'see warnings'}`;
  }
  return `tier4: OK ${name}: ${validated.join(', ')} validated (shape and parity on every sample)`;
}
