/**
 * TensorData helpers shared by the runtimes: dtype tables, validation and the little-endian
 * byte view used by the Python worker protocol.
 */
import type { DType, TensorData, TypedArray } from 'vitest-tier4-fixtures';

type TypedArrayCtor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray;
  new (length: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

/** Typed array constructor holding each dtype (float16 as raw Uint16 bits, bool as Uint8). */
export const DTYPE_ARRAYS: Record<DType, TypedArrayCtor> = {
  float16: Uint16Array,
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};

/** Whether `value` is one of the dtype names of the export contract. */
export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_ARRAYS, value);
}

/** Product of the dimensions (1 for a scalar). */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Checks that `t` is a well-formed TensorData (`what` names it in errors).
 *
 * @throws TypeError naming the tensor, the expected and the received value.
 */
export function assertTensorData(t: unknown, what: string): asserts t is TensorData {
  if (typeof t !== 'object' || t === null) {
    throw new TypeError(`${what}: expected a TensorData { dtype, shape, data }, received ${t === null ? 'null' : typeof t}`);
  }
  const { dtype, shape, data } = t as Partial<TensorData>;
  if (!isDType(dtype)) {
    throw new TypeError(`${what}: expected dtype one of ${Object.keys(DTYPE_ARRAYS).join(', ')}, received ${JSON.stringify(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`${what}: expected shape to be an array of non-negative integers, received ${JSON.stringify(shape)}`);
  }
  const Ctor = DTYPE_ARRAYS[dtype];
  if (!(data instanceof Ctor)) {
    const got = data === undefined ? 'undefined' : (data as object).constructor?.name ?? typeof data;
    throw new TypeError(`${what}: dtype '${dtype}' needs data as ${Ctor.name}, received ${got}`);
  }
  const n = numelOf(shape);
  if (data.length !== n) {
    throw new TypeError(`${what}: shape [${shape.join(', ')}] has ${n} elements, data has ${data.length}`);
  }
}

/** Little-endian bytes of a tensor's data (a view when the platform is little-endian). */
export function tensorBytes(t: TensorData): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Builds a TensorData from raw little-endian bytes (copied, so the result owns its buffer). */
export function tensorFromBytes(dtype: DType, shape: number[], bytes: Uint8Array): TensorData {
  const Ctor = DTYPE_ARRAYS[dtype];
  const n = numelOf(shape);
  if (bytes.byteLength !== n * Ctor.BYTES_PER_ELEMENT) {
    throw new Error(
      `tensor [${shape.join(', ')}] ${dtype}: expected ${n * Ctor.BYTES_PER_ELEMENT} bytes, received ${bytes.byteLength}`,
    );
  }
  const data = new Ctor(n);
  new Uint8Array(data.buffer).set(bytes);
  return { dtype, shape: [...shape], data };
}
