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
  const lines = [
    'Quantization (ratios quantized / fp32 baseline: file size, quantized weights, resident memory; metrics vs the eager fp32 outputs over all checked samples):',
    '',
    markdownTable(rows, { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l'] }),
  ];
  const small = Object.entries(report.formats).filter(([, f]) => f.quantization?.fp32_memory_bytes != null && f.quantization.fp32_memory_bytes < COARSE_MEMORY_BYTES);
  if (small.length > 0) {
    const sizes = small.map(([name, f]) => `${name} ${(f.quantization!.fp32_memory_bytes! / 2 ** 20).toFixed(1)} MB`).join(', ');
    lines.push(
      '',
      `Memory: the fp32 baseline holds under ${COARSE_MEMORY_BYTES / 2 ** 20} MB resident (${sizes}): at that size pages and allocator pools dominate the ratio, which can move between runs (docs/tier4-report.md#the-quantization-audit-measured).`,
    );
  }
  return lines.join('\n');
}

/**
 * Below this resident size of the fp32 baseline the CLI says the memory ratio is coarse: measured here, an 11.6 MB
 * MLP gives stable ratios (0.25 int8 ONNX, 0.58 TorchScript) while sub-MB models move between runs (0.67 and 1.00).
 */
export const COARSE_MEMORY_BYTES = 4 * 2 ** 20;

/** Per-layer SQNR rows printed by {@link renderQuantizationLayers}; the JSON has them all. */
export const PRINTED_LAYER_SQNR_ROWS = 8;

/**
 * The verbose form of the quantization sections (`quantization: { verbose: true }`, `tier4 validate --verbose`):
 * per format the quantized layers, the layers kept fp32 grouped by their reason, and the lowest per-layer SQNR
 * values. Null when no section carries names (not verbose).
 */
export function renderQuantizationLayers(report: Tier4Report): string | null {
  const lines: string[] = [];
  for (const [name, f] of Object.entries(report.formats)) {
    const q = f.quantization;
    if (!q?.layer_names) continue;
    const { quantized, kept_fp32: kept } = q.layer_names;
    lines.push(`  ${name}: ${quantized.length} quantized: ${quantized.map((l) => l.name).join(', ') || '-'}`);
    const byReason = new Map<string, string[]>();
    for (const l of kept) byReason.set(l.reason ?? 'no reason given', [...(byReason.get(l.reason ?? 'no reason given') ?? []), l.name]);
    for (const [reason, names] of byReason) lines.push(`  ${name}: ${names.length} kept fp32 (${reason}): ${names.join(', ')}`);
    const rows = [...(q.layer_sqnr ?? [])].sort((a, b) => (a.sqnr_db ?? Infinity) - (b.sqnr_db ?? Infinity));
    if (rows.length > 0) {
      const shown = rows.slice(0, PRINTED_LAYER_SQNR_ROWS).map((l) => `${l.name} ${db(l.sqnr_db)}${l.local ? ` (accumulated ${db(l.accumulated_sqnr_db)})` : ''}`);
      const more = rows.length > shown.length ? `; ${rows.length - shown.length} more in the JSON (layer_sqnr)` : '';
      lines.push(`  ${name}: per-layer SQNR, lowest first (the layer alone on its eager inputs): ${shown.join(', ')}${more}`);
    }
  }
  if (lines.length === 0) return null;
  return ['Quantized layers:', ...lines].join('\n');
}
