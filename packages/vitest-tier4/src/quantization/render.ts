/**
 * The quantization table the CLI prints under its summary: one row per quantized format with the figures a
 * deployment engineer reads (what shrank, by how much, how close, which layer costs most, the verdict).
 *
 * @packageDocumentation
 */
import { markdownTable } from 'markdown-table';
import type { Tier4Report } from '../tier4/types.js';

const fixed = (x: number | null, digits: number): string => (x === null ? '-' : x.toFixed(digits));
const db = (x: number | null): string => (x === null ? '-' : `${x.toFixed(1)} dB`);
const exp = (x: number | null): string => (x === null ? '-' : x === 0 ? '0' : x.toExponential(2));

/** The table, or null when no format has a quantization section. */
export function renderQuantizationTable(report: Tier4Report): string | null {
  const rows: string[][] = [['format', 'layers q/fp32', 'size', 'weights', 'memory', 'rel. error', 'SQNR', 'cosine', 'top-1', 'KL', 'worst layer', 'verdict']];
  for (const [name, f] of Object.entries(report.formats)) {
    const q = f.quantization;
    if (!q) continue;
    rows.push([
      name,
      `${q.layers_quantized ?? '-'}/${q.layers_kept_fp32 ?? '-'}`,
      fixed(q.size_ratio, 3),
      fixed(q.weight_bytes_ratio, 3),
      fixed(q.memory_ratio, 3),
      exp(q.relative_error),
      q.sqnr_db === null && q.relative_error === 0 ? '+inf' : db(q.sqnr_db),
      q.cosine === null ? '-' : q.cosine.toFixed(6),
      fixed(q.top1_agreement, 4),
      exp(q.kl_divergence),
      q.worst_layer ? `${q.worst_layer.name} (${db(q.worst_layer.sqnr_db)})` : '-',
      q.status + (q.reason ? `: ${q.reason}` : ''),
    ]);
  }
  if (rows.length === 1) return null;
  return [
    'Quantization (ratios quantized / fp32 baseline: file size, quantized weights, resident memory; metrics vs the eager fp32 outputs over all checked samples):',
    '',
    markdownTable(rows, { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l'] }),
  ].join('\n');
}
