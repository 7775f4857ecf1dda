// Generated from packages/vitest-tier4/schema/tier4-report.schema.json (definitions.parity) by
// scripts/schema-types.mjs (json-schema-to-typescript). Do not edit: change the schema, then run
// `pnpm run schema:types` (`pnpm run check` fails while this file is stale).
import type { DType } from './dtype.js';

/**
 * Verdict: 'ok' passes, 'warn' passes with a caveat (a small allowed mismatch fraction, a skipped format, a budget), 'fail' fails.
 */
export type ParityStatus = 'ok' | 'warn' | 'fail';
/**
 * Names of the built-in tolerance presets.
 */
export type PresetName = 'fp32' | 'fp16' | 'bf16' | 'quantized' | 'exact';
/**
 * Which error statistic decides the verdict: `'elementwise'`: every element must satisfy |a - r| <= atol + rtol * |r| (numpy.testing.assert_allclose); `'mean'`: mean(|a - r|) <= atol + rtol * mean(|r|); `{ quantile: q }`: the q-quantile of |a - r| (0 <= q <= 1) <= atol + rtol * mean(|r|).
 */
export type ErrorStatistic =
  | ('elementwise' | 'mean')
  | {
      quantile: number;
    };

/**
 * Result of `checkParity` (docs/tolerances.md). JSON-serialisable (no Infinity, no NaN, no tensors).
 */
export interface ParityResult {
  /**
   * True for status 'ok' and 'warn'.
   */
  pass: boolean;
  status: ParityStatus;
  /**
   * Why it failed when the values were not compared or the failure is structural (shape, dtype kind, NaN/Inf), else absent.
   */
  reason?: string;
  /**
   * Number of elements compared (0 when the shapes differ).
   */
  numel: number;
  /**
   * Number of elements violating the elementwise rule (including NaN and Inf mismatches).
   */
  mismatched: number;
  /**
   * mismatched / numel (0 when numel is 0).
   */
  mismatched_fraction: number;
  /**
   * Multi-dimensional index of the first mismatching element, or null.
   */
  first_mismatch_index: number[] | null;
  /**
   * Greatest |a - r| over elements where both values are finite (0 when none).
   */
  max_abs_diff: number;
  /**
   * Index of max_abs_diff, or null when no finite pair exists.
   */
  max_abs_index: number[] | null;
  /**
   * Actual value at max_abs_index (null when none).
   */
  max_abs_actual: number | null;
  /**
   * Reference value at max_abs_index (null when none).
   */
  max_abs_reference: number | null;
  /**
   * Mean |a - r| over elements where both values are finite.
   */
  mean_abs_diff: number;
  /**
   * Greatest |a - r| / max(|r|, rel_floor) over finite pairs: never Infinity.
   */
  max_rel_diff: number;
  /**
   * Index of max_rel_diff, or null.
   */
  max_rel_index: number[] | null;
  /**
   * Actual value at max_rel_index.
   */
  max_rel_actual: number | null;
  /**
   * Reference value at max_rel_index.
   */
  max_rel_reference: number | null;
  /**
   * Floor of the relative-difference denominator.
   */
  rel_floor: number;
  /**
   * ||a - r|| / ||r|| over the finite pairs; null when infinite (all-zero reference).
   */
  relative_error: number | null;
  /**
   * 20 log10(||r|| / ||a - r||) in dB; null when infinite (identical values: +Infinity).
   */
  sqnr_db: number | null;
  /**
   * Cosine similarity of actual and reference.
   */
  cosine: number;
  norms: NormSums;
  /**
   * Elements where exactly one side is NaN.
   */
  nan_mismatches: number;
  /**
   * Elements where an infinity is not matched by the same infinity on the other side (and neither is NaN).
   */
  inf_mismatches: number;
  tolerance: ResolvedTolerance;
  /**
   * Value of the deciding statistic: max over elements of |a-r| - rtol*|r| (elementwise), the mean, or the quantile.
   */
  statistic_value: number;
  /**
   * Threshold the statistic is compared with (atol for elementwise; atol + rtol * mean|r| otherwise).
   */
  threshold: number;
  /**
   * Smallest atol that would have passed at the given rtol (for 'mean'/quantile: the statistic's value minus the rtol part); null when no atol can pass (NaN/Inf mismatches, shape or dtype-kind mismatch).
   */
  min_passing_atol: number | null;
  /**
   * Shape of the actual tensor.
   */
  actual_shape: number[];
  /**
   * Shape of the reference tensor.
   */
  reference_shape: number[];
  actual_dtype: DType;
  reference_dtype: DType;
  /**
   * True when the element types differ (always reported, fails only across float/integer kinds).
   */
  dtype_mismatch: boolean;
  abs_diff_histogram?: AbsDiffHistogram;
  exact_values?: ExactIntegerValues;
}
/**
 * Running sums behind the scale-free statistics, over the elements where both values are finite (e = actual - reference). They add up across tensors: the statistics of several samples of one output are those of their summed NormSums (`addNormSums`, `scaleFreeStats`). A sum that overflowed to Infinity is null in JSON.
 */
export interface NormSums {
  /**
   * Σ r² (squared norm of the reference).
   */
  sum_sq_reference: number;
  /**
   * Σ (a - r)² (squared norm of the difference).
   */
  sum_sq_diff: number | null;
  /**
   * Σ r (a - r).
   */
  sum_ref_diff: number | null;
  /**
   * Number of elements summed.
   */
  count: number;
}
/**
 * The tolerance actually applied, as recorded in a ParityResult (JSON-serialisable).
 */
export interface ResolvedTolerance {
  /**
   * Preset the tolerance came from, or null for an explicit tolerance.
   */
  preset: PresetName | null;
  /**
   * Absolute tolerance.
   */
  atol: number;
  /**
   * Relative tolerance.
   */
  rtol: number;
  statistic: ErrorStatistic;
  /**
   * Fraction of mismatching elements that still passes with status 'warn'.
   */
  allowed_mismatch_fraction: number;
  /**
   * True when integer and boolean tensors are compared exactly (presets); false under explicit atol/rtol.
   */
  exact_integers: boolean;
  /**
   * Human-readable description, e.g. `preset fp32 (atol 1e-4, rtol 1e-4)`.
   */
  description: string;
}
/**
 * |actual - reference| in power-of-two bins: counts[i] elements with 2^(first_exponent + i) <= |a - r| < 2^(first_exponent + i + 1); zero counts the exact zeros. NaN and infinite pairs are not counted.
 */
export interface AbsDiffHistogram {
  zero: number;
  first_exponent: number | null;
  counts: number[];
}
/**
 * Exact decimal values for 64-bit integer tensors, present only when one of the numbers of the ParityResult lies beyond 2^53 and the JSON number is therefore rounded (`"9007199254740993"`). The verdict never uses the rounded numbers: int64/uint64 are compared as BigInt.
 */
export interface ExactIntegerValues {
  max_abs_diff: string;
  max_abs_actual: string;
  max_abs_reference: string;
  max_rel_actual: string;
  max_rel_reference: string;
}
