/**
 * Augments Vitest's `TaskMeta` (declared in `@vitest/runner`, re-exported by `vitest`) with the
 * `tier4` key. Augmenting through `'vitest'` works because the interface is merged through the
 * re-export, and keeps consumers from needing `@vitest/runner` as a direct dependency.
 */
import type {} from 'vitest';
import type { Tier4TaskMeta } from './types.js';

declare module 'vitest' {
  interface TaskMeta {
    /** Records written by vitest-tier4 matchers and runTier4 (read by the vitest-tier4 reporter). */
    tier4?: Tier4TaskMeta;
  }
}

export {};
