import { describe, test } from 'vitest';
import '../../src/setup.js';

/** A promise with its resolver. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

// Concurrent tests record through their context's expect onto their own task. The three tests
// interleave in a fixed order, without timers: all start, then they record in reverse order (test
// 3 first, each handing the turn down), and each checks its task only after all have recorded.
const ns = [1, 2, 3] as const;
const started = ns.map(() => deferred());
const turn = ns.map(() => deferred());
const recorded = ns.map(() => deferred());

describe.concurrent('records land on the running test', () => {
  for (const n of ns) {
    test(`test ${n}`, async ({ expect, task }) => {
      started[n - 1]!.resolve();
      await Promise.all(started.map((d) => d.promise));
      if (n === 3) turn[2]!.resolve();
      await turn[n - 1]!.promise;
      for (let k = 0; k < n; k++) expect(new Float32Array([n])).toMatchParity(new Float32Array([n]), 'exact', { sample: n });
      recorded[n - 1]!.resolve();
      if (n > 1) turn[n - 2]!.resolve();
      await Promise.all(recorded.map((d) => d.promise));
      expect(task.meta.tier4?.records.map((r) => ('sample' in r ? r.sample : null))).toEqual(Array(n).fill(n));
    });
  }
});
