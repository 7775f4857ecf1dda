import { describe, expect, test } from 'vitest';
import { checkParity } from '../../src/parity/check.js';
import { addNormSums, emptyNormSums, scaleFreeStats } from '../../src/parity/scale-free.js';

const f32 = (xs: ArrayLike<number>, dims = [xs.length]) => ({ data: Float32Array.from(xs), dims, type: 'float32' });
const f64 = (xs: ArrayLike<number>, dims = [xs.length]) => ({ data: Float64Array.from(xs), dims, type: 'float64' });

/** The textbook definitions, computed separately in float64 from the (float32-rounded) values. */
function naive(a: ArrayLike<number>, r: ArrayLike<number>): { relative_error: number; sqnr_db: number; cosine: number } {
  let rr = 0;
  let ee = 0;
  let aa = 0;
  let ar = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = r[i] as number;
    rr += y * y;
    ee += (x - y) * (x - y);
    aa += x * x;
    ar += x * y;
  }
  return { relative_error: Math.sqrt(ee) / Math.sqrt(rr), sqnr_db: 20 * Math.log10(Math.sqrt(rr) / Math.sqrt(ee)), cosine: ar / Math.sqrt(aa * rr) };
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

describe('scale-free statistics in checkParity', () => {
  test('match the textbook definitions on the float32 fast path, the general path and float64', () => {
    const rnd = seeded(7);
    const n = 3 * 65536 + 17; // several blocks of the fast path
    const r = new Float32Array(n);
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      r[i] = rnd() * 4;
      a[i] = (r[i] as number) + 1e-3 * rnd();
    }
    const want = naive(a, r);
    for (const res of [
      checkParity(f32(a), f32(r), 'fp32'), // float32 hot loop
      checkParity(f32(a), f32(r), 'quantized'), // statistic mean: general path
      checkParity(f64(a), f64(r), 'fp32'), // float64 loop
    ]) {
      expect(res.relative_error).toBeCloseTo(want.relative_error, 12);
      expect(res.sqnr_db).toBeCloseTo(want.sqnr_db, 9);
      expect(res.cosine).toBeCloseTo(want.cosine, 12);
      expect(res.norms.count).toBe(n);
    }
    // relative error 1e-3 * (1/sqrt(12)) / (4/sqrt(12)) = 2.5e-4 -> about 72 dB
    expect(want.sqnr_db).toBeGreaterThan(70);
    expect(want.sqnr_db).toBeLessThan(74);
  });

  test('are the same at any output scale: logits near 1e-9 and near 10 give the same SQNR', () => {
    const rnd = seeded(3);
    const r = Array.from({ length: 1000 }, () => rnd());
    const noise = Array.from({ length: 1000 }, () => rnd());
    const at = (scale: number) => checkParity(f64(r.map((x, i) => (x + 0.5 * (noise[i] as number)) * scale)), f64(r.map((x) => x * scale)), 'fp32');
    const tiny = at(1e-9);
    const big = at(10);
    // the absolute check passes only at the tiny scale: it cannot see this 50% error there
    expect(tiny.pass).toBe(true);
    expect(big.pass).toBe(false);
    expect(tiny.sqnr_db).toBeCloseTo(big.sqnr_db!, 6);
    expect(tiny.relative_error).toBeCloseTo(big.relative_error!, 9);
    expect(tiny.cosine).toBeCloseTo(big.cosine, 9);
    expect(tiny.sqnr_db).toBeLessThan(10);
  });

  test('identical tensors: relative error 0, SQNR +Infinity, cosine 1 (also two all-zero tensors)', () => {
    expect(checkParity(f32([1, -2, 3]), f32([1, -2, 3]))).toMatchObject({ relative_error: 0, sqnr_db: Infinity, cosine: 1 });
    expect(checkParity(f32([0, 0]), f32([0, 0]))).toMatchObject({ relative_error: 0, sqnr_db: Infinity, cosine: 1 });
  });

  test('an all-zero reference against a nonzero actual: relative error +Infinity, SQNR -Infinity, cosine 0', () => {
    expect(checkParity(f32([1e-9, 0]), f32([0, 0]))).toMatchObject({ pass: true, relative_error: Infinity, sqnr_db: -Infinity, cosine: 0 });
  });

  test('a negated output: cosine -1, relative error 2 (-6 dB)', () => {
    const res = checkParity(f64([-1, -2, 3]), f64([1, 2, -3]), 'fp32');
    expect(res.cosine).toBeCloseTo(-1, 12);
    expect(res.relative_error).toBeCloseTo(2, 12);
    expect(res.sqnr_db).toBeCloseTo(-20 * Math.log10(2), 9);
  });

  test('NaN and Inf pairs are left out of the sums, like mean_abs_diff', () => {
    const res = checkParity(f32([1, NaN, Infinity, 2.5]), f32([1, 1, Infinity, 2]));
    expect(res.norms).toEqual({ sum_sq_reference: 1 + 4 + 0, sum_sq_diff: 0.25, sum_ref_diff: 1, count: 2 });
    expect(res.relative_error).toBeCloseTo(0.5 / Math.sqrt(5), 12);
  });

  test('integer tensors (BigInt path) give the same numbers', () => {
    const a = { data: new BigInt64Array([1n, 3n, -2n]), shape: [3], dtype: 'int64' };
    const r = { data: new BigInt64Array([1n, 2n, -4n]), shape: [3], dtype: 'int64' };
    const res = checkParity(a, r, { atol: 10 });
    const want = naive([1, 3, -2], [1, 2, -4]);
    expect(res.relative_error).toBeCloseTo(want.relative_error, 12);
    expect(res.cosine).toBeCloseTo(want.cosine, 12);
  });

  test('a structural failure compared nothing: no agreement is reported', () => {
    const res = checkParity(f32([1, 2]), f32([1, 2, 3]));
    expect(res).toMatchObject({ status: 'fail', relative_error: Infinity, sqnr_db: -Infinity, cosine: 0, norms: { count: 0 } });
  });
});

describe('NormSums merge across samples', () => {
  test('the statistics of summed norms equal those of the concatenated tensors', () => {
    const rnd = seeded(11);
    const r1 = Array.from({ length: 300 }, () => rnd());
    const a1 = r1.map((x) => x + 0.01 * rnd());
    const r2 = Array.from({ length: 500 }, () => 5 * rnd());
    const a2 = r2.map((x) => x + 0.2 * rnd());
    const sums = emptyNormSums();
    addNormSums(sums, checkParity(f64(a1), f64(r1), 'fp32').norms);
    addNormSums(sums, checkParity(f64(a2), f64(r2), 'fp32').norms);
    const merged = scaleFreeStats(sums);
    const whole = checkParity(f64([...a1, ...a2]), f64([...r1, ...r2]), 'fp32');
    expect(sums.count).toBe(800);
    // finite here (the JSON type says null for an infinity)
    expect(merged.relative_error).toBeCloseTo(whole.relative_error!, 12);
    expect(merged.sqnr_db).toBeCloseTo(whole.sqnr_db!, 9);
    expect(merged.cosine).toBeCloseTo(whole.cosine, 12);
  });

  test('a sum JSON wrote as null (it overflowed) merges as Infinity, not as 0', () => {
    const sums = addNormSums(emptyNormSums(), { sum_sq_reference: 4, sum_sq_diff: null, sum_ref_diff: 1, count: 2 });
    expect(sums.sum_sq_diff).toBe(Infinity);
    expect(scaleFreeStats(sums).sqnr_db).toBe(-Infinity);
  });

  test('empty sums are identical tensors', () => {
    expect(scaleFreeStats(emptyNormSums())).toEqual({ relative_error: 0, sqnr_db: Infinity, cosine: 1 });
  });
});
