import { describe, test } from 'vitest';
import '../../src/setup.js';

// Concurrent tests record through their context's expect onto their own task.
describe.concurrent('records land on the running test', () => {
  for (const n of [1, 2, 3]) {
    test(`test ${n}`, async ({ expect, task }) => {
      await new Promise((r) => setTimeout(r, 10 * (4 - n)));
      for (let k = 0; k < n; k++) expect(new Float32Array([n])).toMatchParity(new Float32Array([n]), 'exact', { sample: n });
      await new Promise((r) => setTimeout(r, 5));
      expect(task.meta.tier4?.records.map((r) => ('sample' in r ? r.sample : null))).toEqual(Array(n).fill(n));
    });
  }
});
