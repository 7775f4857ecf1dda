import { describe, expect, test } from 'vitest';
import { checkParity, DEFAULT_REL_FLOOR } from '../../src/parity/check.js';
import { formatValueCeil } from '../../src/parity/format.js';
import { checkParityOutputs } from '../../src/parity/outputs.js';
import { PRESETS, resolveTolerance } from '../../src/parity/tolerance.js';

const f32 = (xs: number[], dims = [xs.length]) => ({ data: new Float32Array(xs), dims, type: 'float32' });
const f64 = (xs: number[], dims = [xs.length]) => ({ data: new Float64Array(xs), dims, type: 'float64' });

describe('checkParity: rule and numbers', () => {
  test('asymmetric rule: the reference scales the tolerance', () => {
    // |10 - 11| = 1 <= 0 + 0.1 * 11 but not <= 0.1 * 10
    expect(checkParity(f64([10]), f64([11]), { rtol: 0.1 }).pass).toBe(true);
    expect(checkParity(f64([11]), f64([10]), { rtol: 0.1 }).pass).toBe(true);
    expect(checkParity(f64([10]), f64([11.2]), { rtol: 0.1 }).pass).toBe(false);
    expect(checkParity(f64([11.2]), f64([10]), { rtol: 0.1 }).pass).toBe(false);
    expect(checkParity(f64([9.9]), f64([11]), { rtol: 0.1 }).pass).toBe(true);
    expect(checkParity(f64([11]), f64([9.9]), { rtol: 0.1 }).pass).toBe(false);
  });

  test('numbers: worst elements, indices, values, mean, min_passing_atol', () => {
    const r = checkParity(f32([0, 0, 0, 0, 0, 0], [2, 3]), f32([0, 0, 0.5, 0, -2, 1e-9], [2, 3]), { atol: 0.1, rtol: 0.01 });
    expect(r).toMatchObject({
      pass: false,
      status: 'fail',
      numel: 6,
      mismatched: 2,
      mismatched_fraction: 2 / 6,
      first_mismatch_index: [0, 2],
      max_abs_diff: 2,
      max_abs_index: [1, 1],
      max_abs_actual: 0,
      max_abs_reference: -2,
      max_rel_diff: 1,
      max_rel_index: [0, 2], // |0 - 0.5| / 0.5 = 1 (ties with [1, 1]: the first is kept)
      max_rel_actual: 0,
      max_rel_reference: 0.5,
      nan_mismatches: 0,
      inf_mismatches: 0,
      dtype_mismatch: false,
    });
    expect(r.mean_abs_diff).toBeCloseTo((0.5 + 2 + 1e-9) / 6, 12);
    // 2 - 0.01 * 2, widened by numpy's float32 roundings (at most 2^-19 of max |a - r|) so that it always passes
    expect(r.min_passing_atol).toBeGreaterThanOrEqual(1.98);
    expect(r.min_passing_atol).toBeLessThanOrEqual(1.98 + 2 ** -19 * 2);
    // min_passing_atol really is the smallest passing atol at that rtol
    const atol = r.min_passing_atol as number;
    expect(checkParity(f32([0, 0, 0, 0, 0, 0], [2, 3]), f32([0, 0, 0.5, 0, -2, 1e-9], [2, 3]), { atol: atol * 1.001, rtol: 0.01 }).pass).toBe(true);
    expect(checkParity(f32([0, 0, 0, 0, 0, 0], [2, 3]), f32([0, 0, 0.5, 0, -2, 1e-9], [2, 3]), { atol: atol * 0.99, rtol: 0.01 }).pass).toBe(false);
  });

  test('max_rel_diff is never Infinity: |reference| is floored', () => {
    const r = checkParity(f64([1e-3, 0]), f64([0, 0]), 0);
    expect(r.max_rel_diff).toBe(1e-3 / DEFAULT_REL_FLOOR);
    expect(Number.isFinite(r.max_rel_diff)).toBe(true);
    expect(checkParity(f64([1e-3]), f64([0]), 0, { relFloor: 1e-2 }).max_rel_diff).toBe(0.1);
    // every number is finite except the scale-free ones of an all-zero reference (written as null in JSON)
    expect(r).toMatchObject({ relative_error: Infinity, sqnr_db: -Infinity, cosine: 0 });
    const { relative_error: _rel, sqnr_db: _sqnr, ...rest } = r;
    expect(JSON.parse(JSON.stringify(rest))).toEqual(rest);
  });

  test('NaN matches NaN; +Inf only +Inf; -Inf only -Inf', () => {
    expect(checkParity(f64([NaN, Infinity, -Infinity]), f64([NaN, Infinity, -Infinity]), 'exact').pass).toBe(true);
    const r = checkParity(f64([NaN, 1, Infinity, -Infinity, Infinity]), f64([1, NaN, -Infinity, 5, Infinity]), 1e6);
    expect(r).toMatchObject({ pass: false, nan_mismatches: 2, inf_mismatches: 2, mismatched: 4, min_passing_atol: null, first_mismatch_index: [0] });
  });

  test('shape mismatch is a failure naming both shapes, not a crash (no broadcasting)', () => {
    const r = checkParity(f32([1, 2, 3, 4], [2, 2]), f32([1, 2, 3, 4], [4]));
    expect(r).toMatchObject({ pass: false, status: 'fail', reason: 'shape mismatch: actual [2, 2] vs reference [4]', actual_shape: [2, 2], reference_shape: [4] });
    expect(checkParity(f32([1]), 1).reason).toBe('shape mismatch: actual [1] vs reference []');
  });

  test('dtypes: floats compare across dtypes and the difference is reported; float vs int fails unless allowed', () => {
    const r = checkParity(f32([1.5]), f64([1.5]));
    expect(r).toMatchObject({ pass: true, dtype_mismatch: true, actual_dtype: 'float32', reference_dtype: 'float64' });
    const ints = { data: new Int32Array([1, 2]), shape: [2], dtype: 'int32' };
    expect(checkParity(f32([1, 2]), ints)).toMatchObject({ pass: false, reason: expect.stringContaining('dtype kind mismatch') });
    expect(checkParity(f32([1, 2]), ints, 'fp32', { allowIntFloat: true })).toMatchObject({ pass: true, dtype_mismatch: true });
    // plain JavaScript numbers carry no dtype and take the kind of the other side
    expect(checkParity(ints, [1, 2])).toMatchObject({ pass: true, dtype_mismatch: false });
  });

  test('integers and booleans compare exactly under a preset, by the numpy rule under explicit atol/rtol', () => {
    const a = { data: new Int32Array([100, 200]), shape: [2], dtype: 'int32' };
    const r = { data: new Int32Array([100, 201]), shape: [2], dtype: 'int32' };
    expect(checkParity(a, r, 'quantized')).toMatchObject({ pass: false, mismatched: 1 });
    expect(checkParity(a, r, 'quantized').tolerance.description).toBe('preset quantized (atol 0.01, rtol 0, statistic mean), exact for integer tensors');
    expect(checkParity(a, r, { atol: 1 }).pass).toBe(true);
    expect(checkParity(a, r, { rtol: 0.005 }).pass).toBe(true);
    const b1 = { data: new Uint8Array([1, 0]), shape: [2], dtype: 'bool' };
    const b2 = { data: new Uint8Array([1, 1]), shape: [2], dtype: 'bool' };
    expect(checkParity(b1, b2, 'bf16').pass).toBe(false);
    expect(checkParity(b1, b2, { atol: 1 }).pass).toBe(true);
  });

  test('int64 beyond 2^53 never loses precision', () => {
    const big = 2n ** 60n;
    const a = { data: new BigInt64Array([big, -big]), shape: [2], dtype: 'int64' };
    const r = { data: new BigInt64Array([big + 1n, -big]), shape: [2], dtype: 'int64' };
    expect(Number(big) === Number(big + 1n)).toBe(true); // a double cannot see the difference
    expect(checkParity(a, r, 'exact')).toMatchObject({ pass: false, mismatched: 1, max_abs_diff: 1, max_abs_index: [0] });
    expect(checkParity(a, a, 'exact').pass).toBe(true);
    expect(checkParity(a, r, { atol: 1 }).pass).toBe(true);
    expect(checkParity(a, r, { atol: 0.5 }).pass).toBe(false);
    const u = { data: new BigUint64Array([2n ** 64n - 1n]), shape: [1], dtype: 'uint64' };
    const u2 = { data: new BigUint64Array([2n ** 64n - 2n]), shape: [1], dtype: 'uint64' };
    expect(checkParity(u, u2, 'exact').max_abs_diff).toBe(1);
    // the JSON numbers are rounded there, so the exact values travel as strings
    expect(checkParity(a, r, 'exact').exact_values).toEqual({
      max_abs_diff: '1',
      max_abs_actual: '1152921504606846976',
      max_abs_reference: '1152921504606846977',
      max_rel_actual: '1152921504606846976',
      max_rel_reference: '1152921504606846977',
    });
    expect(checkParity(u, u2, 'exact').exact_values?.max_abs_actual).toBe('18446744073709551615');
    const small = { data: new BigInt64Array([5n, 7n]), shape: [2], dtype: 'int64' };
    expect(checkParity(small, { ...small, data: new BigInt64Array([5n, 9n]) }, 'exact')).not.toHaveProperty('exact_values');
  });

  test('float32 tensors are judged with numpy float32 rounding', () => {
    // numpy: abs(x - y) and atol + rtol*abs(y) in float32: |1.0000001 - 1| = 1.19e-7 rounds, atol 1.19e-7 in f32 passes
    const eps = 2 ** -23;
    expect(checkParity(f32([1 + eps]), f32([1]), { atol: eps }).pass).toBe(true);
    expect(checkParity(f32([1 + eps]), f32([1]), { atol: eps * 0.99999999 }).pass).toBe(true); // atol rounds up to eps in float32
    expect(checkParity(f64([1 + eps]), f64([1]), { atol: eps * 0.99999999 }).pass).toBe(false);
  });

  test('empty tensors pass', () => {
    expect(checkParity({ data: new Float32Array(0), dims: [0, 3] }, { data: new Float32Array(0), dims: [0, 3] })).toMatchObject({ pass: true, numel: 0, max_abs_index: null });
  });
});

describe('tolerances', () => {
  test('every spec form resolves', () => {
    expect(resolveTolerance()).toMatchObject({ preset: 'fp32', atol: 1e-4, rtol: PRESETS.fp32.rtol, exact_integers: true });
    expect(resolveTolerance(1e-3)).toMatchObject({ preset: null, atol: 1e-3, rtol: 0, exact_integers: false, description: 'atol 0.001, rtol 0' });
    expect(resolveTolerance({ atol: 1e-5, rtol: 1e-3 })).toMatchObject({ atol: 1e-5, rtol: 1e-3, preset: null });
    expect(resolveTolerance('fp16')).toMatchObject({ preset: 'fp16', atol: PRESETS.fp16.atol, rtol: PRESETS.fp16.rtol });
    expect(resolveTolerance({ fp32: 1e-5 })).toMatchObject({ preset: 'fp32', atol: 1e-5, rtol: PRESETS.fp32.rtol });
    expect(resolveTolerance({ quantized: 1e-2 })).toMatchObject({ preset: 'quantized', atol: 1e-2, statistic: 'mean' });
    expect(resolveTolerance({ preset: 'bf16', rtol: 0.1 })).toMatchObject({ preset: 'bf16', atol: PRESETS.bf16.atol, rtol: 0.1 });
    expect(resolveTolerance('exact')).toMatchObject({ atol: 0, rtol: 0 });
  });

  test('invalid specs throw TypeErrors naming the field', () => {
    expect(() => resolveTolerance({ atl: 1 } as never)).toThrow(
      new TypeError("tolerance: unknown key 'atl' (expected atol, rtol, preset, statistic, allowedMismatchFraction or a preset name: fp32, fp16, bf16, quantized, exact)"),
    );
    expect(() => resolveTolerance({ fp32: 1, fp16: 2 })).toThrow(new TypeError('tolerance: a preset map names one preset, received fp32, fp16'));
    expect(() => resolveTolerance(NaN)).toThrow(new TypeError('tolerance: expected atol to be a finite number >= 0, received NaN'));
    expect(() => resolveTolerance({ atol: 1, statistic: 'median' } as never)).toThrowError(/statistic/);
    expect(() => resolveTolerance({ atol: 1, allowedMismatchFraction: 2 })).toThrow(
      new TypeError('tolerance: expected allowedMismatchFraction to be a number in [0, 1], received 2'),
    );
    expect(() => resolveTolerance({})).toThrowError(/needs atol, rtol, preset/);
  });
});

describe('beyond the anchors', () => {
  const ref = f32(Array.from({ length: 100 }, (_, i) => i / 10));
  const twoBad = f32(Array.from({ length: 100 }, (_, i) => i / 10 + (i < 2 ? 1 : 0)));

  test('allowed mismatch fraction: a small fraction warns (pass stays true), a larger one fails', () => {
    expect(checkParity(twoBad, ref, { atol: 1e-4, allowedMismatchFraction: 0.02 })).toMatchObject({ pass: true, status: 'warn', mismatched: 2 });
    expect(checkParity(twoBad, ref, { atol: 1e-4, allowedMismatchFraction: 0.01 })).toMatchObject({ pass: false, status: 'fail' });
    expect(checkParity(twoBad, ref, 'fp32', { allowedMismatchFraction: 0.05 })).toMatchObject({ status: 'warn' });
    // NaN is never excused
    const nan = f32([NaN, 1, 2, 3]);
    expect(checkParity(nan, f32([0, 1, 2, 3]), { atol: 1, allowedMismatchFraction: 0.5 }).status).toBe('fail');
  });

  test('statistic mean: the mean of |a - r| decides, elementwise numbers still reported', () => {
    const r = checkParity(twoBad, ref, { atol: 0.05, statistic: 'mean' });
    expect(r).toMatchObject({ pass: true, status: 'ok', mismatched: 2 });
    expect(r.max_abs_diff).toBeCloseTo(1, 6);
    expect(r.statistic_value).toBeCloseTo(0.02, 6);
    expect(checkParity(twoBad, ref, { atol: 0.01, statistic: 'mean' }).pass).toBe(false);
  });

  test('statistic quantile of |a - r|', () => {
    expect(checkParity(twoBad, ref, { atol: 1e-4, statistic: { quantile: 0.95 } }).pass).toBe(true);
    const q99 = checkParity(twoBad, ref, { atol: 1e-4, statistic: { quantile: 0.995 } });
    expect(q99.pass).toBe(false);
    expect(q99.statistic_value).toBeCloseTo(1, 5);
    // numpy's default (linear) interpolation: position 0.985 * 99 = 97.515 lies between a ~0 and a ~1 order statistic
    expect(checkParity(twoBad, ref, { atol: 1, statistic: { quantile: 0.985 } }).statistic_value).toBeCloseTo(0.515, 5);
  });

  test('per-output tolerances by output name, with a default', () => {
    const actual = { logits: f32([1.001, 2]), probs: f32([0.5, 0.5]), hidden: f32([3]) };
    const reference = { logits: f32([1, 2]), probs: f32([0.5, 0.501]), hidden: f32([3]) };
    const r = checkParityOutputs(actual, reference, { logits: { atol: 1e-2 }, default: 'fp32' });
    expect(r).toMatchObject({ pass: false, status: 'fail', missing: [], extra: [] });
    expect(r.outputs.logits?.pass).toBe(true);
    expect(r.outputs.probs?.pass).toBe(false);
    expect(r.outputs.hidden?.pass).toBe(true);
    expect(checkParityOutputs(actual, reference, { logits: 1e-2, probs: 1e-3 }).pass).toBe(true);
    expect(checkParityOutputs(actual, reference, 1e-2).pass).toBe(true);
    const missing = checkParityOutputs({ logits: actual.logits }, reference, 1);
    expect(missing).toMatchObject({ pass: false, missing: ['probs', 'hidden'] });
    expect(() => checkParityOutputs(actual, reference, { logit: 1 })).toThrow(
      new TypeError("tolerances: no reference output named 'logit' (outputs: logits, probs, hidden)"),
    );
  });
});

describe('min_passing_atol', () => {
  /** mulberry32: a small seeded PRNG, so the cases are the same on every run. */
  function prng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const halfBits = (x: number): number => {
    // round-to-nearest float32 -> float16 bits, good enough for values well inside the half range
    const f = new Float32Array([x]);
    const u = new Uint32Array(f.buffer)[0] as number;
    const sign = (u >>> 16) & 0x8000;
    const e = ((u >>> 23) & 0xff) - 127 + 15;
    if (e <= 0) return sign;
    const m = u & 0x7fffff;
    let h = sign | (e << 10) | (m >>> 13);
    if ((m & 0x1fff) > 0x1000 || ((m & 0x1fff) === 0x1000 && (h & 1) === 1)) h++;
    return h;
  };

  test('always passes when used as atol, and so does the number the message prints (numpy rounding included)', () => {
    const rand = prng(20261129);
    let failing = 0;
    const problems: string[] = [];
    for (let t = 0; t < 600; t++) {
      const n = 1 + Math.floor(rand() * 40);
      const scale = 10 ** (rand() * 6 - 3);
      const ref = Array.from({ length: n }, () => (rand() - 0.5) * scale);
      const noise = 10 ** (rand() * 8 - 8);
      const act = ref.map((v) => v + (rand() - 0.5) * noise * scale);
      const kind = t % 4;
      const make = (xs: number[]) =>
        kind === 0
          ? { data: Float32Array.from(xs), dims: [n], type: 'float32' }
          : kind === 1
            ? { data: Float64Array.from(xs), dims: [n], type: 'float64' }
            : kind === 2
              ? { data: Uint16Array.from(xs, halfBits), dims: [n], type: 'float16' }
              : { data: Int32Array.from(xs, (x) => Math.round(x * 1000)), dims: [n], type: 'int32' };
      const rtol = rand() < 0.3 ? 0 : 10 ** (rand() * 8 - 9);
      const a = make(act);
      const r = make(ref);
      const res = checkParity(a, r, { atol: 0, rtol });
      if (!res.pass) failing++;
      const m = res.min_passing_atol as number;
      if (!checkParity(a, r, { atol: m, rtol }).pass) problems.push(`case ${t} (${r.type}): atol ${m} fails`);
      const printed = Number(formatValueCeil(m));
      if (!checkParity(a, r, { atol: printed, rtol }).pass) problems.push(`case ${t} (${r.type}): printed ${printed} fails`);
      // and it is the smallest up to the roundings: no more than 2^-19 (float32/64) or 2^-8 (float16) of
      // max |a - r| above the float64 maximum of |a - r| - rtol * |r| (plus 8 subnormal float16 steps near zero)
      const slack = r.type === 'float16' ? 2 ** -8 * res.max_abs_diff + 2 ** -21 : 2 ** -19 * res.max_abs_diff + 1e-300;
      if (m > res.statistic_value + slack) problems.push(`case ${t} (${r.type}): ${m} is far above ${res.statistic_value}`);
    }
    expect(problems).toEqual([]);
    expect(failing).toBeGreaterThan(300);
  });

  test('a failure reports the float32 value numpy would need, and the printed number passes (a naive 6-digit print does not)', () => {
    const n = 20480;
    const r = new Float32Array(n).map((_, i) => Math.sin(i));
    const a = Float32Array.from(r);
    for (let k = 0; k < 12; k++) a[k * 1000 + 17] = (a[k * 1000 + 17] as number) + 0.01 * (k + 1);
    const res = checkParity(a, r);
    const m = res.min_passing_atol as number;
    expect(Math.fround(m)).toBe(m);
    expect(checkParity(a, r, { atol: m, rtol: 1e-4 }).pass).toBe(true);
    expect(checkParity(a, r, { atol: 0.119946, rtol: 1e-4 }).pass).toBe(false); // 6 digits rounded to nearest
    expect(formatValueCeil(m)).toBe('0.119947');
    expect(checkParity(a, r, { atol: 0.119947, rtol: 1e-4 }).pass).toBe(true);
  });
});
