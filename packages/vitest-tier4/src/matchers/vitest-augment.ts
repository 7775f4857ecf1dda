/**
 * The matcher types and their Vitest augmentation, in one file (Vitest 5 changes the `Matchers` signature:
 * only this file would change). Imported by `vitest-tier4/setup` and by the package index, so
 * `import 'vitest-tier4/setup'` is enough to type `expect(x).toMatchParity(...)`.
 */
import type { Assertion } from 'vitest';
import type { NumpyCode } from 'vitest-tier4-fixtures/tensor';
import type { Tier4Labels } from '../meta/types.js';
import type { CheckParityOptions, DType, TensorLike, ToleranceSpec } from '../parity/types.js';
import type { ShapePatternDim } from '../parity/shape.js';
import type { ToHaveNoLayerDivergenceOptions } from './toHaveNoLayerDivergence.js';

/** Options of `toMatchParity`: checkParity options plus labels that are only recorded in `task.meta.tier4`. */
export interface ToMatchParityOptions extends CheckParityOptions, Tier4Labels {}

/** Options of `toHaveTopKAgreement`: k, the fraction of rows that must agree, and record labels. */
export interface ToHaveTopKAgreementOptions extends Tier4Labels {
  /** The reference's argmax must be among actual's k largest values (default 1: the same argmax). */
  k?: number;
  /** Fraction of rows that must agree, from 0 to 1 (default 1: every row). */
  min?: number;
}

/** Element type names accepted by `toHaveDtype` (normalised names; numpy codes such as `'f4'` also work). */
export type DTypeName = DType | NumpyCode;

/**
 * Onnxruntime session input/output metadata entry (`session.inputMetadata[i]`), matched structurally.
 */
export interface ValueMetadataLike {
  readonly name?: string;
  readonly isTensor?: boolean;
  readonly type?: string;
  readonly shape: ReadonlyArray<number | string>;
}

/** The vitest-tier4 matchers. `R` is Vitest's assertion return type parameter. */
export interface Tier4Matchers<R = unknown> {
  /**
   * Asserts that the received tensor matches `reference` within `tolerance` (default: preset fp32), with the
   * verdict of numpy.testing.assert_allclose. The failure message gives the mismatch count, the worst absolute
   * and relative differences with their indices and values, the mean absolute difference and the smallest
   * passing atol. Records the ParityResult in `task.meta.tier4`.
   */
  toMatchParity: (reference: TensorLike, tolerance?: ToleranceSpec, options?: ToMatchParityOptions) => R;
  /**
   * Asserts the shape of a tensor or of onnxruntime session metadata: numbers match exactly, `null` matches any
   * size, a string names a dimension whose size must agree wherever the name repeats.
   */
  toHaveShape: (shape: readonly ShapePatternDim[]) => R;
  /** Asserts the element type (`'float32'`, `'float16'`, `'int64'`, ... or numpy codes such as `'f4'`). */
  toHaveDtype: (dtype: DTypeName) => R;
  /** Asserts that no element is NaN or ±Inf; the failure message counts them and gives the first index of each. */
  toBeFinite: () => R;
  /**
   * Asserts that the SQNR 20 log10(‖reference‖ / ‖actual − reference‖) is at least `minDb` (torchao uses 40 dB
   * for int8 dynamic single layers, 20 dB for SmoothQuant DistilBERT). Fails when NaN/Inf differ.
   */
  toHaveSqnr: (reference: TensorLike, minDb: number, options?: Tier4Labels) => R;
  /** Asserts that the cosine similarity of the flattened tensors is at least `min` (in [-1, 1]). */
  toHaveCosineSimilarity: (reference: TensorLike, min: number, options?: Tier4Labels) => R;
  /**
   * Asserts that along the last axis the reference's argmax is among actual's `k` largest values in at least
   * a fraction `min` of the rows (defaults k 1, min 1). The message names the first disagreeing row.
   */
  toHaveTopKAgreement: (reference: TensorLike, options?: ToHaveTopKAgreementOptions) => R;
  /**
   * Asserts that a Tier 4 report (`runTier4`, the `validate` fixture) passes: `ok`, or `warn` unless
   * `{ allowWarn: false }`. The failure message lists every format's status and reason, the speed-ups with
   * their thread counts, and the warnings.
   */
  toPassTier4: (options?: { allowWarn?: boolean }) => R;
  /**
   * Asserts that no layer of a per-layer report (`compareLayers()`, the `layers` test fixture) breaks
   * the tolerance: no drift origin, and (unless `allowAccumulatedRounding`) no layer over it by
   * accumulated error. The failure message names the origin and prints the worst layers.
   */
  toHaveNoLayerDivergence: (options?: ToHaveNoLayerDivergenceOptions) => R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends Tier4Matchers<T> {}
}

/** Vitest's Assertion with the vitest-tier4 matchers (kept so the emitted .d.ts imports 'vitest'). */
export type Tier4Assertion<T = unknown> = Assertion<T>;
