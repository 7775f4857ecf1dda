import './vitest-augment.js';
import { toBeFinite } from './toBeFinite.js';
import { toHaveDtype } from './toHaveDtype.js';
import { toHaveShape } from './toHaveShape.js';
import { toMatchParity } from './toMatchParity.js';

export { toBeFinite, toHaveDtype, toHaveShape, toMatchParity };
export type { DTypeName, Tier4Matchers, ToMatchParityOptions, ValueMetadataLike } from './vitest-augment.js';

/**
 * All vitest-tier4 matchers, for `expect.extend(tier4Matchers)` (what `vitest-tier4/setup` does).
 */
export const tier4Matchers = { toMatchParity, toHaveShape, toHaveDtype, toBeFinite };
