/**
 * Test-to-reporter data: what matchers and runTier4 record in the running test's `task.meta.tier4`.
 *
 * Everything here must stay JSON-serialisable (Vitest ships meta from workers to the reporter and into
 * blob reports): numbers, strings, booleans, null, arrays and plain objects only; never tensors.
 */
import type { FiniteCensus } from '../parity/finite.js';
import type { DType, ParityResult, ParityStatus } from '../parity/types.js';

/** Labels a matcher call may carry; they are only recorded, never used for the verdict. */
export interface Tier4Labels {
  /** Model name, e.g. `'lm_stub'`. */
  model?: string;
  /** Export format, e.g. `'onnx'`, `'torchscript'`. */
  format?: string;
  /** Output name, e.g. `'logits'`. */
  output?: string;
  /** Sample id or index. */
  sample?: string | number;
}

/** Fields shared by the matcher records. */
export interface Tier4MatcherRecordBase extends Tier4Labels {
  /** Whether the checked condition holds (before `.not` is applied). */
  pass: boolean;
  /** 'ok' | 'warn' | 'fail' for the condition itself (before `.not`). */
  status: ParityStatus;
  /** True when the matcher was called as `.not`; the assertion succeeded iff `pass !== negated`. */
  negated: boolean;
  /**
   * True when the record comes from a matcher (whose failure throws in the test). A failing
   * asserted record in a test that passed was expected or caught by the test
   * (`expect(() => ...).toThrow()`) and does not count toward the verdict; a failing record made
   * without an assertion (`recordTier4` by hand) counts whatever the test's outcome.
   */
  asserted?: boolean;
}

/** Record of `toMatchParity`: the ParityResult numbers. */
export interface Tier4ParityRecord extends Tier4MatcherRecordBase {
  kind: 'parity';
  summary: ParityResult;
}

/** Summary of `toHaveShape`. */
export interface Tier4ShapeSummary {
  /** Shape found (symbolic dimensions of session metadata stay strings). */
  actual_shape: (number | string)[];
  /** Expected pattern (`null` = any size, string = named dimension). */
  expected_shape: (number | string | null)[];
  /** Sizes bound to named dimensions. */
  bindings: Record<string, number | string>;
  /** First failing axis, or null. */
  mismatch_axis: number | null;
}

/** Record of `toHaveShape`. */
export interface Tier4ShapeRecord extends Tier4MatcherRecordBase {
  kind: 'shape';
  summary: Tier4ShapeSummary;
}

/** Summary of `toHaveDtype`. */
export interface Tier4DtypeSummary {
  actual_dtype: DType | string;
  expected_dtype: DType | string;
}

/** Record of `toHaveDtype`. */
export interface Tier4DtypeRecord extends Tier4MatcherRecordBase {
  kind: 'dtype';
  summary: Tier4DtypeSummary;
}

/** Summary of `toBeFinite`: the parity core's NaN / Inf census. */
export type Tier4FiniteSummary = FiniteCensus;

/** Record of `toBeFinite`. */
export interface Tier4FiniteRecord extends Tier4MatcherRecordBase {
  kind: 'finite';
  summary: Tier4FiniteSummary;
}

/** Summary of `toHaveSqnr`. */
export interface Tier4SqnrSummary {
  /** Measured SQNR in dB (+Infinity, `null` in JSON, for identical tensors). */
  sqnr_db: number | null;
  min_db: number;
  /** ||a - r|| / ||r|| (`null` in JSON when infinite). */
  relative_error: number | null;
  cosine: number;
  numel: number;
}

/** Record of `toHaveSqnr`. */
export interface Tier4SqnrRecord extends Tier4MatcherRecordBase {
  kind: 'sqnr';
  summary: Tier4SqnrSummary;
}

/** Summary of `toHaveCosineSimilarity`. */
export interface Tier4CosineSummary {
  cosine: number;
  min: number;
  /** ||a - r|| / ||r|| (`null` in JSON when infinite). */
  relative_error: number | null;
  /** SQNR in dB (`null` in JSON when infinite). */
  sqnr_db: number | null;
  numel: number;
}

/** Record of `toHaveCosineSimilarity`. */
export interface Tier4CosineRecord extends Tier4MatcherRecordBase {
  kind: 'cosine';
  summary: Tier4CosineSummary;
}

/** Summary of `toHaveTopKAgreement`. */
export interface Tier4TopKSummary {
  /** Fraction of rows that agree (rows with NaN/Inf count as disagreeing). */
  agreement: number;
  k: number;
  min: number;
  rows: number;
  matches: number;
  /** Mean KL(softmax(reference) || softmax(actual)) over the finite rows, nats (null without any). */
  kl_divergence: number | null;
}

/** Record of `toHaveTopKAgreement`. */
export interface Tier4TopKRecord extends Tier4MatcherRecordBase {
  kind: 'topk';
  summary: Tier4TopKSummary;
}

/**
 * Record pushed by runTier4's `recordTier4Report(report)`: the whole Tier 4 dict. `R` is the
 * `Tier4Report` type of src/tier4 (kept generic here so the meta types do not depend on that room).
 */
export interface Tier4ReportRecord<R = unknown> {
  kind: 'tier4';
  report: R;
}

/** Any record in `task.meta.tier4.records`. */
export type Tier4Record =
  | Tier4ParityRecord
  | Tier4ShapeRecord
  | Tier4DtypeRecord
  | Tier4FiniteRecord
  | Tier4SqnrRecord
  | Tier4CosineRecord
  | Tier4TopKRecord
  | Tier4ReportRecord;

/** Shape of `task.meta.tier4`. */
export interface Tier4TaskMeta {
  records: Tier4Record[];
}
