import { describe, expect, test } from 'vitest';
import '../../src/setup.js';
import type { Tier4ParityRecord } from '../../src/meta/types.js';
import { failureOf } from './helpers.js';

const ref = { data: new Float32Array([0.5, -1.25, 2, 3.5, 10, -7]), dims: [2, 3], type: 'float32' };
const near = { data: new Float32Array([0.50001, -1.25002, 2, 3.5, 10.0005, -7]), dims: [2, 3], type: 'float32' };
const far = { data: new Float32Array([0.5, -1.25, 2.5, 3.5, 10, -7.01]), dims: [2, 3], type: 'float32' };

describe('toMatchParity', () => {
  describe('pass', () => {
    test('within the default fp32 preset', () => {
      expect(near).toMatchParity(ref);
    });
    test('with a number (atol), an { atol, rtol } object, a preset and a preset map', () => {
      expect(far).toMatchParity(ref, 0.5);
      expect(far).toMatchParity(ref, { atol: 0, rtol: 0.25 });
      expect(near).toMatchParity(ref, 'fp16');
      expect(far).toMatchParity(ref, { quantized: 0.1 });
    });
    test('NaN meets NaN and Inf meets Inf', () => {
      expect([NaN, Infinity, -Infinity, 1]).toMatchParity([NaN, Infinity, -Infinity, 1], 'exact');
    });
    test('a small allowed mismatch fraction passes with status warn', ({ task }) => {
      expect(far).toMatchParity(ref, { atol: 1e-4, allowedMismatchFraction: 0.5 });
      const rec = task.meta.tier4?.records.at(-1) as Tier4ParityRecord;
      expect(rec.status).toBe('warn');
      expect(rec.pass).toBe(true);
    });
  });

  describe('.not pass', () => {
    test('values outside the tolerance', () => {
      expect(far).not.toMatchParity(ref);
    });
    test('different shapes', () => {
      expect([1, 2, 3]).not.toMatchParity([[1, 2, 3]]);
    });
  });

  describe('fail', () => {
    test('message names tolerance, formula, mismatches, worst elements, mean and smallest passing atol', () => {
      expect(failureOf(() => expect(far).toMatchParity(ref))).toMatchInlineSnapshot(`
        "expect(actual).toMatchParity(reference)

        Expected actual to match reference.
        Tolerance: preset fp32 (atol 1e-4, rtol 1e-4)
        Rule: |actual - reference| <= atol + rtol * |reference| (every element)
        Mismatched elements: 2 / 6 (33.33%)
        Greatest absolute difference: 0.5 at index [0, 2] (actual 2.5, reference 2; up to 3e-4 allowed)
        Greatest relative difference: 0.25 at index [0, 2] (actual 2.5, reference 2; up to 1e-4 allowed; |reference| floored at 1e-6)
        Mean absolute difference: 0.085
        Scale-free: relative error 0.0387, SQNR 28.2 dB, cosine 0.999281999
        First mismatch at index [0, 2]
        Smallest atol that would pass at rtol 1e-4: 0.499801"
      `);
    });
    test('mismatched count and percentage on a large tensor', () => {
      const n = 20480;
      const r = new Float32Array(n).map((_, i) => Math.sin(i));
      const a = Float32Array.from(r);
      for (let k = 0; k < 12; k++) a[k * 1000 + 17] = (a[k * 1000 + 17] as number) + 0.01 * (k + 1);
      expect(failureOf(() => expect({ data: a, dims: [4, 64, 80] }).toMatchParity({ data: r, dims: [4, 64, 80] }, 'fp32', { model: 'lm_stub', format: 'onnx', output: 'logits', sample: 0 }))).toMatchInlineSnapshot(`
        "expect(actual).toMatchParity(reference)

        Compared: model lm_stub, format onnx, output logits, sample 0
        Expected actual to match reference.
        Tolerance: preset fp32 (atol 1e-4, rtol 1e-4)
        Rule: |actual - reference| <= atol + rtol * |reference| (every element)
        Mismatched elements: 12 / 20480 (0.06%)
        Greatest absolute difference: 0.12 at index [2, 9, 57] (actual 0.655784, reference 0.535784; up to 1.53578e-4 allowed)
        Greatest relative difference: 0.487194 at index [0, 62, 57] (actual 0.183154, reference 0.123154; up to 1e-4 allowed; |reference| floored at 1e-6)
        Mean absolute difference: 3.80859e-5
        Scale-free: relative error 0.00252, SQNR 52.0 dB, cosine 0.999996826
        First mismatch at index [0, 0, 17]
        Smallest atol that would pass at rtol 1e-4: 0.119947
        Hint: only 0.06% of elements exceed the tolerance; allowedMismatchFraction: 0.00059 would report a warning instead."
      `);
    });
    test('shape mismatch names both shapes', () => {
      expect(failureOf(() => expect({ data: new Float32Array(6), dims: [2, 3] }).toMatchParity({ data: new Float32Array(6), dims: [3, 2] }))).toMatchInlineSnapshot(`
        "expect(actual).toMatchParity(reference)

        Expected actual to match reference.
        Tolerance: preset fp32 (atol 1e-4, rtol 1e-4)
        Rule: |actual - reference| <= atol + rtol * |reference| (every element)
        Not compared: shape mismatch: actual [2, 3] vs reference [3, 2]
        Shapes: actual [2, 3], reference [3, 2]
        Dtypes: actual float32, reference float32
        Hint: the shapes hold the same sizes in another order: a layout difference (e.g. NCHW vs NHWC) or a missing transpose?"
      `);
    });
    test('NaN and Inf mismatches', () => {
      expect(failureOf(() => expect([1, NaN, Infinity, 4]).toMatchParity([1, 2, -Infinity, 4]))).toMatchInlineSnapshot(`
        "expect(actual).toMatchParity(reference)

        Expected actual to match reference.
        Tolerance: preset fp32 (atol 1e-4, rtol 1e-4)
        Rule: |actual - reference| <= atol + rtol * |reference| (every element)
        Mismatched elements: 2 / 4 (50%)
        Greatest absolute difference: 0 at index [0] (actual 1, reference 1; up to 2e-4 allowed)
        Greatest relative difference: 0 at index [0] (actual 1, reference 1; up to 1e-4 allowed; |reference| floored at 1e-6)
        Mean absolute difference: 0
        Scale-free: relative error 0, SQNR +Inf dB, cosine 1
        NaN mismatches: 1, Inf mismatches: 1 (NaN must meet NaN, +Inf +Inf, -Inf -Inf)
        First mismatch at index [1]
        Smallest passing tolerance: none (NaN/Inf mismatches fail at any tolerance)"
      `);
    });
    test('float against integer fails unless allowIntFloat', () => {
      const ints = { data: new Int32Array([1, 2, 3]), shape: [3], dtype: 'int32' };
      const floats = { data: new Float32Array([1, 2, 3]), shape: [3], dtype: 'float32' };
      expect(failureOf(() => expect(floats).toMatchParity(ints))).toMatchInlineSnapshot(`
        "expect(actual).toMatchParity(reference)

        Expected actual to match reference.
        Tolerance: preset fp32 (atol 1e-4, rtol 1e-4)
        Rule: |actual - reference| <= atol + rtol * |reference| (every element)
        Not compared: dtype kind mismatch: actual float32 vs reference int32 (pass allowIntFloat: true to compare by value)
        Shapes: actual [3], reference [3]
        Dtypes: actual float32, reference int32"
      `);
      expect(floats).toMatchParity(ints, 'fp32', { allowIntFloat: true });
    });
    test('a float16 output under an fp32 preset gets a hint', () => {
      const half = { data: new Uint16Array([0x3c00, 0x3556]), dims: [2], type: 'float16' }; // 1, 0.333496
      const msg = failureOf(() => expect(half).toMatchParity(new Float32Array([1, 1 / 3])));
      expect(msg).toContain("Dtypes differ: actual float16, reference float32\nHint: actual is float16; the 'fp16' preset is meant for it.");
      expect(half).toMatchParity(new Float32Array([1, 1 / 3]), 'fp16');
    });
    test('values that agree in 6 digits print with enough digits to differ', () => {
      const msg = failureOf(() => expect(new Float32Array([1 + 2 ** -23, 2])).toMatchParity(new Float32Array([1, 2]), 'exact'));
      expect(msg).toContain('Greatest absolute difference: 1.19209e-7 at index [0] (actual 1.0000001, reference 1; up to 0 allowed)');
    });
    test('int64 beyond 2^53: exact values in the message', () => {
      const big = 2n ** 60n;
      const a = { data: BigInt64Array.from([big + 1n, 7n]), dims: [2], type: 'int64' };
      const r = { data: BigInt64Array.from([big, 7n]), dims: [2], type: 'int64' };
      expect(failureOf(() => expect(a).toMatchParity(r))).toMatchInlineSnapshot(`
        "expect(actual).toMatchParity(reference)

        Expected actual to match reference.
        Tolerance: preset fp32 (atol 1e-4, rtol 1e-4), exact for integer tensors
        Rule: |actual - reference| <= atol + rtol * |reference| (every element)
        Mismatched elements: 1 / 2 (50%)
        Greatest absolute difference: 1 at index [0] (actual 1152921504606846977, reference 1152921504606846976; up to 0 allowed)
        Greatest relative difference: 8.67362e-19 at index [0] (actual 1152921504606846977, reference 1152921504606846976; up to 0 allowed; |reference| floored at 1e-6)
        Mean absolute difference: 0.5
        Scale-free: relative error 8.67e-19, SQNR 361.2 dB, cosine 1
        First mismatch at index [0]
        Smallest atol that would pass at rtol 0: 1"
      `);
    });
    test('quantized preset judges the mean', () => {
      const r = new Float32Array(100).fill(1);
      const a = r.map((v, i) => (i < 50 ? v + 0.05 : v));
      expect(failureOf(() => expect(a).toMatchParity(r, 'quantized'))).toMatchInlineSnapshot(`
        "expect(actual).toMatchParity(reference)

        Expected actual to match reference.
        Tolerance: preset quantized (atol 0.01, rtol 0, statistic mean)
        Rule: mean(|actual - reference|) <= atol + rtol * mean(|reference|)
        Mismatched elements: 50 / 100 (50%) (elementwise atol/rtol rule, for information)
        Greatest absolute difference: 0.05 at index [0] (actual 1.05, reference 1; up to 0.01 allowed)
        Greatest relative difference: 0.05 at index [0] (actual 1.05, reference 1; up to 0 allowed; |reference| floored at 1e-6)
        Mean absolute difference: 0.025
        Scale-free: relative error 0.0354, SQNR 29.0 dB, cosine 0.999702691
        First mismatch at index [0]
        Statistic (mean of |actual - reference|): 0.025 > threshold 0.01
        Smallest atol that would pass at rtol 0: 0.025"
      `);
    });
  });

  describe('.not fail', () => {
    test('message says it matched and shows the numbers', () => {
      expect(failureOf(() => expect(near).not.toMatchParity(ref))).toMatchInlineSnapshot(`
        "expect(actual).not.toMatchParity(reference)

        Expected actual not to match reference, but it does (status ok).
        Tolerance: preset fp32 (atol 1e-4, rtol 1e-4)
        Rule: |actual - reference| <= atol + rtol * |reference| (every element)
        Mismatched elements: 0 / 6 (0%)
        Greatest absolute difference: 4.99725e-4 at index [1, 1] (actual 10.0005, reference 10; up to 0.0011 allowed)
        Greatest relative difference: 4.99725e-5 at index [1, 1] (actual 10.0005, reference 10; up to 1e-4 allowed; |reference| floored at 1e-6)
        Mean absolute difference: 8.82943e-5
        Scale-free: relative error 3.87e-5, SQNR 88.2 dB, cosine 0.999999999704
        Smallest atol that would pass at rtol 1e-4: 0"
      `);
    });
  });

  describe('records numbers in task.meta.tier4', () => {
    test('labels and the ParityResult, no tensors', ({ task }) => {
      expect(near).toMatchParity(ref, { fp32: 1e-3 }, { model: 'cnn', format: 'torchscript', output: 'probs', sample: 'a' });
      expect(far).not.toMatchParity(ref);
      const records = task.meta.tier4?.records as Tier4ParityRecord[];
      expect(records).toHaveLength(2);
      const [first, second] = records as [Tier4ParityRecord, Tier4ParityRecord];
      expect(first).toMatchObject({ kind: 'parity', pass: true, status: 'ok', negated: false, model: 'cnn', format: 'torchscript', output: 'probs', sample: 'a' });
      expect(first.summary.tolerance).toMatchObject({ preset: 'fp32', atol: 1e-3, rtol: 1e-4 });
      expect(second).toMatchObject({ kind: 'parity', pass: false, status: 'fail', negated: true });
      expect(JSON.parse(JSON.stringify(records))).toEqual(records);
    });
  });

  describe('invalid arguments', () => {
    test('TypeError naming the argument', () => {
      expect(() => expect('x').toMatchParity(ref)).toThrow(new TypeError("toMatchParity: actual: expected a tensor (onnxruntime Tensor, { data, shape }, { data, dims }, typed array or nested number array), received string"));
      expect(() => expect(ref).toMatchParity({ foo: 1 } as never)).toThrowError(/^toMatchParity: reference: expected a tensor/);
      expect(() => expect(ref).toMatchParity(ref, 'fp8' as never)).toThrow(new TypeError("toMatchParity: tolerance: unknown preset 'fp8' (expected one of fp32, fp16, bf16, quantized, exact)"));
      expect(() => expect(ref).toMatchParity(ref, -1)).toThrow(new TypeError('toMatchParity: tolerance: expected atol to be a finite number >= 0, received -1'));
      expect(() => expect(ref).toMatchParity(ref, 'fp32', { model: 3 } as never)).toThrow(new TypeError('toMatchParity: options.model must be a string, received number'));
      expect(() => expect(ref).toMatchParity(ref, 'fp32', 'x' as never)).toThrow(TypeError);
    });
  });
});
