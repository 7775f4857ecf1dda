import { describe, expect, test } from 'vitest';
import { checkParity } from '../../src/parity/check.js';
import { histogramTotal } from '../../src/parity/histogram.js';

const f32 = (xs: number[]) => ({ data: new Float32Array(xs), dims: [xs.length], type: 'float32' });
const f64 = (xs: number[]) => ({ data: new Float64Array(xs), dims: [xs.length], type: 'float64' });

/** Reference: the power-of-two bin of each finite |a - r| by Math.log2 (fine away from float rounding at edges). */
function naive(a: number[], r: number[]): { zero: number; bins: Map<number, number> } {
  const bins = new Map<number, number>();
  let zero = 0;
  a.forEach((x, i) => {
    const d = Math.abs(x - (r[i] as number));
    if (!Number.isFinite(d)) return;
    if (d === 0) {
      zero++;
      return;
    }
    const e = Math.floor(Math.log2(d));
    bins.set(e, (bins.get(e) ?? 0) + 1);
  });
  return { zero, bins };
}

describe('checkParity histogram of |actual - reference|', () => {
  test('absent unless asked for (the matchers do not pay for it)', () => {
    expect(checkParity(f32([1, 2]), f32([1, 2.5]))).not.toHaveProperty('abs_diff_histogram');
  });

  test('power-of-two bins, exact at the edges, trimmed to the non-empty range', () => {
    // differences 0, 0.25 (= 2^-2, lower edge of bin -2), 0.5 - 2^-30 (bin -2), 0.5 (bin -1), 3 (bin 1)
    const r = checkParity(f64([0, 1, 1, 1, 4]), f64([0, 1.25, 1.5 - 2 ** -30, 1.5, 1]), 'fp32', { histogram: true });
    expect(r.abs_diff_histogram).toEqual({ zero: 1, first_exponent: -2, counts: [2, 1, 0, 1] });
  });

  test('NaN and infinite pairs are left to nan_mismatches / inf_mismatches', () => {
    const r = checkParity(f32([NaN, Infinity, 1, NaN]), f32([1, 1, 1.5, NaN]), 'fp32', { histogram: true });
    expect(r.nan_mismatches).toBe(1);
    expect(r.inf_mismatches).toBe(1);
    expect(r.abs_diff_histogram).toEqual({ zero: 0, first_exponent: -1, counts: [1] });
  });

  test('every difference zero: no bins', () => {
    expect(checkParity(f32([1, 2, 3]), f32([1, 2, 3]), 'fp32', { histogram: true }).abs_diff_histogram).toEqual({
      zero: 3,
      first_exponent: null,
      counts: [],
    });
  });

  test('agrees with a log2 count on 100k random float32 pairs, and counts every finite pair', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const ref: number[] = [];
    const act: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const x = Math.fround((rnd() - 0.5) * 8);
      ref.push(x);
      act.push(i % 10 === 0 ? x : Math.fround(x + (rnd() - 0.5) * 10 ** -(1 + (i % 7))));
    }
    const r = checkParity(f32(act), f32(ref), 'fp32', { histogram: true });
    const h = r.abs_diff_histogram!;
    const want = naive(act, ref);
    expect(h.zero).toBe(want.zero);
    const got = new Map<number, number>();
    h.counts.forEach((c, i) => c > 0 && got.set((h.first_exponent as number) + i, c));
    expect(got).toEqual(want.bins);
    expect(histogramTotal(h)).toBe(r.numel);
  });

  test('float16 bits, int64 (exact subtraction) and plain arrays take the same bins', () => {
    const half = { data: new Uint16Array([0x3c00, 0x4000]), dims: [2], type: 'float16' }; // 1, 2
    expect(checkParity(half, [1, 2.5], { atol: 1 }, { histogram: true }).abs_diff_histogram).toEqual({ zero: 1, first_exponent: -1, counts: [1] });
    const big = { data: BigInt64Array.from([2n ** 60n + 3n, 5n]), dims: [2], type: 'int64' };
    const bigRef = { data: BigInt64Array.from([2n ** 60n, 5n]), dims: [2], type: 'int64' };
    expect(checkParity(big, bigRef, 'exact', { histogram: true }).abs_diff_histogram).toEqual({ zero: 1, first_exponent: 1, counts: [1] });
  });

  test('empty when the values were not compared (shape mismatch)', () => {
    const r = checkParity(f32([1, 2]), f32([1, 2, 3]), 'fp32', { histogram: true });
    expect(r.status).toBe('fail');
    expect(r.abs_diff_histogram).toEqual({ zero: 0, first_exponent: null, counts: [] });
  });
});
