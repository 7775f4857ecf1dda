/** The CLI's summary table and verdict line (markdown-table, shared with the reporter's style). */
import { markdownTable } from 'markdown-table';
import { formatSqnr, formatValue } from '../parity/format.js';
import { describeFormatTolerance } from '../tier4/outputs.js';
import { renderQuantizationLayers, renderQuantizationTable } from '../quantization/render.js';
import { describeGates } from '../tier4/gates.js';
import { threadsText } from '../runtimes/threading.js';
import { formatNonFinite, maxAbsDiffCell } from '../tier4/non-finite.js';
import type { Tier4FormatReport, Tier4Report } from '../tier4/types.js';

const num = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : formatValue(x));
const ms = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x < 1 ? x.toFixed(3) : x.toFixed(2));

function latencyCell(f: Tier4FormatReport): string {
  if (f.latency_ms === null) return '-';
  return `${ms(f.latency_ms)} ± ${ms(f.latency_std_ms)}`;
}

/**
 * The threshold and what it bounds: `1e-4 (max)` for fp32 (every element), `0.01 (mean)` for
 * quantized; the preset's rtol is in the note below the table (the table fits 150 columns).
 */
function thresholdCell(f: Tier4FormatReport): string {
  return `${formatValue(f.threshold)} (${f.threshold_statistic === 'elementwise' ? 'max' : f.threshold_statistic})`;
}

/**
 * The worst output's SQNR in dB: `119.7`; `+Inf` for identical outputs (the gate is in the note below the
 * table); `-` when no output was compared (every sample failed to run or came back with another shape).
 */
function sqnrCell(f: Tier4FormatReport): string {
  if (f.sqnr_db === undefined || f.parity === null) return '-';
  if (f.agreement !== null && f.agreement !== undefined && Object.keys(f.agreement).length === 0) return '-';
  return f.sqnr_db === null || f.sqnr_db === Infinity ? '+Inf' : f.sqnr_db === -Infinity ? '-Inf' : f.sqnr_db.toFixed(1);
}

/** `the scale-free gate needs >= 60 dB` (per preset when they differ), or that it is off. */
function gateText(formats: readonly Tier4FormatReport[]): string {
  const gates = [...new Set(formats.map((f) => f.min_sqnr_db).filter((g): g is number => typeof g === 'number'))];
  if (gates.length === 0) return 'the scale-free gate is off';
  return `the scale-free gate needs >= ${gates.map((g) => formatSqnr(g)).join(' / ')}`;
}

const ratio = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : `${x.toFixed(2)}x`);

/**
 * Renders the summary of a Tier 4 report: a header line, one table row per format (about 140
 * columns wide), what the thresholds bound, the latency details (clocks, eager baseline, the
 * speed-up on means and medians), the failures and the warnings.
 */
export function renderSummaryTable(report: Tier4Report): string {
  const m = report.model;
  const header = `Tier 4: ${m.name} (${m.task_type}${m.quantization ? `, quantization ${m.quantization}` : ''}) ${m.export_dir}`;
  const rows: string[][] = [
    ['format', 'status', 'parity', 'max abs diff', 'mean abs', 'threshold', 'SQNR dB', 'shape', 'latency ms', 'p50 ms', 'p99 ms', 'speed-up (mean/p50)'],
  ];
  const entries = Object.entries(report.formats);
  for (const [name, f] of entries) {
    rows.push([
      name,
      f.status.toUpperCase() + (f.skipped ? ' (skipped)' : ''),
      f.parity ?? '-',
      maxAbsDiffCell(f.max_abs_diff, formatNonFinite(report.parity_report[name]), num),
      num(f.mean_abs_diff),
      thresholdCell(f),
      sqnrCell(f),
      f.shape ?? '-',
      latencyCell(f),
      ms(f.latency_p50_ms),
      ms(f.latency_p99_ms),
      f.speedup_vs_pytorch === null ? '-' : `${ratio(f.speedup_vs_pytorch)} / ${ratio(f.speedup_vs_pytorch_p50)}`,
    ]);
  }
  const lines = [header, '', markdownTable(rows, { align: ['l', 'l', 'l', 'r', 'r', 'l', 'r', 'l', 'r', 'r', 'r', 'r'] })];

  const checked = Math.max(0, ...entries.map(([, f]) => f.samples_checked));
  if (checked > 0) {
    const judged = entries.find(([, f]) => f.samples_checked > 0)![1];
    const tolerance = describeFormatTolerance(judged);
    lines.push(
      '',
      judged.threshold_preset === 'quantized'
        ? `Parity vs the eager PyTorch fp32 outputs on ${checked} sample(s); quantized export: the threshold bounds the mean |actual - reference| of each output (max abs diff shown for information), ${tolerance}.`
        : `Parity vs the eager PyTorch outputs on ${checked} sample(s); fp32 export: every element's |actual - reference| must be <= atol + rtol * |reference|, ${tolerance}.`,
      `SQNR dB: 20 log10(||reference|| / ||actual - reference||) of the worst output over all samples, the same at any output scale; ${gateText(entries.map(([, f]) => f))}.`,
    );
  }
  const quantization = renderQuantizationTable(report);
  if (quantization) lines.push('', quantization);
  const layerNames = renderQuantizationLayers(report);
  if (layerNames) lines.push('', layerNames);
  const timed = entries.filter(([, f]) => f.latency);
  if (timed.length > 0) {
    const l0 = timed[0]![1].latency!;
    // under a time budget each runner measured its own number of iterations: the rule in the header, the count on each line
    const budgeted = l0.time_budget_ms !== null;
    const rule = budgeted
      ? `${l0.min_iterations} to ${l0.max_iterations} iterations (stopping once they took ${l0.time_budget_ms} ms) after ${l0.warmup} warm-up, mean ± std (p50, n measured)`
      : `${l0.iterations} iterations after ${l0.warmup} warm-up, mean ± std (p50)`;
    const stats = (l: NonNullable<typeof l0>): string => `${ms(l.mean_ms)} ± ${ms(l.std_ms)} (p50 ${ms(l.p50_ms)}${budgeted ? `, n ${l.iterations}` : ''})`;
    lines.push('', `Latency (ms) on ${l0.sample} (batch ${l0.batch_size}), ${rule}:`);
    const base = timed.find(([, f]) => f.pytorch_latency)?.[1].pytorch_latency;
    for (const [name, f] of timed) {
      const l = f.latency!;
      const speed = f.speedup_vs_pytorch === null ? '' : `; speed-up vs eager PyTorch ${ratio(f.speedup_vs_pytorch)} on means, ${ratio(f.speedup_vs_pytorch_p50)} on medians`;
      lines.push(`  ${name}: ${stats(l)}${speed}; ${threadsText(f.threads)}; timed by ${l.clock}`);
    }
    const baseThreads = timed.find(([, f]) => f.pytorch_threads)?.[1].pytorch_threads;
    if (base) lines.push(`  eager PyTorch: ${stats(base)}; ${threadsText(baseThreads)}; timed by ${base.clock}`);
  }
  if (report.model.outputs.length > 1) {
    lines.push('', 'Per output (threshold, max abs diff, samples failed):');
    for (const [name, f] of entries) {
      if (!f.outputs) continue;
      const parts = Object.entries(f.outputs).map(
        ([o, s]) => `${o} ${s.status} (${formatValue(s.threshold)}, ${num(s.max_abs_diff)}, ${s.samples_failed})`,
      );
      lines.push(`  ${name}: ${parts.join('; ')}`);
    }
  }
  const gated = entries.filter(([, f]) => f.gates && f.gates.length > 0);
  if (gated.length > 0) lines.push('', 'Gates:', ...gated.map(([name, f]) => `  ${name}: ${describeGates(f.gates!)}`));
  const failed = entries.filter(([, f]) => f.status === 'fail' && f.reason);
  if (failed.length > 0) lines.push('', 'Failures:', ...failed.map(([name, f]) => `  ${name}: ${f.reason}`));
  if (report.warnings.length > 0) lines.push('', 'Warnings:', ...report.warnings.map((w) => `  ${w}`));
  // metadata.json's export notes (what the exporter changed on its copy, or found in it): context, not warnings
  const notes = report.model.export_notes ?? [];
  if (notes.length > 0) lines.push('', 'Export notes:', ...notes.map((n) => `  ${n}`));
  return lines.join('\n');
}

/** `; gates: onnx speed-up >= 1.5x: 5.74x ok; ...` for the verdict line, or '' without gates. */
function gatesSuffix(report: Tier4Report): string {
  const parts = Object.entries(report.formats)
    .filter(([, f]) => f.gates && f.gates.length > 0)
    .map(([name, f]) => `${name} ${describeGates(f.gates!)}`);
  return parts.length === 0 ? '' : `; gates: ${parts.join('; ')}`;
}

/** The one-line verdict: `tier4: OK|WARN|FAIL <model>: <reason>[; gates: ...]` (every gate asked for is shown). */
export function verdictLine(report: Tier4Report): string {
  return verdictText(report) + gatesSuffix(report);
}

function verdictText(report: Tier4Report): string {
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
