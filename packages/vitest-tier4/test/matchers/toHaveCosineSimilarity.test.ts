import { describe, expect, test } from 'vitest';
import '../../src/setup.js';
import type { Tier4CosineRecord } from '../../src/meta/types.js';
import { failureOf } from './helpers.js';

const t = (values: number[]) => ({ data: Float32Array.from(values), dims: [values.length], type: 'float32' });
const reference = t([1, 0, 0]);
const rotated = t([1, 1, 0]); // cosine 1/sqrt(2)
const scaled = t([1e-6, 0, 0]); // same direction at any scale: cosine 1

describe('toHaveCosineSimilarity', () => {
  describe('pass', () => {
    test('same direction at any scale, and at the bound', () => {
      expect(scaled).toHaveCosineSimilarity(reference, 1);
      expect(rotated).toHaveCosineSimilarity(reference, 0.7);
    });
  });
  describe('.not pass', () => {
    test('below the bound; opposite direction', () => {
      expect(rotated).not.toHaveCosineSimilarity(reference, 0.99);
      expect(t([-1, 0, 0])).not.toHaveCosineSimilarity(reference, 0);
    });
  });
  describe('fail', () => {
    test('names the bound and the cosine', () => {
      expect(failureOf(() => expect(rotated).toHaveCosineSimilarity(reference, 0.999, { sample: 3 }))).toMatchInlineSnapshot(`
        "expect(actual).toHaveCosineSimilarity(reference, min)

        Compared: sample 3
        Expected cosine similarity of actual and reference >= 0.999, received 0.707106781
        Scale-free: relative error 1, SQNR 0.0 dB, cosine 0.707106781 over 3 element(s)"
      `);
    });
  });
  describe('.not fail', () => {
    test('at or above the bound', () => {
      expect(failureOf(() => expect(scaled).not.toHaveCosineSimilarity(reference, 0.5))).toMatchInlineSnapshot(`
        "expect(actual).not.toHaveCosineSimilarity(reference, min)

        Expected cosine similarity of actual and reference < 0.5, received 1
        Scale-free: relative error 1, SQNR 0.0 dB, cosine 1 over 3 element(s)"
      `);
    });
  });
  test('invalid arguments are TypeErrors', () => {
    expect(() => expect(scaled).toHaveCosineSimilarity(reference, 2)).toThrow(new TypeError('toHaveCosineSimilarity: min must be a number from -1 to 1 such as 0.999, received 2'));
    expect(() => expect(scaled).toHaveCosineSimilarity(reference, 0.9, 'x' as never)).toThrow(new TypeError('toHaveCosineSimilarity: options must be an object, received string'));
  });
  test('records the numbers in task.meta.tier4', ({ task }) => {
    expect(rotated).toHaveCosineSimilarity(reference, 0.7);
    const rec = task.meta.tier4?.records.at(-1) as Tier4CosineRecord;
    expect(rec).toMatchObject({ kind: 'cosine', pass: true, status: 'ok', negated: false, summary: { min: 0.7, numel: 3 } });
    expect(rec.summary.cosine).toBeCloseTo(Math.SQRT1_2, 6);
  });
});
