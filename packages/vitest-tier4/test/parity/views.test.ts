import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { checkParity } from '../../src/parity/check.js';
import { f16round, halfBitsToNumber } from '../../src/parity/half.js';
import { toTensorView, unravelIndex } from '../../src/parity/view.js';

describe('tensor views', () => {
  test('onnxruntime-node Tensor (real class), read by duck typing', () => {
    const t = new ort.Tensor('float32', new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const v = toTensorView(t, 'actual');
    expect(v).toMatchObject({ dtype: 'float32', shape: [2, 3], numel: 6, encoding: 'values' });
    expect(checkParity(t, [[1, 2, 3], [4, 5, 6]]).pass).toBe(true);
  });

  test('onnxruntime float16 Tensor with Uint16Array raw bits is decoded', () => {
    // 1.0 = 0x3c00, -2.5 = 0xc100, 65504 = 0x7bff, smallest subnormal = 0x0001
    const t = new ort.Tensor('float16', new Uint16Array([0x3c00, 0xc100, 0x7bff, 0x0001]), [4]);
    const ref = new Float32Array([1, -2.5, 65504, 2 ** -24]);
    const r = checkParity(t, ref, 'exact');
    expect(r.pass).toBe(true);
    expect(r.actual_dtype).toBe('float16');
    expect(r.dtype_mismatch).toBe(true);
  });

  test('onnxruntime int64 (BigInt64Array beyond 2^53), int32 and bool Tensors', () => {
    const big = 2n ** 53n;
    const a = new ort.Tensor('int64', BigInt64Array.from([big + 1n, -7n, 0n]), [3]);
    const r = new ort.Tensor('int64', BigInt64Array.from([big, -7n, 0n]), [3]);
    expect(toTensorView(a, 'actual')).toMatchObject({ dtype: 'int64', shape: [3], encoding: 'bigint' });
    expect(checkParity(a, a).pass).toBe(true);
    expect(checkParity(a, r)).toMatchObject({ pass: false, mismatched: 1, max_abs_diff: 1, max_abs_index: [0] });
    expect(checkParity(a, r).exact_values).toMatchObject({ max_abs_actual: '9007199254740993', max_abs_reference: '9007199254740992' });
    // int64 against int32 compares by value (both integers), the dtype difference is reported
    const i32 = new ort.Tensor('int32', Int32Array.from([1, -7, 0]), [3]);
    expect(checkParity(new ort.Tensor('int64', BigInt64Array.from([1n, -7n, 0n]), [3]), i32)).toMatchObject({ pass: true, dtype_mismatch: true });
    const b = new ort.Tensor('bool', Uint8Array.from([1, 0, 1]), [3]);
    expect(toTensorView(b, 'actual')).toMatchObject({ dtype: 'bool', shape: [3] });
    expect(checkParity(b, [true, false, true]).pass).toBe(true);
    expect(checkParity(b, new ort.Tensor('float32', Float32Array.from([1, 0, 1]), [3]))).toMatchObject({ pass: false, reason: expect.stringMatching(/^dtype kind mismatch/) });
  });

  test('float16 data given as values (npyjs default converts f2 to Float32Array)', () => {
    const npy = { data: new Float32Array([1, 0.5]), shape: [2], dtype: 'f2', fortranOrder: false };
    const raw = { data: new Uint16Array([0x3c00, 0x3800]), shape: [2], dtype: 'f2', fortranOrder: false };
    expect(toTensorView(npy, 'a')).toMatchObject({ dtype: 'float16', encoding: 'values' });
    expect(toTensorView(raw, 'a')).toMatchObject({ dtype: 'float16', encoding: 'half-bits' });
    expect(checkParity(npy, raw, 'exact').pass).toBe(true);
  });

  test('npyjs bool arrays arrive as plain boolean arrays with dtype b1', () => {
    const npy = { data: [true, false, true], shape: [3], dtype: 'b1', fortranOrder: false };
    expect(toTensorView(npy, 'a')).toMatchObject({ dtype: 'bool', encoding: 'array' });
    expect(checkParity(npy, { dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) }).pass).toBe(true);
    expect(checkParity(npy, { dtype: 'bool', shape: [3], data: new Uint8Array([1, 1, 1]) }).mismatched).toBe(1);
  });

  test('TensorData { dtype, shape, data } and { data, shape } / { data, dims }', () => {
    const td = { dtype: 'int64', shape: [2], data: new BigInt64Array([1n, 2n]) };
    expect(toTensorView(td, 'a')).toMatchObject({ dtype: 'int64', encoding: 'bigint', shape: [2] });
    expect(toTensorView({ data: new Int32Array(6), dims: [3, 2] }, 'a')).toMatchObject({ dtype: 'int32', shape: [3, 2] });
    expect(toTensorView({ data: [1, 2, 3, 4], shape: [2, 2] }, 'a')).toMatchObject({ dtype: 'float64', untyped: true });
  });

  test('typed arrays are 1-D, nested arrays give their shape, scalars are 0-D', () => {
    expect(toTensorView(new Int8Array(4), 'a')).toMatchObject({ dtype: 'int8', shape: [4] });
    expect(toTensorView([[[1], [2]], [[3], [4]]], 'a')).toMatchObject({ dtype: 'float64', shape: [2, 2, 1], numel: 4 });
    expect(toTensorView(2.5, 'a')).toMatchObject({ shape: [], numel: 1 });
    expect(toTensorView([true, false], 'a')).toMatchObject({ dtype: 'bool' });
    expect(toTensorView([1n, 2n], 'a')).toMatchObject({ dtype: 'int64', encoding: 'bigint' });
    expect(toTensorView([[], []], 'a')).toMatchObject({ shape: [2, 0], numel: 0 });
  });

  test('bad input: TypeError naming the argument, expected and received', () => {
    expect(() => toTensorView('x', 'actual')).toThrow(
      new TypeError('actual: expected a tensor (onnxruntime Tensor, { data, shape }, { data, dims }, typed array or nested number array), received string'),
    );
    expect(() => toTensorView([[1, 2], [3]], 'reference')).toThrow(
      new TypeError('reference: nested array is ragged: expected length 2 at [1], received array(1)'),
    );
    expect(() => toTensorView([1, 'a'], 'actual')).toThrow(new TypeError('actual: nested array mixes element types: expected number at [1], received string'));
    expect(() => toTensorView({ data: new Float32Array(5), shape: [2, 3] }, 'actual')).toThrow(
      new TypeError('actual: data has 5 elements but shape [2, 3] needs 6'),
    );
    expect(() => toTensorView({ data: ['a'], dims: [1], type: 'string' }, 'actual')).toThrowError(/^actual: unsupported dtype 'string'/);
    expect(() => toTensorView({ data: new Float32Array(2), shape: [-2] }, 'actual')).toThrowError(/^actual: expected shape\/dims of non-negative integers/);
    expect(() => toTensorView(Promise.resolve(1), 'actual')).toThrow(
      new TypeError('actual: expected a tensor (onnxruntime Tensor, { data, shape }, { data, dims }, typed array or nested number array), received a Promise (missing await?)'),
    );
    expect(() => toTensorView({ data: new DataView(new ArrayBuffer(8)), shape: [2] }, 'reference')).toThrow(
      new TypeError('reference: expected .data to be a typed array or an array, received DataView(8 bytes; use a typed array such as Float32Array)'),
    );
    expect(() => toTensorView({ data: [1, 2], shape: [2], fortranOrder: 'yes' }, 'actual')).toThrow(
      new TypeError('actual: expected fortranOrder to be a boolean, received string'),
    );
  });

  test('npyjs fortranOrder: column-major data is reordered to row-major (typed arrays and plain boolean arrays)', () => {
    // C order of [[[0, 1], [2, 3], [4, 5]], [[6, 7], [8, 9], [10, 11]]] (shape [2, 3, 2]) is 0..11;
    // Fortran order walks axis 0 fastest: index (i, j, k) sits at i + 2 * j + 6 * k.
    const fortran = new Int32Array(12);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 2; k++) fortran[i + 2 * j + 6 * k] = i * 6 + j * 2 + k;
    const v = toTensorView({ data: fortran, shape: [2, 3, 2], dtype: 'i4', fortranOrder: true }, 'actual');
    expect(Array.from(v.data as Int32Array)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(v.data).toBeInstanceOf(Int32Array);
    expect(fortran[1]).toBe(6); // the caller's array is not touched
    const b = toTensorView({ data: [true, false, false, false, true, true], shape: [2, 3], dtype: 'b1', fortranOrder: true }, 'actual');
    expect(Array.from(b.data as ArrayLike<boolean>)).toEqual([true, false, true, false, false, true]);
    // a Node Buffer (a Uint8Array subclass) is copied into a plain Uint8Array
    const buf = Buffer.from([1, 0, 0, 1, 1, 0]);
    const u8 = toTensorView({ data: buf, shape: [2, 3], dtype: 'u1', fortranOrder: true }, 'actual').data;
    expect(u8.constructor).toBe(Uint8Array);
    expect(Array.from(u8 as Uint8Array)).toEqual([1, 0, 1, 0, 1, 0]);
    // 1-D and C-order data are used as they are (no copy)
    const c = new Float32Array([1, 2, 3]);
    expect(toTensorView({ data: c, shape: [3], dtype: 'f4', fortranOrder: true }, 'actual').data).toBe(c);
    expect(toTensorView({ data: c, shape: [1, 3], dtype: 'f4', fortranOrder: false }, 'actual').data).toBe(c);
  });

  test('unravelIndex', () => {
    expect(unravelIndex(0, [])).toEqual([]);
    expect(unravelIndex(17, [4, 64, 80])).toEqual([0, 0, 17]);
    expect(unravelIndex(4 * 64 * 80 - 1, [4, 64, 80])).toEqual([3, 63, 79]);
  });
});

describe('float16', () => {
  test('decoding of every class of bit pattern', () => {
    expect(halfBitsToNumber(0x0000)).toBe(0);
    expect(Object.is(halfBitsToNumber(0x8000), -0)).toBe(true);
    expect(halfBitsToNumber(0x0001)).toBe(2 ** -24);
    expect(halfBitsToNumber(0x03ff)).toBe(1023 * 2 ** -24);
    expect(halfBitsToNumber(0x0400)).toBe(2 ** -14);
    expect(halfBitsToNumber(0x3555)).toBe(0.333251953125);
    expect(halfBitsToNumber(0x7bff)).toBe(65504);
    expect(halfBitsToNumber(0x7c00)).toBe(Infinity);
    expect(halfBitsToNumber(0xfc00)).toBe(-Infinity);
    expect(halfBitsToNumber(0x7e00)).toBeNaN();
  });

  test('f16round rounds to nearest, ties to even, overflows at 65520', () => {
    expect(f16round(1 + 2 ** -11)).toBe(1); // tie -> even (1.0)
    expect(f16round(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9); // tie -> even (mantissa 2)
    expect(f16round(0.1)).toBe(0.0999755859375);
    expect(f16round(65519.99)).toBe(65504);
    expect(f16round(65520)).toBe(Infinity);
    expect(f16round(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal -> 0
    expect(f16round(1.5 * 2 ** -24)).toBe(2 ** -23);
    expect(f16round(-1e-9)).toBe(-0);
  });

  test('f16round agrees with decoding for every finite half value', () => {
    for (let bits = 0; bits < 0x7c00; bits++) {
      const v = halfBitsToNumber(bits);
      if (f16round(v) !== v) throw new Error(`f16round(${v}) != ${v}`);
    }
  });
});
