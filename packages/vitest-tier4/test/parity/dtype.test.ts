// The parity core's dtypes derive from the one table (vitest-tier4-fixtures/tensor): names, aliases, kinds.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ANY_DTYPES, DTYPE_TABLE } from 'vitest-tier4-fixtures/tensor';
import { DTYPES, dtypeKind, dtypeOfTypedArray, isWideInt, normalizeDType } from '../../src/parity/dtype.js';
import { toTensorView } from '../../src/parity/view.js';

describe('parity dtypes', () => {
  test('every dtype of the table, bfloat16 included, in its order; the report schema lists the same', () => {
    expect(DTYPES).toEqual(ANY_DTYPES);
    expect(DTYPES).toContain('bfloat16');
    const schema = JSON.parse(readFileSync(new URL('../../schema/tier4-report.schema.json', import.meta.url), 'utf8'));
    expect(schema.definitions.dtype.enum).toEqual(DTYPES);
  });

  test('normalizeDType: names, numpy codes with and without byte order, aliases, any case', () => {
    const cases: Array<[string, string]> = [
      ['float32', 'float32'], ['f4', 'float32'], ['<f4', 'float32'], ['float', 'float32'], ['FP32', 'float32'],
      ['half', 'float16'], ['<f2', 'float16'], ['bf16', 'bfloat16'], ['double', 'float64'], ['fp64', 'float64'],
      ['|i1', 'int8'], ['u1', 'uint8'], ['<i8', 'int64'], ['<u8', 'uint64'], ['b1', 'bool'], ['|b1', 'bool'], ['boolean', 'bool'],
    ];
    for (const [name, dtype] of cases) expect(normalizeDType(name), name).toBe(dtype);
  });

  test('normalizeDType: null for a name the table has not, and for byte orders numpy does not write', () => {
    for (const name of ['fp8', 'int', 'c8', '>f4', '<i1', '|f4', 'toString', '__proto__', 'constructor', '']) {
      expect(normalizeDType(name), name).toBeNull();
    }
  });

  test('dtypeKind and isWideInt follow the table', () => {
    expect(DTYPES.filter((d) => dtypeKind(d) === 'float')).toEqual(['float16', 'bfloat16', 'float32', 'float64']);
    for (const d of DTYPES) expect(dtypeKind(d)).toBe(DTYPE_TABLE[d].kind);
    expect(DTYPES.filter(isWideInt)).toEqual(['int64', 'uint64']);
  });

  test('a bare typed array is read as the plain dtype of its class (the bits of float16 and bool need a declared dtype)', () => {
    const cases: Array<[ArrayLike<unknown>, string]> = [
      [new Float32Array(1), 'float32'], [new Float64Array(1), 'float64'], [new Int8Array(1), 'int8'],
      [new Uint8Array(1), 'uint8'], [Buffer.from([1]), 'uint8'], [new Int16Array(1), 'int16'], [new Uint16Array(1), 'uint16'],
      [new Int32Array(1), 'int32'], [new Uint32Array(1), 'uint32'], [new BigInt64Array(1), 'int64'], [new BigUint64Array(1), 'uint64'],
    ];
    for (const [data, dtype] of cases) {
      expect(dtypeOfTypedArray(data), data.constructor.name).toBe(dtype);
      expect(toTensorView(data, 'a').dtype, data.constructor.name).toBe(dtype);
    }
    expect(toTensorView(new Uint8ClampedArray(1), 'a').dtype).toBe('uint8');
    for (const other of [new Uint8ClampedArray(1), [1, 2], new DataView(new ArrayBuffer(1)), null]) expect(dtypeOfTypedArray(other)).toBeNull();
  });
});
