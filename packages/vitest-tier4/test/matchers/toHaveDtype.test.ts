import { describe, expect, test } from 'vitest';
import '../../src/setup.js';
import type { Tier4DtypeRecord } from '../../src/meta/types.js';
import { failureOf } from './helpers.js';

const half = { data: new Uint16Array([0x3c00, 0x4000]), dims: [2], type: 'float16' };
const npyInt64 = { data: new BigInt64Array([1n, 2n]), shape: [2], dtype: 'i8', fortranOrder: false };

describe('toHaveDtype', () => {
  describe('pass', () => {
    test('onnxruntime, npyjs, TensorData and typed arrays', () => {
      expect(half).toHaveDtype('float16');
      expect(npyInt64).toHaveDtype('int64');
      expect(npyInt64).toHaveDtype('i8');
      expect({ dtype: 'bool', shape: [1], data: new Uint8Array([1]) }).toHaveDtype('bool');
      expect(new Float32Array(2)).toHaveDtype('float32');
      expect({ name: 'ids', isTensor: true, type: 'int64', shape: ['batch'] }).toHaveDtype('int64');
    });
  });
  describe('.not pass', () => {
    test('another dtype', () => {
      expect(half).not.toHaveDtype('float32');
      expect([1, 2]).not.toHaveDtype('int32');
    });
  });
  describe('fail', () => {
    test('names both dtypes', () => {
      expect(failureOf(() => expect(half).toHaveDtype('float32'))).toMatchInlineSnapshot(`
        "expect(received).toHaveDtype(dtype)

        Expected dtype: float32
        Received dtype: float16"
      `);
    });
    test('plain JavaScript numbers are float64', () => {
      expect(failureOf(() => expect([1, 2]).toHaveDtype('int32'))).toMatchInlineSnapshot(`
        "expect(received).toHaveDtype(dtype)

        Expected dtype: int32
        Received dtype: float64 (inferred from plain JavaScript numbers)"
      `);
    });
  });
  describe('.not fail', () => {
    test('names the dtype', () => {
      expect(failureOf(() => expect(npyInt64).not.toHaveDtype('int64'))).toMatchInlineSnapshot(`
        "expect(received).not.toHaveDtype(dtype)

        Expected dtype: not int64
        Received dtype: int64"
      `);
    });
  });
  test('records both dtypes in task.meta.tier4', ({ task }) => {
    expect(half).not.toHaveDtype('f4');
    expect(task.meta.tier4?.records.at(-1) as Tier4DtypeRecord).toEqual({
      kind: 'dtype',
      pass: false,
      status: 'fail',
      negated: true,
      asserted: true,
      summary: { actual_dtype: 'float16', expected_dtype: 'float32' },
    });
  });
  describe('invalid arguments', () => {
    test('TypeError naming the argument', () => {
      expect(() => expect(half).toHaveDtype('fp8' as never)).toThrow(
        new TypeError(
          "toHaveDtype: dtype must be one of float16, bfloat16, float32, float64, int8, uint8, int16, uint16, int32, uint32, int64, uint64, bool (or a numpy code such as 'f4'), received 'fp8'",
        ),
      );
      expect(() => expect(half).toHaveDtype(undefined as never)).toThrowError(/received undefined$/);
      expect(() => expect({ data: 'abc' }).toHaveDtype('float32')).toThrow(
        new TypeError('toHaveDtype: received: expected .data to be a typed array or an array, received string'),
      );
    });
  });
});
