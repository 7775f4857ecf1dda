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
