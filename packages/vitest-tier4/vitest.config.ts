import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { defaultPoolSize } from './src/runtimes/pool/size.js';

/**
 * Test files that run in-process only (the parity core and the matchers): no Python, no runner
 * registrations, no environment or cwd changes, nothing left behind for the next file. They share
 * one module graph per Vitest worker (`isolate: false`): the source and its dependencies are
 * evaluated once per worker instead of once per file (measured on these 26 files: 19 s of CPU ->
 * 13 s). Every other file keeps Vitest's default isolation.
 */
const SHARED_MODULES = ['test/parity/**/*.test.ts', 'test/matchers/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // The suite's own run shares one Python worker pool, exactly as a user's run with the tier4()
    // plugin does: every runTier4 without `python` or `pool: false` leases a warm worker instead of
    // starting Python (importing torch costs ~1.5 s of CPU each time). Tests of private workers
    // pass `python` or `pool: false`; timed phases stay serialised by the pool's gate.
    globalSetup: ['src/plugin/pool-setup.ts'],
    // Vitest's default (one file at a time per core but one) runs a 2-core machine one file at a
    // time, while a file mostly waits on the pool's Python processes: two at once fill both cores.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Two Python workers at least, unlike a user's default (runtimes/pool/size.ts): the suite's models
    // are tiny, so a worker's time goes to single-threaded Python, not to torch threads filling the
    // cores. Measured on 2 cores: 102 s for the suite with two workers, 150 s with one.
    provide: { tier4WorkerPool: { size: Math.max(2, defaultPoolSize()), warm: true } },
    projects: [
      { extends: true, test: { name: 'in-process', include: SHARED_MODULES, isolate: false } },
      { extends: true, test: { name: 'isolated', include: ['test/**/*.test.ts'], exclude: SHARED_MODULES } },
    ],
  },
});
