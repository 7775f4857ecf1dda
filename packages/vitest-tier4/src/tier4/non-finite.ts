/**
 * NaN and Inf in runTier4's verdicts: a reference output that is not finite fails the export
 * (NaN equals NaN on both sides, so a model whose weights are NaN would otherwise validate as
 * `ok`), unless the user allows it for that output; a format output with NaN where the reference
 * is finite is described as such, never as "max abs diff 0 at n/a".
 */
import { countNonFinite, type FiniteCensus } from '../parity/finite.js';
import { formatIndex } from '../parity/format.js';
import type { ParityResult, TensorLike } from '../parity/types.js';

/** `40 NaN (first at [0, 0]) and 2 Inf (first at [1, 3]) of 40 elements`. */
export function describeNonFinite(c: FiniteCensus): string {
  const parts: string[] = [];
  if (c.nan_count > 0) parts.push(`${c.nan_count} NaN (first at ${formatIndex(c.first_nan_index)})`);
  const inf = c.posinf_count + c.neginf_count;
  if (inf > 0) parts.push(`${inf} Inf (first at ${formatIndex(c.first_inf_index)})`);
  return `${parts.join(' and ')} of ${c.numel} elements`;
}

/**
 * Why a reference output fails the export because it is not finite, or `null` when it is finite
 * or the user allows non-finite values for it (`allowNonFinite`).
 */
export function referenceNonFiniteReason(output: string, sample: string, reference: TensorLike, allowed: readonly string[] | undefined): string | null {
  if (allowed?.includes(output)) return null;
  const c = countNonFinite(reference, 'reference');
  if (c.nan_count + c.posinf_count + c.neginf_count === 0) return null;
  return (
    `reference output '${output}' (${sample}) is not finite: ${describeNonFinite(c)}; the eager model's own output, ` +
    `so parity cannot judge it (allowNonFinite: ['${output}'], CLI --allow-non-finite ${output}, accepts it)`
  );
}

/**
 * The reason of a parity failure caused by NaN/Inf in the actual output where the reference is
 * finite, or `null` when the failure has no such element.
 */
export function nonFiniteParityReason(output: string, sample: string, p: ParityResult, actual: TensorLike): string | null {
  if (p.nan_mismatches + p.inf_mismatches === 0) return null;
  const c = countNonFinite(actual, 'actual');
  const finite =
    p.max_abs_index === null
      ? 'no finite pair to compare'
      : `max abs diff over the finite pairs ${p.max_abs_diff} at ${formatIndex(p.max_abs_index)}`;
  return (
    `output '${output}' (${sample}): ${p.mismatched}/${p.numel} elements over tolerance (${p.tolerance.description}); ` +
    `the output has ${describeNonFinite(c)} (${p.nan_mismatches} NaN and ${p.inf_mismatches} Inf where the reference differs); ${finite}`
  );
}

/** NaN and Inf elements of one format's outputs where the reference has none (see {@link formatNonFinite}). */
export interface NonFiniteCounts {
  /** Elements where exactly one side is NaN. */
  nan: number;
  /** Elements where an infinity is not matched by the same infinity. */
  inf: number;
}

/** The part of a format's parity report that {@link formatNonFinite} reads (`parity_report.<format>`). */
type SampleReports = Readonly<Record<string, { outputs?: Readonly<Record<string, { parity?: { nan_mismatches?: number; inf_mismatches?: number } | null }>> }>>;

/** Sums the NaN and Inf mismatches of one format over its samples and outputs (`parity_report.<format>`). */
export function formatNonFinite(samples: SampleReports | undefined): NonFiniteCounts {
  const counts = { nan: 0, inf: 0 };
  for (const sample of Object.values(samples ?? {})) {
    for (const output of Object.values(sample.outputs ?? {})) {
      counts.nan += output.parity?.nan_mismatches ?? 0;
      counts.inf += output.parity?.inf_mismatches ?? 0;
    }
  }
  return counts;
}

/**
 * The "max abs diff" cell of a summary table: the value as `format` writes it, plus the NaN and Inf
 * the format produced where the reference is finite. That is `10 NaN` when no finite pair differs,
 * else `3.10e-5 + 10 NaN, 2 Inf`. A NaN output used to show as "0" (the reason names the first index).
 */
export function maxAbsDiffCell(maxAbs: number | null | undefined, counts: NonFiniteCounts, format: (value: number | null | undefined) => string): string {
  const parts: string[] = [];
  if (counts.nan > 0) parts.push(`${counts.nan} NaN`);
  if (counts.inf > 0) parts.push(`${counts.inf} Inf`);
  if (parts.length === 0) return format(maxAbs);
  const bad = parts.join(', ');
  return maxAbs === null || maxAbs === undefined || maxAbs === 0 ? bad : `${format(maxAbs)} + ${bad}`;
}
