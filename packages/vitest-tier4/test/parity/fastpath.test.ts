import { describe, expect, test } from 'vitest';
import { checkParity } from '../../src/parity/check.js';
import type { ParityResult, ToleranceSpec } from '../../src/parity/types.js';

// The float32 hot loop (two Float32Arrays, elementwise) must give exactly what the general path gives on the same
// values. Plain arrays with dtype 'float32' take the general path (decoded chunks, float32 rounding emulated on
// every element), so the two can be compared field by field on data crossing several 64K blocks.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function makeCase(n: number, seed: number, atol: number, rtol: number): { ref: Float32Array; act: Float32Array } {
  const rand = rng(seed);
  const ref = new Float32Array(n);
  const act = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = (rand() - 0.5) * 10 ** (rand() * 6 - 3);
    ref[i] = r;
    const allowed = atol + rtol * Math.abs(Math.fround(r));
    const u = rand();
    // mostly inside, some exactly on / just around the boundary, a few far outside
    const f = u < 0.9 ? rand() * 0.9 : u < 0.97 ? [0.999999, 1, 1.000001][Math.floor(rand() * 3)]! : 2 + rand() * 100;
    act[i] = r + (rand() < 0.5 ? -1 : 1) * f * allowed;
  }
  for (const [i, a, r] of [
    [5, NaN, NaN],
    [70_000, NaN, 1],
    [140_000, Infinity, Infinity],
    [140_001, -Infinity, Infinity],
    [200_000, 3, -Infinity],
    [200_001, 0, 0],
  ] as const) {
    if (i < n) {
      act[i] = a;
      ref[i] = r;
    }
  }
  return { ref, act };
}

function viaGeneralPath(act: Float32Array, ref: Float32Array, tol: ToleranceSpec): ParityResult {
  return checkParity(
    { data: Array.from(act), shape: [act.length], dtype: 'float32' },
    { data: Array.from(ref), shape: [ref.length], dtype: 'float32' },
    tol,
  );
}

describe('float32 fast path equals the general path', () => {
  const n = 3 * 65536 + 12_345;
  for (const [atol, rtol, seed] of [
    [1e-4, 1e-4, 1],
    [0, 1e-3, 2],
    [1e-6, 0, 3],
    [1e-40, 1e-5, 4], // atol below the float32 normal range: the certain-pass shortcut is off
    [0, 0, 5],
  ] as const) {
    test(`atol ${atol}, rtol ${rtol}`, () => {
      const { ref, act } = makeCase(n, seed, atol, rtol);
      const fast = checkParity(act, ref, { atol, rtol });
      const slow = viaGeneralPath(act, ref, { atol, rtol });
      const { min_passing_atol: fastMin, mean_abs_diff: fastMean, norms: fastNorms, relative_error: fastRel, sqnr_db: fastSqnr, cosine: fastCos, ...fastRest } = fast;
      const { min_passing_atol: slowMin, mean_abs_diff: slowMean, norms: slowNorms, relative_error: slowRel, sqnr_db: slowSqnr, cosine: slowCos, ...slowRest } = slow;
      expect(fastRest).toEqual(slowRest);
      // the sums are added in a different order (per block), so the mean and the norms may differ in the last bits
      expect(Math.abs(fastMean - slowMean)).toBeLessThanOrEqual(1e-12 * slowMean);
      expect(fastNorms.count).toBe(slowNorms.count);
      expect(Math.abs(fastNorms.sum_sq_reference - slowNorms.sum_sq_reference)).toBeLessThanOrEqual(1e-12 * slowNorms.sum_sq_reference);
      expect(Math.abs(fastNorms.sum_sq_diff! - slowNorms.sum_sq_diff!)).toBeLessThanOrEqual(1e-12 * slowNorms.sum_sq_diff!);
      expect(Math.abs(fastRel! - slowRel!)).toBeLessThanOrEqual(1e-12 * slowRel!);
      if (fastSqnr !== slowSqnr) expect(Math.abs(fastSqnr! - slowSqnr!)).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(fastCos - slowCos)).toBeLessThanOrEqual(1e-12);
      // min_passing_atol may be rounded up by at most 2^-20 * rtol * |r| on the fast path
      if (slowMin === null) expect(fastMin).toBeNull();
      else {
        expect(fastMin as number).toBeGreaterThanOrEqual(slowMin);
        expect((fastMin as number) - slowMin).toBeLessThanOrEqual(2 ** -20 * rtol * 1e3 + 1e-300);
      }
      expect(fast.numel).toBe(n);
      expect(fast).toMatchObject({ nan_mismatches: 1, inf_mismatches: 2 });
      expect(fast.mismatched).toBeGreaterThan(0);
    });
  }

  test('ties keep the first index across blocks', () => {
    const ref = new Float32Array(3 * 65536);
    const act = new Float32Array(3 * 65536);
    act[100] = 1;
    act[70_000] = 1;
    act[140_000] = 1;
    const r = checkParity(act, ref, 0.5);
    expect(r).toMatchObject({ mismatched: 3, max_abs_index: [100], max_rel_index: [100], first_mismatch_index: [100] });
  });
});
