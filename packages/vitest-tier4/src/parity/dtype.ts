import type { DType } from './types.js';

/** Kind of a dtype: floating point, or integer (booleans count as integers). */
export type DTypeKind = 'float' | 'int';

const ALIASES: Record<string, DType> = {
  float16: 'float16', f2: 'float16', half: 'float16', fp16: 'float16', '<f2': 'float16',
  bfloat16: 'bfloat16', bf16: 'bfloat16',
  float32: 'float32', f4: 'float32', float: 'float32', fp32: 'float32', '<f4': 'float32',
  float64: 'float64', f8: 'float64', double: 'float64', fp64: 'float64', '<f8': 'float64',
  int8: 'int8', i1: 'int8', '|i1': 'int8',
  uint8: 'uint8', u1: 'uint8', '|u1': 'uint8',
  int16: 'int16', i2: 'int16', '<i2': 'int16',
  uint16: 'uint16', u2: 'uint16', '<u2': 'uint16',
  int32: 'int32', i4: 'int32', '<i4': 'int32',
  uint32: 'uint32', u4: 'uint32', '<u4': 'uint32',
  int64: 'int64', i8: 'int64', '<i8': 'int64',
  uint64: 'uint64', u8: 'uint64', '<u8': 'uint64',
  bool: 'bool', b1: 'bool', '|b1': 'bool', boolean: 'bool',
};

/** All normalised dtype names. */
export const DTYPES: readonly DType[] = [
  'float16', 'bfloat16', 'float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool',
];

/**
 * Normalises a dtype name from onnxruntime (`'float32'`), numpy/npyjs codes (`'f4'`, `'<f4'`) or
 * TensorData (`'float32'`). Returns null for unknown names.
 */
export function normalizeDType(name: string): DType | null {
  return ALIASES[name.toLowerCase()] ?? null;
}

/** 'float' for floating dtypes, 'int' for integer and bool dtypes. */
export function dtypeKind(dtype: DType): DTypeKind {
  return dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float32' || dtype === 'float64' ? 'float' : 'int';
}

/** True for int64 and uint64 (values that may exceed 2^53 and are read as BigInt). */
export function isWideInt(dtype: DType): boolean {
  return dtype === 'int64' || dtype === 'uint64';
}
