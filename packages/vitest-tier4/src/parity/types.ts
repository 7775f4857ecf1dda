/**
 * Public types of the parity core. Pure data types: no Vitest, onnxruntime or Node imports.
 *
 * Records that end up in JSON (ParityResult, ResolvedTolerance) use snake_case field names;
 * option objects use camelCase.
 */

/** Element types understood by the parity core (normalised names). */
export type DType =
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool';

/** Any typed array the parity core can read. */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A (possibly nested) plain JavaScript array of numbers, bigints or booleans, or a scalar. */
export type NestedArray = number | bigint | boolean | readonly NestedArray[];

/**
 * An object carrying tensor data, matched by duck typing:
 * - onnxruntime `Tensor`: `{ data, dims, type }` (float16 data may be a Uint16Array of raw half bits or a Float16Array),
 * - npyjs arrays: `{ data, shape, dtype, fortranOrder }` with numpy dtype codes (`'f4'`, `'f2'`, `'i8'`, `'b1'` ...),
 * - `TensorData` from vitest-tier4-fixtures: `{ dtype, shape, data }` (float16 data is a Uint16Array of raw bits),
 * - plain `{ data, shape }` or `{ data, dims }`.
 */
export interface TensorObjectLike {
  /**
   * Flat, row-major element data: a typed array or a plain array. Typed as ArrayBufferView too because npyjs
   * declares its `data` that way (a DataView is rejected at run time).
   */
  readonly data: ArrayLike<unknown> | TypedArray | ArrayBufferView;
  /** Shape (npyjs, TensorData). */
  readonly shape?: readonly number[];
  /** Shape (onnxruntime). */
  readonly dims?: readonly number[];
  /** Element type name (TensorData, npyjs codes such as `'f4'`). */
  readonly dtype?: string;
  /** Element type name (onnxruntime). */
  readonly type?: string;
  /** npyjs: true when the data is column-major (a Fortran-ordered `.npy` file); it is reordered to row-major. */
  readonly fortranOrder?: boolean;
}

/** Anything `checkParity` and the matchers accept as a tensor. */
export type TensorLike = TensorObjectLike | TypedArray | NestedArray;

/** Names of the built-in tolerance presets. */
export type PresetName = 'fp32' | 'fp16' | 'bf16' | 'quantized' | 'exact';

/**
 * Which error statistic decides the verdict:
 * - `'elementwise'`: every element must satisfy |a - r| <= atol + rtol * |r| (numpy.testing.assert_allclose),
 * - `'mean'`: mean(|a - r|) <= atol + rtol * mean(|r|),
 * - `{ quantile: q }`: the q-quantile of |a - r| (0 <= q <= 1) <= atol + rtol * mean(|r|).
 */
export type ErrorStatistic = 'elementwise' | 'mean' | { readonly quantile: number };

/** Tolerance given as an object: explicit atol/rtol, optionally on top of a preset. */
export interface ToleranceObject {
  /** Absolute tolerance (default: the preset's, or 0 when only rtol is given). */
  readonly atol?: number;
  /** Relative tolerance, scaled by |reference| (default: the preset's, or 0 when only atol is given). */
  readonly rtol?: number;
  /** Start from this preset, then override with atol/rtol. */
  readonly preset?: PresetName;
  /** Error statistic (default: the preset's, else 'elementwise'). */
  readonly statistic?: ErrorStatistic;
  /** Fraction of mismatching elements (0..1) that gives status 'warn' instead of 'fail'. Default 0. */
  readonly allowedMismatchFraction?: number;
}

/** A preset map such as `{ fp32: 1e-4 }` or `{ quantized: 1e-2 }`: the preset with its threshold (atol) replaced. */
export type PresetMap = { readonly [K in PresetName]?: number };

/**
 * A tolerance: a number (atol, rtol 0), `{ atol, rtol }`, a preset name, or a preset map.
 * Omitted: the `fp32` preset.
 */
export type ToleranceSpec = number | PresetName | ToleranceObject | PresetMap;

/** The tolerance actually applied, as recorded in a ParityResult (JSON-serialisable). */
export interface ResolvedTolerance {
  /** Preset the tolerance came from, or null for an explicit tolerance. */
  preset: PresetName | null;
  /** Absolute tolerance. */
  atol: number;
  /** Relative tolerance. */
  rtol: number;
  /** Statistic deciding the verdict. */
  statistic: ErrorStatistic;
  /** Fraction of mismatching elements that still passes with status 'warn'. */
  allowed_mismatch_fraction: number;
  /** True when integer and boolean tensors are compared exactly (presets); false under explicit atol/rtol. */
  exact_integers: boolean;
  /** Human-readable description, e.g. `preset fp32 (atol 1e-4, rtol 1e-4)`. */
  description: string;
}

/** Verdict of a parity check: 'ok' passes, 'warn' passes with a small allowed mismatch fraction, 'fail' fails. */
export type ParityStatus = 'ok' | 'warn' | 'fail';

/**
 * Running sums behind the scale-free statistics, over the elements where both values are finite
 * (e = actual - reference). They add up across tensors: the statistics of several samples of one output are
 * {@link ScaleFreeStats} of their summed NormSums (`addNormSums`, `scaleFreeStats`).
 */
export interface NormSums {
  /** Σ r² (squared norm of the reference). */
  sum_sq_reference: number;
  /** Σ (a - r)² (squared norm of the difference). */
  sum_sq_diff: number;
  /** Σ r (a - r). */
  sum_ref_diff: number;
  /** Number of elements summed. */
  count: number;
}

/**
 * Scale-free agreement of an output with its reference: the same numbers at any output scale, so a check of
 * logits near 1e-9 means what a check of logits near 10 means. The quantization section uses the same keys.
 */
export interface ScaleFreeStats {
  /** ||a - r|| / ||r|| (0 when identical; +Infinity, `null` in JSON, when the reference is all zeros and actual is not). */
  relative_error: number;
  /** Signal-to-quantization-noise ratio 20 log10(||r|| / ||a - r||) in dB (+Infinity, `null` in JSON, when identical). */
  sqnr_db: number;
  /** Cosine similarity <a, r> / (||a|| ||r||) in [-1, 1] (1 when identical, 0 when one side is all zeros). */
  cosine: number;
}

/**
 * Result of `checkParity`. JSON-serialisable (no NaN, no tensors); the only possible infinities are
 * `sqnr_db` (+Infinity for identical tensors) and, for an all-zero reference, `relative_error` and `sqnr_db`:
 * JSON.stringify writes them as `null`.
 */
export interface ParityResult {
  /** True for status 'ok' and 'warn'. */
  pass: boolean;
  /** 'ok' | 'warn' | 'fail'. */
  status: ParityStatus;
  /** Why it failed when the values were not compared or the failure is structural (shape, dtype kind, NaN/Inf), else absent. */
  reason?: string;
  /** Number of elements compared (0 when the shapes differ). */
  numel: number;
  /** Number of elements violating the elementwise rule (including NaN and Inf mismatches). */
  mismatched: number;
  /** mismatched / numel (0 when numel is 0). */
  mismatched_fraction: number;
  /** Multi-dimensional index of the first mismatching element, or null. */
  first_mismatch_index: number[] | null;
  /** Greatest |a - r| over elements where both values are finite (0 when none). */
  max_abs_diff: number;
  /** Index of max_abs_diff, or null when no finite pair exists. */
  max_abs_index: number[] | null;
  /** Actual value at max_abs_index (null when none). */
  max_abs_actual: number | null;
  /** Reference value at max_abs_index (null when none). */
  max_abs_reference: number | null;
  /** Mean |a - r| over elements where both values are finite. */
  mean_abs_diff: number;
  /** Greatest |a - r| / max(|r|, rel_floor) over finite pairs: never Infinity. */
  max_rel_diff: number;
  /** Index of max_rel_diff, or null. */
  max_rel_index: number[] | null;
  /** Actual value at max_rel_index. */
  max_rel_actual: number | null;
  /** Reference value at max_rel_index. */
  max_rel_reference: number | null;
  /** Floor of the relative-difference denominator. */
  rel_floor: number;
  /** ||a - r|| / ||r|| over the finite pairs (see {@link ScaleFreeStats}). */
  relative_error: number;
  /** 20 log10(||r|| / ||a - r||) in dB over the finite pairs; +Infinity when identical. */
  sqnr_db: number;
  /** Cosine similarity of actual and reference over the finite pairs. */
  cosine: number;
  /** The sums the three numbers above come from; add them across samples with `addNormSums`. */
  norms: NormSums;
  /** Elements where exactly one side is NaN. */
  nan_mismatches: number;
  /** Elements where an infinity is not matched by the same infinity on the other side (and neither is NaN). */
  inf_mismatches: number;
  /** The tolerance applied. */
  tolerance: ResolvedTolerance;
  /** Value of the deciding statistic: max over elements of |a-r| - rtol*|r| (elementwise), the mean, or the quantile. */
  statistic_value: number;
  /** Threshold the statistic is compared with (atol for elementwise; atol + rtol * mean|r| otherwise). */
  threshold: number;
  /**
   * Smallest atol that would have passed at the given rtol (for 'mean'/quantile: the statistic's value minus
   * the rtol part); null when no atol can pass (NaN/Inf mismatches, shape or dtype-kind mismatch).
   */
  min_passing_atol: number | null;
  /** Shape of the actual tensor. */
  actual_shape: number[];
  /** Shape of the reference tensor. */
  reference_shape: number[];
  /** Element type of the actual tensor. */
  actual_dtype: DType;
  /** Element type of the reference tensor. */
  reference_dtype: DType;
  /** True when the element types differ (always reported, fails only across float/integer kinds). */
  dtype_mismatch: boolean;
  /**
   * Distribution of |a - r| over the compared element pairs whose difference is finite, in power-of-two bins.
   * Present only when asked for (`histogram: true`; `runTier4` does), and empty when the values were not
   * compared (shape or dtype-kind mismatch).
   */
  abs_diff_histogram?: AbsDiffHistogram;
  /**
   * Exact decimal values for 64-bit integer tensors, present only when one of the numbers above lies beyond
   * 2^53 and the JSON number is therefore rounded (`"9007199254740993"`). The verdict never uses the rounded
   * numbers: int64/uint64 are compared as BigInt.
   */
  exact_values?: ExactIntegerValues;
}

/**
 * Distribution of |actual - reference| in power-of-two ("log2") bins: `counts[i]` elements satisfy
 * 2^(first_exponent + i) <= |a - r| < 2^(first_exponent + i + 1). Trimmed to the non-empty range; NaN and
 * infinite pairs are not counted (see `nan_mismatches` and `inf_mismatches`).
 */
export interface AbsDiffHistogram {
  /** Elements with |a - r| = 0 exactly (or below 2^-1022, the float64 normal range). */
  zero: number;
  /** Binary exponent of the first bin's lower edge, or null when every counted difference is zero. */
  first_exponent: number | null;
  /** Elements per bin, from 2^first_exponent upwards, one bin per power of two. */
  counts: number[];
}

/** Exact decimal strings of the worst elements of 64-bit integer tensors (see ParityResult.exact_values). */
export interface ExactIntegerValues {
  max_abs_diff: string;
  max_abs_actual: string;
  max_abs_reference: string;
  max_rel_actual: string;
  max_rel_reference: string;
}

/** Options of `checkParity` beyond the tolerance. */
export interface CheckParityOptions {
  /** Compare a float tensor with an integer/bool tensor by value instead of failing. Default false. */
  allowIntFloat?: boolean;
  /** Overrides the tolerance's statistic. */
  statistic?: ErrorStatistic;
  /** Overrides the tolerance's allowed mismatch fraction. */
  allowedMismatchFraction?: number;
  /** Floor of the relative-difference denominator (default 1e-6; see docs/tolerances.md). */
  relFloor?: number;
  /** Also count |a - r| in power-of-two bins into `abs_diff_histogram` (a second pass over the data). Default false. */
  histogram?: boolean;
}
