/**
 * Shared parts of the agreement matchers (toHaveSqnr, toHaveCosineSimilarity, toHaveTopKAgreement): argument
 * checks and the comparison of a received tensor with its reference through the parity core.
 */
import type { MatcherState } from 'vitest';
import { checkParity } from '../parity/check.js';
import { formatScaleFree } from '../parity/format.js';
import type { ParityResult, TensorLike } from '../parity/types.js';
import { asMatcherError, pickLabels } from './util.js';
import type { Tier4Labels } from '../meta/types.js';

/** The scale-free comparison of received against reference, or why none is possible (shape, NaN, dtype). */
export interface Comparison {
  result: ParityResult;
  /** Why the values cannot be compared (shape or dtype-kind mismatch, NaN/Inf on one side only), or null. */
  blocked: string | null;
}

/** Compares through checkParity (whose scale-free sums are the metric); the elementwise verdict is ignored. */
export function compare(matcher: string, received: unknown, reference: unknown): Comparison {
  let result: ParityResult;
  try {
    result = checkParity(received as TensorLike, reference as TensorLike, 'fp32');
  } catch (err) {
    asMatcherError(matcher, err);
  }
  let blocked: string | null = null;
  if (result.numel === 0 && result.reason) blocked = result.reason;
  else if (result.nan_mismatches + result.inf_mismatches > 0) {
    blocked = `${result.nan_mismatches} NaN and ${result.inf_mismatches} Inf element(s) on one side only: the metric over the finite pairs would hide them`;
  }
  return { result, blocked };
}

/** The options object (labels only) of an agreement matcher, checked. */
export function labelsOf(matcher: string, options: unknown): Tier4Labels {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`${matcher}: options must be an object, received ${options === null ? 'null' : typeof options}`);
  }
  return pickLabels(matcher, (options ?? {}) as Record<string, unknown>);
}

/** The matcher hint line (`expect(actual).toHaveSqnr(reference, minDb)`, with `.not`). */
export function hint(state: MatcherState, matcher: string, expected: string): string {
  return state.utils.matcherHint(`${state.isNot ? '.not' : ''}.${matcher}`, 'actual', expected);
}

/** The scale-free line of a comparison: `relative error 1.7e-2, SQNR 35.6 dB, cosine 0.999861 over 12800 elements`. */
export function scaleFreeLine(result: ParityResult): string {
  return `Scale-free: ${formatScaleFree(result)} over ${result.numel} element(s)`;
}
