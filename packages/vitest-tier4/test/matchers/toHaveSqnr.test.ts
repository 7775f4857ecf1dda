import { describe, expect, test } from 'vitest';
import '../../src/setup.js';
import type { Tier4SqnrRecord } from '../../src/meta/types.js';
import { failureOf } from './helpers.js';

const t = (values: number[]) => ({ data: Float32Array.from(values), dims: [values.length], type: 'float32' });
const reference = t([3, 4, 0, 0]); // ||r|| = 5
const close = t([3, 4, 0.05, 0]); // ||e|| = 0.05: 40 dB
const noisy = t([3, 4, 0.5, 0]); // ||e|| = 0.5: 20 dB

describe('toHaveSqnr', () => {
  describe('pass', () => {
    test('at or above the bound; identical tensors are +Infinity dB', () => {
      expect(close).toHaveSqnr(reference, 39.99);
      expect(reference).toHaveSqnr(reference, 1000);
      expect(noisy).toHaveSqnr(reference, -Infinity);
    });
  });
  describe('.not pass', () => {
    test('below the bound', () => {
      expect(noisy).not.toHaveSqnr(reference, 30);
    });
  });
  describe('fail', () => {
    test('names the bound, the SQNR and the scale-free line', () => {
      expect(failureOf(() => expect(noisy).toHaveSqnr(reference, 40, { model: 'lm_stub', format: 'onnx', output: 'logits' }))).toMatchInlineSnapshot(`
        "expect(actual).toHaveSqnr(reference, minDb)

        Compared: model lm_stub, format onnx, output logits
        Expected SQNR of actual against reference >= 40.0 dB, received 20.0 dB
        Scale-free: relative error 0.1, SQNR 20.0 dB, cosine 0.99503719 over 4 element(s)"
      `);
    });
    test('NaN on one side cannot hide behind the finite pairs', () => {
      expect(failureOf(() => expect(t([3, 4, NaN, 0])).toHaveSqnr(reference, 10))).toMatchInlineSnapshot(`
        "expect(actual).toHaveSqnr(reference, minDb)

        Expected SQNR of actual against reference >= 10.0 dB, but it cannot be measured: 1 NaN and 0 Inf element(s) on one side only: the metric over the finite pairs would hide them"
      `);
    });
  });
  describe('.not fail', () => {
    test('at or above the bound', () => {
      expect(failureOf(() => expect(close).not.toHaveSqnr(reference, 30))).toMatchInlineSnapshot(`
        "expect(actual).not.toHaveSqnr(reference, minDb)

        Expected SQNR of actual against reference < 30.0 dB, received 40.0 dB
        Scale-free: relative error 0.01, SQNR 40.0 dB, cosine 0.999950004 over 4 element(s)"
      `);
    });
  });
  test('invalid arguments are TypeErrors', () => {
    expect(() => expect(close).toHaveSqnr(reference, '40' as never)).toThrow(new TypeError('toHaveSqnr: minDb must be a number of dB such as 40, received string'));
    expect(failureOf(() => expect(t([1, 2])).toHaveSqnr(reference, 40))).toContain('Expected SQNR of actual against reference >= 40.0 dB, but it cannot be measured: shape mismatch: actual [2] vs reference [4]');
  });
  test('records the numbers in task.meta.tier4', ({ task }) => {
    expect(noisy).not.toHaveSqnr(reference, 30);
    const rec = task.meta.tier4?.records.at(-1) as Tier4SqnrRecord;
    expect(rec).toMatchObject({ kind: 'sqnr', pass: false, status: 'fail', negated: true, summary: { min_db: 30, numel: 4 } });
    expect(rec.summary.sqnr_db).toBeCloseTo(20, 4);
  });
});
