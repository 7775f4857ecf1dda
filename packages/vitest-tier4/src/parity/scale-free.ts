/**
 * Scale-free agreement of two tensors: relative error, SQNR and cosine similarity, from three sums that
 * checkParity accumulates in its one pass over the data (no second pass, no copy). The sums merge by addition,
 * so the same statistics over several samples of one output are those of their summed {@link NormSums}.
 *
 * With e = a - r (actual minus reference) over the elements where both values are finite:
 *
 * - relative_error = ||e|| / ||r||
 * - sqnr_db = 20 log10(||r|| / ||e||) (= -20 log10(relative_error))
 * - cosine = <a, r> / (||a|| ||r||), with <a, r> = Σr² + Σr·e and ||a||² = Σr² + 2Σr·e + Σe²
 *
 * Accumulating Σe² directly (not Σa² - 2Σa·r + Σr²) keeps the tiny error of an fp32 export exact: no
 * cancellation between two nearly equal large sums.
 */
import type { NormSums, ScaleFreeStats } from './types.js';

/** Sums of nothing: the identity of {@link addNormSums}. */
export function emptyNormSums(): NormSums {
  return { sum_sq_reference: 0, sum_sq_diff: 0, sum_ref_diff: 0, count: 0 };
}

/**
 * A sum as a number: JSON writes a sum that overflowed to ±Infinity as `null` (a result read back from
 * task.meta or a report), and `null + x` would silently be `x`.
 */
function sum(v: number | null, sign = 1): number {
  return v ?? sign * Infinity;
}

/** Adds `b` into `a` (in place) and returns `a`: the sums of both element sets. */
export function addNormSums(a: NormSums, b: Readonly<NormSums>): NormSums {
  a.sum_sq_reference += b.sum_sq_reference;
  a.sum_sq_diff = sum(a.sum_sq_diff) + sum(b.sum_sq_diff);
  a.sum_ref_diff = sum(a.sum_ref_diff) + sum(b.sum_ref_diff);
  a.count += b.count;
  return a;
}

/**
 * The scale-free statistics of accumulated sums.
 *
 * Edge cases: identical values (Σe² = 0, including two all-zero tensors) give relative_error 0, sqnr_db
 * +Infinity and cosine 1. An all-zero reference against a nonzero actual gives relative_error +Infinity,
 * sqnr_db -Infinity and cosine 0 (no direction to agree with). A JSON writer turns the infinities into `null`.
 *
 * @param sums - Σr², Σ(a - r)², Σr(a - r) over the compared elements (e.g. `ParityResult.norms`).
 */
export function scaleFreeStats(sums: Readonly<NormSums>): ScaleFreeStats {
  const r2 = sums.sum_sq_reference;
  const e2 = sum(sums.sum_sq_diff);
  const re = sum(sums.sum_ref_diff);
  if (e2 === 0) return { relative_error: 0, sqnr_db: Infinity, cosine: 1 };
  const nr = Math.sqrt(r2);
  const ne = Math.sqrt(e2);
  if (nr === 0) return { relative_error: Infinity, sqnr_db: -Infinity, cosine: 0 };
  const rel = ne / nr;
  const a2 = r2 + 2 * re + e2;
  let cosine = a2 > 0 && Number.isFinite(a2) ? (r2 + re) / (Math.sqrt(a2) * nr) : 0;
  if (!Number.isFinite(cosine)) cosine = 0;
  cosine = Math.max(-1, Math.min(1, cosine));
  return { relative_error: rel, sqnr_db: 20 * Math.log10(nr / ne), cosine };
}
