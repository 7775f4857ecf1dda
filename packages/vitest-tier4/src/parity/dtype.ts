/**
 * The parity core's dtypes: every dtype of the one table (`DTYPE_TABLE` of `vitest-tier4-fixtures/tensor`,
 * bfloat16 included) and the names it accepts for them, all derived from that table.
 */
import { ANY_DTYPES, DTYPE_TABLE, type AnyDType, type DTypeKind, type TypedArrayConstructor } from 'vitest-tier4-fixtures/tensor';

export type { DTypeKind };

/** Element types understood by the parity core (normalised names): every dtype of the table. */
export type DType = AnyDType;

/**
 * Every accepted name -> its dtype: the name itself, numpy's code with and without byte order (`'f4'`, `'<f4'`;
 * `'|i1'` for one-byte types) and the table's aliases (`'half'`, `'double'`, `'bf16'` ...).
 */
const ALIASES: ReadonlyMap<string, DType> = new Map(
  ANY_DTYPES.flatMap((dtype) => {
    const { array, numpy, aliases } = DTYPE_TABLE[dtype];
    const codes = numpy === null ? [] : [numpy, `${array.BYTES_PER_ELEMENT === 1 ? '|' : '<'}${numpy}`];
    return [dtype, ...codes, ...aliases].map((name): [string, DType] => [name, dtype]);
  }),
);

/** All normalised dtype names, in the table's order. */
export const DTYPES: readonly DType[] = ANY_DTYPES;

/**
 * Normalises a dtype name from onnxruntime (`'float32'`), numpy/npyjs codes (`'f4'`, `'<f4'`) or
 * TensorData (`'float32'`). Returns null for unknown names.
 */
export function normalizeDType(name: string): DType | null {
  return ALIASES.get(name.toLowerCase()) ?? null;
}

/** 'float' for floating dtypes, 'int' for integer and bool dtypes. */
export function dtypeKind(dtype: DType): DTypeKind {
  return DTYPE_TABLE[dtype].kind;
}

/** True for int64 and uint64 (values that may exceed 2^53 and are read as BigInt). */
export function isWideInt(dtype: DType): boolean {
  const { array } = DTYPE_TABLE[dtype];
  return array === BigInt64Array || array === BigUint64Array;
}

/**
 * Each typed array class of the table with the dtype its elements are when nothing else says: the table's
 * first integer dtype held in that class (Uint16Array is uint16 and Uint8Array uint8: float16/bfloat16 bits
 * and bool are only what a declared dtype makes of them), else its float dtype (Float32Array float32).
 */
const CLASS_DTYPES: ReadonlyArray<readonly [TypedArrayConstructor, DType]> = (() => {
  const byClass = new Map<TypedArrayConstructor, DType>();
  for (const kind of ['int', 'float'] as const) {
    for (const dtype of ANY_DTYPES) {
      const row = DTYPE_TABLE[dtype];
      if (row.kind === kind && !byClass.has(row.array)) byClass.set(row.array, dtype);
    }
  }
  return [...byClass];
})();

/**
 * The dtype of a typed array by its class alone (the rule above; a Node Buffer is a Uint8Array),
 * or null when `data` is none of the table's classes (Uint8ClampedArray and Float16Array are the views' own cases).
 */
export function dtypeOfTypedArray(data: unknown): DType | null {
  for (const [Ctor, dtype] of CLASS_DTYPES) if (data instanceof Ctor) return dtype;
  return null;
}
