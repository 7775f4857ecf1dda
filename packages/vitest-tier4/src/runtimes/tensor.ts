/**
 * TensorData helpers shared by the runtimes: validation and the little-endian byte view used by the
 * Python worker protocol. The dtypes and their typed arrays are the one table's (DTYPE_TABLE).
 */
import { DTYPES, DTYPE_TABLE, isDType, type DType, type TensorData } from 'vitest-tier4-fixtures/tensor';

export { isDType };

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
    throw new TypeError(`${what}: expected dtype one of ${DTYPES.join(', ')}, received ${JSON.stringify(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`${what}: expected shape to be an array of non-negative integers, received ${JSON.stringify(shape)}`);
  }
  const Ctor = DTYPE_TABLE[dtype].array;
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
  const Ctor = DTYPE_TABLE[dtype].array;
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
