import { describe, expect, test } from 'vitest';
import '../../src/setup.js';
import type { Tier4FiniteRecord } from '../../src/meta/types.js';
import { failureOf } from './helpers.js';

const clean = { data: new Float32Array([1, -2, 3.5, 0]), dims: [2, 2], type: 'float32' };
const dirty = { data: new Float32Array([1, NaN, 3, Infinity, NaN, -Infinity]), dims: [2, 3], type: 'float32' };
// float16 raw bits: 1.0, NaN (0x7e00), +Inf (0x7c00)
const halfDirty = { data: new Uint16Array([0x3c00, 0x7e00, 0x7c00]), dims: [3], type: 'float16' };

describe('toBeFinite', () => {
  describe('pass', () => {
    test('finite floats and any integer tensor', () => {
      expect(clean).toBeFinite();
      expect({ data: new BigInt64Array([1n, 2n]), shape: [2], dtype: 'int64' }).toBeFinite();
      expect([[1, 2], [3, 4]]).toBeFinite();
    });
  });
  describe('.not pass', () => {
    test('NaN or Inf present', () => {
      expect(dirty).not.toBeFinite();
      expect(halfDirty).not.toBeFinite();
    });
  });
  describe('fail', () => {
    test('counts NaN and Inf with the first index of each', () => {
      expect(failureOf(() => expect(dirty).toBeFinite())).toMatchInlineSnapshot(`
        "expect(received).toBeFinite()

        Expected all 6 elements to be finite, but 4 are not:
        NaN: 2 (first at [0, 1])
        +Inf: 1, -Inf: 1 (first Inf at [1, 0])"
      `);
    });
    test('float16 raw bits are decoded', () => {
      expect(failureOf(() => expect(halfDirty).toBeFinite())).toMatchInlineSnapshot(`
        "expect(received).toBeFinite()

        Expected all 3 elements to be finite, but 2 are not:
        NaN: 1 (first at [1])
        +Inf: 1, -Inf: 0 (first Inf at [2])"
      `);
    });
  });
  describe('.not fail', () => {
    test('all finite', () => {
      expect(failureOf(() => expect(clean).not.toBeFinite())).toMatchInlineSnapshot(`
        "expect(received).not.toBeFinite()

        Expected some element to be NaN or ±Inf, but all 4 elements are finite (float32)."
      `);
    });
  });
  test('records the counts in task.meta.tier4', ({ task }) => {
    expect(dirty).not.toBeFinite();
    expect(task.meta.tier4?.records.at(-1) as Tier4FiniteRecord).toEqual({
      kind: 'finite',
      pass: false,
      status: 'fail',
      negated: true,
      asserted: true,
      summary: { numel: 6, nan_count: 2, posinf_count: 1, neginf_count: 1, first_nan_index: [0, 1], first_inf_index: [1, 0] },
    });
  });
  describe('invalid arguments', () => {
    test('TypeError naming the argument', () => {
      expect(() => expect('nan').toBeFinite()).toThrowError(/^toBeFinite: received: expected a tensor/);
      expect(() => expect({ name: 'x', isTensor: true, type: 'float32', shape: [1] }).toBeFinite()).toThrow(
        new TypeError('toBeFinite: received session metadata; expected a tensor with data'),
      );
      expect(() => (expect(clean).toBeFinite as (x: unknown) => void)(1)).toThrow(new TypeError('toBeFinite: takes no arguments, received 1'));
    });
  });
});
