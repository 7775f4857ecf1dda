/**
 * Public types of the parity core. Pure data types: no Vitest, onnxruntime or Node imports.
 *
 * Records that end up in JSON (ParityResult, ResolvedTolerance) use snake_case field names;
 * option objects use camelCase.
 */

// The JSON records of the parity core (ParityResult and what it holds) are generated from the
// Tier 4 report schema (schema/tier4-report.schema.json, definitions.parity): one definition.
import type { TypedArray as TensorTypedArray } from 'vitest-tier4-fixtures/tensor';
import type { ErrorStatistic, ParityResult as ParityResultJson, PresetName } from './result.generated.js';
export type {
  AbsDiffHistogram,
  ErrorStatistic,
  ExactIntegerValues,
  NormSums,
  ParityStatus,
  PresetName,
  ResolvedTolerance,
} from './result.generated.js';

/**
 * A ParityResult as `checkParity` returns it: its JSON form (the schema's `definitions.parity`), except that the
 * scale-free numbers are always numbers in memory (+Infinity SQNR for identical tensors; JSON writes an
 * infinity as `null`, which is what {@link ParityResultJson} allows when a result is read back).
 */
export type ParityResult = Omit<ParityResultJson, 'relative_error' | 'sqnr_db'> & { relative_error: number; sqnr_db: number };
export type { ParityResultJson };

// The one tensor type (TensorData) and its dtypes come from the one dtype table (vitest-tier4-fixtures/tensor, pure).
export type { DType } from './dtype.js';
export type { TensorData } from 'vitest-tier4-fixtures/tensor';

/** Any typed array the parity core can read: those a `TensorData` holds, and Uint8ClampedArray (read as uint8). */
export type TypedArray = TensorTypedArray | Uint8ClampedArray;

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
