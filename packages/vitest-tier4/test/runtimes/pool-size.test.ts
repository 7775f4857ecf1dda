import type * as Os from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';

const cpus = vi.hoisted(() => ({ n: 2 }));
vi.mock('node:os', async (importOriginal) => ({
  ...(await importOriginal<typeof Os>()),
  availableParallelism: () => cpus.n,
}));

const { defaultPoolSize, defaultTier4Threads } = await import('../../src/runtimes/pool/size.js');

describe('the machine-sized defaults (docs/runtimes.md, "The worker pool")', () => {
  afterEach(() => {
    cpus.n = 2;
  });

  it.each([
    // CPUs, threads per runtime, pool size
    [1, 1, 1],
    [2, 2, 1],
    [4, 4, 1],
    [7, 4, 1],
    [8, 4, 2],
    [12, 4, 3],
    [16, 4, 4],
    [64, 4, 4],
  ])('%i CPUs: %i intra-op threads, %i Python worker(s)', (n, threads, size) => {
    cpus.n = n;
    expect(defaultTier4Threads()).toBe(threads);
    expect(defaultPoolSize()).toBe(size);
    // the workers' threads never oversubscribe the machine, unless one worker alone does
    expect(size === 1 || size * threads <= n).toBe(true);
  });
});
