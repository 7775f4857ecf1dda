/**
 * Augments Vitest's `TaskMeta` (declared in `@vitest/runner`, re-exported by `vitest`) with the
 * `tier4` key. Augmenting through `'vitest'` works because the interface is merged through the
 * re-export (as long as this file imports 'vitest', see below), and keeps consumers from needing
 * `@vitest/runner` as a direct dependency.
 */
import type { TaskMeta } from 'vitest';
import type { Tier4TaskMeta } from './types.js';

declare module 'vitest' {
  interface TaskMeta {
    /** Records written by vitest-tier4 matchers and runTier4 (read by the vitest-tier4 reporter). */
    tier4?: Tier4TaskMeta;
  }
}

/**
 * Vitest's TaskMeta with the `tier4` key. Exported so that the emitted .d.ts keeps its import of 'vitest':
 * without that import TypeScript applies the augmentation to the re-exported name only, not to the
 * `TaskMeta` of `@vitest/runner` that `task.meta` is typed with.
 */
export type Tier4AugmentedTaskMeta = TaskMeta;
