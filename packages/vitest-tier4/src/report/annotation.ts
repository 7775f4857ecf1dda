/**
 * The key numbers of a failing check, as one line for a Vitest test annotation (shown by Vitest's UI, its
 * HTML reporter, the JUnit `<property>` and GitHub Actions annotations, without the Tier 4 reporter). Pure.
 */
import type { Tier4Record } from '../meta/types.js';
import type { ParityResult } from '../parity/types.js';
import { describeFormatTolerance } from '../tier4/outputs.js';
import type { Tier4Report } from '../tier4/types.js';
import { fmtIndex, fmtMs, fmtPercent, fmtRatio, fmtSci, fmtValue } from './format.js';

/** The annotation type vitest-tier4 uses (GitHub Actions shows it as a notice titled `tier4`). */
export const TIER4_ANNOTATION_TYPE = 'tier4';

function labels(rec: { model?: string; format?: string; output?: string; sample?: string | number }): string {
  const parts: string[] = [];
  if (rec.model !== undefined) parts.push(`model ${rec.model}`);
  if (rec.format !== undefined) parts.push(`format ${rec.format}`);
  if (rec.output !== undefined) parts.push(`output ${rec.output}`);
  if (rec.sample !== undefined) parts.push(`sample ${rec.sample}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** An SQNR in dB; null (identical tensors, +Infinity in JSON) as `+Inf dB`. */
function dbText(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${v.toFixed(1)} dB` : v === null || v === Infinity ? '+Inf dB' : String(v);
}

/** The numbers of a ParityResult that say how far off it is and what would pass. */
export function parityNumbers(p: ParityResult): string {
  const parts: string[] = [];
  if (p.reason) parts.push(p.reason);
  if (p.numel > 0) {
    parts.push(`${p.mismatched}/${p.numel} elements over tolerance (${fmtPercent(p.mismatched_fraction)})`);
    if (p.max_abs_index) parts.push(`max |a - r| ${fmtSci(p.max_abs_diff)} at ${fmtIndex(p.max_abs_index)} (actual ${fmtValue(p.max_abs_actual)}, reference ${fmtValue(p.max_abs_reference)})`);
    parts.push(`mean |a - r| ${fmtSci(p.mean_abs_diff)}`);
    const sqnr = (p as Partial<{ sqnr_db: number | null }>).sqnr_db;
    if (typeof sqnr === 'number' && Number.isFinite(sqnr)) parts.push(`SQNR ${sqnr.toFixed(1)} dB`);
  }
  if (p.nan_mismatches + p.inf_mismatches > 0) parts.push(`${p.nan_mismatches} NaN and ${p.inf_mismatches} Inf mismatches`);
  parts.push(p.tolerance.description);
  if (p.min_passing_atol !== null && p.status === 'fail') parts.push(`smallest passing atol ${fmtValue(p.min_passing_atol)}`);
  return parts.join('; ');
}

/**
 * One line with the key numbers of a matcher check (`parity`, `shape`, `dtype`, `finite`, `sqnr`, `cosine`,
 * `topk`, `latency`), e.g.
 * `tier4 parity fail (model lm_stub, format onnx, output logits, sample 0): 12/20480 elements over tolerance ...`.
 * `negated` checks say that they were expected not to hold.
 */
export function checkAnnotation(rec: Tier4Record | { kind: string; [key: string]: unknown }): string {
  const r = rec as Record<string, unknown> & { kind: string; status?: string; negated?: boolean; summary?: unknown };
  const head = `tier4 ${r.kind} ${String(r.status ?? '')}${labels(r as Parameters<typeof labels>[0])}`;
  if (r.negated === true) return `${head}: expected .not, but the check passed`;
  const s = (r.summary ?? {}) as Record<string, unknown>;
  switch (r.kind) {
    case 'parity':
      return `${head}: ${parityNumbers(s as unknown as ParityResult)}`;
    case 'shape':
      return `${head}: shape [${(s['actual_shape'] as unknown[] | undefined)?.join(', ') ?? '?'}], expected [${(s['expected_shape'] as unknown[] | undefined)?.map((d) => (d === null ? '*' : String(d))).join(', ') ?? '?'}]${typeof s['mismatch_axis'] === 'number' ? ` (axis ${s['mismatch_axis']})` : ''}`;
    case 'dtype':
      return `${head}: dtype ${String(s['actual_dtype'])}, expected ${String(s['expected_dtype'])}`;
    case 'finite':
      return `${head}: ${String(s['nan_count'])} NaN, ${String(s['posinf_count'])} +Inf, ${String(s['neginf_count'])} -Inf of ${String(s['numel'])} elements${s['first_nan_index'] ? `; first NaN at ${fmtIndex(s['first_nan_index'] as number[])}` : ''}${s['first_inf_index'] ? `; first Inf at ${fmtIndex(s['first_inf_index'] as number[])}` : ''}`;
    case 'sqnr':
      return `${head}: SQNR ${dbText(s['sqnr_db'])}, required >= ${String(s['min_db'])} dB; relative error ${fmtSci(s['relative_error'])}, cosine ${fmtValue(s['cosine'])} over ${String(s['numel'])} elements`;
    case 'cosine':
      return `${head}: cosine ${fmtValue(s['cosine'])}, required >= ${String(s['min'])}; SQNR ${dbText(s['sqnr_db'])}, relative error ${fmtSci(s['relative_error'])} over ${String(s['numel'])} elements`;
    case 'topk':
      return `${head}: top-${String(s['k'])} agreement ${fmtValue(s['agreement'])} (${String(s['matches'])}/${String(s['rows'])} rows), required >= ${String(s['min'])}${typeof s['kl_divergence'] === 'number' ? `; KL ${fmtSci(s['kl_divergence'])} nats` : ''}`;
    case 'latency':
      return `${head}: mean ${fmtMs(s['mean_ms'])}, p50 ${fmtMs(s['p50_ms'])}, p99 ${fmtMs(s['p99_ms'])} over ${String(s['iterations'])} iterations${typeof s['budget_ms'] === 'number' ? `; budget ${s['budget_ms']} ms` : ''}`;
    default:
      return head;
  }
}

/**
 * One annotation per format of a Tier 4 dict that is not `ok`: its reason, its parity numbers and its
 * latency and speed-up. Empty for an `ok` dict.
 *
 * @param key - the model key to name (e.g. `lm_stub-dynamic`).
 */
export function reportAnnotations(report: Tier4Report, key: string): Array<{ message: string; type: string }> {
  const out: Array<{ message: string; type: string }> = [];
  for (const [name, f] of Object.entries(report.formats)) {
    if (f.status === 'ok') continue;
    const parts = [f.reason ?? `status ${f.status}`];
    if (f.max_abs_diff !== null) parts.push(`max |a - r| ${fmtSci(f.max_abs_diff)}, mean ${fmtSci(f.mean_abs_diff)} (tolerance ${describeFormatTolerance(f)})`);
    if (f.worst && f.worst.max_abs_diff > 0) parts.push(`worst at ${fmtIndex(f.worst.index)} of ${f.worst.output} in ${f.worst.sample}`);
    if (f.latency_ms !== null) parts.push(`latency ${fmtMs(f.latency_ms)}${f.speedup_vs_pytorch !== null ? `, ${fmtRatio(f.speedup_vs_pytorch)} vs eager` : ''}`);
    out.push({ message: `tier4 validate ${f.status} (model ${key}, format ${name}): ${parts.join('; ')}`, type: TIER4_ANNOTATION_TYPE });
  }
  if (out.length === 0 && report.status !== 'ok') {
    out.push({ message: `tier4 validate ${report.status} (model ${key}): ${report.warnings.join('; ') || 'no format passed'}`, type: TIER4_ANNOTATION_TYPE });
  }
  return out;
}
