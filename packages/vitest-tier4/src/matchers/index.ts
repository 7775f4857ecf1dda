import './vitest-augment.js';
import { toBeFinite } from './toBeFinite.js';
import { toHaveDtype } from './toHaveDtype.js';
import { toHaveNoLayerDivergence } from './toHaveNoLayerDivergence.js';
import { toHaveShape } from './toHaveShape.js';
import { toHaveCosineSimilarity } from './toHaveCosineSimilarity.js';
import { toHaveSqnr } from './toHaveSqnr.js';
import { toHaveTopKAgreement } from './toHaveTopKAgreement.js';
import { toMatchParity } from './toMatchParity.js';
import { toPassTier4 } from './toPassTier4.js';

export { toBeFinite, toHaveCosineSimilarity, toHaveDtype, toHaveNoLayerDivergence, toHaveShape, toHaveSqnr, toHaveTopKAgreement, toMatchParity, toPassTier4 };
export type { ToPassTier4Options } from './toPassTier4.js';
export type { DTypeName, Tier4Matchers, ToHaveTopKAgreementOptions, ToMatchParityOptions, ValueMetadataLike } from './vitest-augment.js';
export type { ToHaveNoLayerDivergenceOptions } from './toHaveNoLayerDivergence.js';

/**
 * All vitest-tier4 matchers, for `expect.extend(tier4Matchers)` (what `vitest-tier4/setup` does).
 */
export const tier4Matchers = {
  /** {@link toMatchParity} */
  toMatchParity,
  /** {@link toHaveShape} */
  toHaveShape,
  /** {@link toHaveDtype} */
  toHaveDtype,
  /** {@link toBeFinite} */
  toBeFinite,
  /** {@link toHaveSqnr} */
  toHaveSqnr,
  /** {@link toHaveCosineSimilarity} */
  toHaveCosineSimilarity,
  /** {@link toHaveTopKAgreement} */
  toHaveTopKAgreement,
  /** {@link toPassTier4} */
  toPassTier4,
  /** {@link toHaveNoLayerDivergence} */
  toHaveNoLayerDivergence,
};
