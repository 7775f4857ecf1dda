import { describe, expect, test } from 'vitest';
import '../../src/setup.js';
import type { Tier4ShapeRecord } from '../../src/meta/types.js';
import { failureOf } from './helpers.js';

const logits = { data: new Float32Array(2 * 3 * 10), dims: [2, 3, 10], type: 'float32' };
// onnxruntime-node InferenceSession.inputMetadata / outputMetadata entries (onnxruntime-common 1.30 typings)
const inputMeta = { name: 'input_ids', isTensor: true as const, type: 'int64', shape: ['batch', 'seq'] };
const outputMeta = { name: 'logits', isTensor: true as const, type: 'float32', shape: ['batch', 'seq', 1000] };

describe('toHaveShape', () => {
  describe('pass', () => {
    test('exact sizes, null wildcards and named dimensions', () => {
      expect(logits).toHaveShape([2, 3, 10]);
      expect(logits).toHaveShape([null, 3, null]);
      expect(logits).toHaveShape(['batch', 'seq', 10]);
      expect({ data: new Float32Array(4), shape: [2, 2] }).toHaveShape(['n', 'n']);
    });
    test('typed arrays, nested arrays and scalars', () => {
      expect(new Float32Array(5)).toHaveShape([5]);
      expect([[1, 2, 3], [4, 5, 6]]).toHaveShape([2, 3]);
      expect(3.5).toHaveShape([]);
    });
    test('onnxruntime session metadata with symbolic dimensions', () => {
      expect(inputMeta).toHaveShape(['batch', 'seq']);
      expect(outputMeta).toHaveShape([null, null, 1000]);
      expect(outputMeta).toHaveShape(['b', 's', 'vocab']);
    });
  });

  describe('.not pass', () => {
    test('different size, rank or inconsistent named dimension', () => {
      expect(logits).not.toHaveShape([2, 3, 11]);
      expect(logits).not.toHaveShape([2, 30]);
      expect(logits).not.toHaveShape(['n', 'n', 10]);
      expect(outputMeta).not.toHaveShape([1, null, 1000]);
    });
  });

  describe('fail', () => {
    test('size mismatch names the axis', () => {
      expect(failureOf(() => expect(logits).toHaveShape([2, 3, 11]))).toMatchInlineSnapshot(`
        "expect(received).toHaveShape(shape)

        Expected shape: [2, 3, 11]
        Received shape: [2, 3, 10] (tensor)
        Mismatch: axis 2: expected 11, received 10"
      `);
    });
    test('rank mismatch', () => {
      expect(failureOf(() => expect(logits).toHaveShape([60]))).toMatchInlineSnapshot(`
        "expect(received).toHaveShape(shape)

        Expected shape: [60]
        Received shape: [2, 3, 10] (tensor)
        Mismatch: rank: expected 1 dimension, received 3"
      `);
    });
    test('named dimension disagreeing across repeats', () => {
      expect(failureOf(() => expect(logits).toHaveShape(['n', 'n', 10]))).toMatchInlineSnapshot(`
        "expect(received).toHaveShape(shape)

        Expected shape: ["n", "n", 10]
        Received shape: [2, 3, 10] (tensor)
        Mismatch: dimension "n" is 2 at axis 0 but 3 at axis 1"
      `);
    });
    test('session metadata with a symbolic dimension where a size is expected', () => {
      expect(failureOf(() => expect(outputMeta).toHaveShape([1, null, 1000]))).toMatchInlineSnapshot(`
        "expect(received).toHaveShape(shape)

        Expected shape: [1, null, 1000]
        Received shape: ["batch", "seq", 1000] (metadata of logits)
        Mismatch: axis 0: expected 1, received "batch""
      `);
    });
    test('unnamed dynamic dimensions ("" in onnxruntime metadata) never agree with each other', () => {
      const square = { name: 'attn', isTensor: true, type: 'float32', shape: ['', ''] };
      expect(square).toHaveShape([null, null]);
      expect(square).toHaveShape(['a', 'b']);
      expect(failureOf(() => expect(square).toHaveShape(['n', 'n']))).toMatchInlineSnapshot(`
        "expect(received).toHaveShape(shape)

        Expected shape: ["n", "n"]
        Received shape: ["", ""] (metadata of attn)
        Mismatch: dimension "n" is dynamic and unnamed ("") at axis 0 and at axis 1: nothing says they agree"
      `);
    });
  });

  describe('.not fail', () => {
    test('message shows the bindings', () => {
      expect(failureOf(() => expect(logits).not.toHaveShape(['batch', null, 10]))).toMatchInlineSnapshot(`
        "expect(received).not.toHaveShape(shape)

        Expected shape: not ["batch", null, 10]
        Received shape: [2, 3, 10] (tensor)
        Named dimensions: batch = 2"
      `);
    });
  });

  test('records the shapes in task.meta.tier4', ({ task }) => {
    expect(outputMeta).toHaveShape(['b', 's', 1000]);
    const rec = task.meta.tier4?.records.at(-1) as Tier4ShapeRecord;
    expect(rec).toEqual({
      kind: 'shape',
      pass: true,
      status: 'ok',
      negated: false,
      asserted: true,
      summary: { actual_shape: ['batch', 'seq', 1000], expected_shape: ['b', 's', 1000], bindings: { b: 'batch', s: 'seq' }, mismatch_axis: null },
    });
  });

  describe('invalid arguments', () => {
    test('TypeError naming the argument', () => {
      expect(() => expect(logits).toHaveShape([2, -1, 10])).toThrow(
        new TypeError('toHaveShape: expected shape: entry 1 must be a non-negative integer (number), a dimension name or null, received -1'),
      );
      // a bigint is named as such (it read "received 2", as if 2 were not an integer)
      expect(() => expect(logits).toHaveShape([2n, 3] as never)).toThrow(
        new TypeError('toHaveShape: expected shape: entry 0 must be a non-negative integer (number), a dimension name or null, received 2n (a bigint; write 2)'),
      );
      expect(() => expect(logits).toHaveShape([2, 1.5, ''] as never)).toThrow(/entry 1 must be .*, received 1\.5$/);
      expect(() => expect(logits).toHaveShape([2, '', 10])).toThrow(/entry 1 must be .*, received "" \(an empty name\)$/);
      expect(() => expect(logits).toHaveShape('2x3' as never)).toThrow(
        new TypeError('toHaveShape: expected shape: expected an array of sizes (number), names (string) or null, received string'),
      );
      expect(() => expect(undefined).toHaveShape([1])).toThrowError(/^toHaveShape: received: expected a tensor/);
      expect(() => expect({ name: 'state', isTensor: false, shape: [] }).toHaveShape([])).toThrow(
        new TypeError('toHaveShape: received session metadata for the non-tensor value state: it has no shape or dtype'),
      );
    });
  });
});
