/**
 * Tensor views: one normalised description (dtype, shape, flat data, encoding) of every tensor form the
 * parity core accepts. Views never copy typed-array data; nested JavaScript arrays are flattened once.
 */
import { fortranToC } from 'vitest-tier4-fixtures/tensor';
import { dtypeKind, dtypeOfTypedArray, normalizeDType } from './dtype.js';
import { bfloat16BitsToNumber, halfTableF32 } from './half.js';
import type { DType, TypedArray } from './types.js';

/** How the flat data encodes element values. */
export type Encoding =
  /** Typed array whose elements are the values (Float32Array, Int32Array, Float16Array ...). */
  | 'values'
  /** Uint16Array of raw binary16 bits. */
  | 'half-bits'
  /** Uint16Array of raw bfloat16 bits. */
  | 'bf16-bits'
  /** BigInt64Array / BigUint64Array. */
  | 'bigint'
  /** Plain JavaScript array (numbers, booleans or bigints). */
  | 'array';

/** A normalised tensor. */
export interface TensorView {
  dtype: DType;
  shape: number[];
  numel: number;
  data: TypedArray | ArrayLike<unknown>;
  encoding: Encoding;
  /** True when the dtype was inferred from plain JavaScript numbers (no declared element type). */
  untyped: boolean;
}

function typedArrayDType(data: unknown): DType | null {
  if (data instanceof Uint8ClampedArray) return 'uint8';
  if (isFloat16Array(data)) return 'float16';
  return dtypeOfTypedArray(data);
}

function isFloat16Array(data: unknown): boolean {
  return (
    typeof data === 'object' &&
    data !== null &&
    ArrayBuffer.isView(data) &&
    (data as { constructor?: { name?: string } }).constructor?.name === 'Float16Array'
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') return 'a Promise (missing await?)';
  if (Array.isArray(value)) return `array(${value.length})`;
  if (value instanceof DataView) return `DataView(${value.byteLength} bytes; use a typed array such as Float32Array)`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  if (typeof value === 'object') {
    const keys = Object.keys(value as object).slice(0, 6);
    return `object with keys [${keys.join(', ')}]`;
  }
  return typeof value;
}

function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkShape(shape: unknown, argName: string): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${argName}: expected shape/dims to be an array of sizes, received ${describe(shape)}`);
  const out: number[] = [];
  for (const d of shape as unknown[]) {
    const n = typeof d === 'bigint' ? Number(d) : d;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new TypeError(`${argName}: expected shape/dims of non-negative integers, received [${(shape as unknown[]).map(String).join(', ')}]`);
    }
    out.push(n);
  }
  return out;
}

function encodingFor(dtype: DType, data: unknown): Encoding {
  if (Array.isArray(data)) return 'array';
  if (dtype === 'float16' && data instanceof Uint16Array) return 'half-bits';
  if (dtype === 'bfloat16' && data instanceof Uint16Array) return 'bf16-bits';
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return 'bigint';
  return 'values';
}

function flattenNested(value: unknown, argName: string): TensorView {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const numel = product(shape);
  const leafType = shape.includes(0) ? 'number' : typeof probe;
  if (leafType !== 'number' && leafType !== 'boolean' && leafType !== 'bigint') {
    throw new TypeError(`${argName}: expected a tensor (onnxruntime Tensor, { data, shape }, typed array or nested number array), received ${describe(value)}`);
  }
  const out: Float64Array | Uint8Array | BigInt64Array =
    leafType === 'number' ? new Float64Array(numel) : leafType === 'boolean' ? new Uint8Array(numel) : new BigInt64Array(numel);
  let k = 0;
  const walk = (node: unknown, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof node !== leafType) {
        throw new TypeError(`${argName}: nested array mixes element types: expected ${leafType} at [${path.join(', ')}], received ${describe(node)}`);
      }
      if (leafType === 'boolean') (out as Uint8Array)[k++] = node ? 1 : 0;
      else if (leafType === 'bigint') (out as BigInt64Array)[k++] = node as bigint;
      else (out as Float64Array)[k++] = node as number;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new TypeError(
        `${argName}: nested array is ragged: expected length ${shape[depth]} at [${path.join(', ')}], received ${describe(node)}`,
      );
    }
    for (let i = 0; i < node.length; i++) walk(node[i], depth + 1, [...path, i]);
  };
  walk(value, 0, []);
  const dtype: DType = leafType === 'number' ? 'float64' : leafType === 'boolean' ? 'bool' : 'int64';
  return {
    dtype,
    shape,
    numel,
    data: out,
    encoding: leafType === 'bigint' ? 'bigint' : 'values',
    untyped: leafType === 'number',
  };
}

/**
 * Normalises any accepted tensor form into a TensorView.
 *
 * @param value - onnxruntime Tensor, npyjs array, TensorData, `{ data, shape }`, `{ data, dims }`, typed array (1-D),
 *   nested array or scalar. An object with `fortranOrder: true` (npyjs on a Fortran-ordered `.npy` file) is
 *   read column-major and reordered to row-major once.
 * @param argName - Name used in error messages (e.g. `'actual'`).
 * @throws TypeError naming `argName`, what was expected and what was received.
 */
export function toTensorView(value: unknown, argName: string): TensorView {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || Array.isArray(value)) {
    return flattenNested(value, argName);
  }
  if (ArrayBuffer.isView(value)) {
    const dtype = typedArrayDType(value);
    if (dtype === null) throw new TypeError(`${argName}: unsupported array type ${describe(value)}`);
    const data = value as unknown as TypedArray;
    return { dtype, shape: [data.length], numel: data.length, data, encoding: encodingFor(dtype, data), untyped: false };
  }
  if (typeof value === 'object' && value !== null && 'data' in value) {
    const obj = value as { data: unknown; shape?: unknown; dims?: unknown; dtype?: unknown; type?: unknown };
    const data = obj.data;
    const isTyped = ArrayBuffer.isView(data) && !(data instanceof DataView);
    if (!isTyped && !Array.isArray(data)) {
      throw new TypeError(`${argName}: expected .data to be a typed array or an array, received ${describe(data)}`);
    }
    const arr = data as ArrayLike<unknown>;
    const rawShape = obj.shape ?? obj.dims;
    const shape = rawShape === undefined ? [arr.length] : checkShape(rawShape, argName);
    const declared = obj.dtype ?? obj.type;
    let dtype: DType | null;
    let untyped = false;
    if (declared !== undefined) {
      if (typeof declared !== 'string') throw new TypeError(`${argName}: expected dtype/type to be a string, received ${describe(declared)}`);
      dtype = normalizeDType(declared);
      if (dtype === null) throw new TypeError(`${argName}: unsupported dtype '${declared}' (supported: float16, bfloat16, float32, float64, int8..int64, uint8..uint64, bool)`);
    } else if (isTyped) {
      dtype = typedArrayDType(data);
      if (dtype === null) throw new TypeError(`${argName}: unsupported data array ${describe(data)}`);
    } else {
      const first = arr.length > 0 ? arr[0] : 0;
      dtype = typeof first === 'boolean' ? 'bool' : typeof first === 'bigint' ? 'int64' : 'float64';
      untyped = dtype === 'float64';
    }
    const numel = product(shape);
    if (arr.length !== numel) {
      throw new TypeError(`${argName}: data has ${arr.length} elements but shape [${shape.join(', ')}] needs ${numel}`);
    }
    const fortran = (obj as { fortranOrder?: unknown }).fortranOrder;
    if (fortran !== undefined && fortran !== false && fortran !== true) {
      throw new TypeError(`${argName}: expected fortranOrder to be a boolean, received ${describe(fortran)}`);
    }
    // npyjs keeps a Fortran-ordered .npy file (e.g. numpy's `np.save(path, a.T)`) column-major: reorder once
    // (the only case where a view copies typed-array data).
    const flat = fortran === true && shape.length > 1 ? fortranToC(arr, shape) : arr;
    return { dtype, shape, numel, data: flat as TypedArray | ArrayLike<unknown>, encoding: encodingFor(dtype, flat), untyped };
  }
  throw new TypeError(
    `${argName}: expected a tensor (onnxruntime Tensor, { data, shape }, { data, dims }, typed array or nested number array), received ${describe(value)}`,
  );
}

/** Reads element i as a number (bigints are rounded to the nearest double, booleans give 0/1). */
export function readNumber(view: TensorView, i: number): number {
  const d = view.data as ArrayLike<unknown>;
  switch (view.encoding) {
    case 'values':
      return d[i] as number;
    case 'half-bits':
      return halfTableF32()[d[i] as number] as number;
    case 'bf16-bits':
      return bfloat16BitsToNumber(d[i] as number);
    case 'bigint':
      return Number(d[i] as bigint);
    case 'array': {
      const v = d[i];
      return typeof v === 'number' ? v : Number(v as boolean | bigint);
    }
  }
}

/** Reads element i as an exact BigInt (integer dtypes only). */
export function readBigInt(view: TensorView, i: number): bigint {
  const v = (view.data as ArrayLike<unknown>)[i];
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return BigInt(v as number);
}

/**
 * Decodes elements [start, start + count) into `out` as doubles, without allocating.
 * Used by the generic (non-float32/float64) comparison path in fixed-size chunks.
 */
export function fillChunk(view: TensorView, start: number, count: number, out: Float64Array): void {
  const data = view.data;
  switch (view.encoding) {
    case 'values':
      if (ArrayBuffer.isView(data) && !isFloat16Array(data)) {
        out.set((data as Float32Array).subarray(start, start + count));
      } else {
        const d = data as ArrayLike<number>;
        for (let k = 0; k < count; k++) out[k] = d[start + k] as number;
      }
      return;
    case 'half-bits': {
      const t = halfTableF32();
      const d = data as Uint16Array;
      for (let k = 0; k < count; k++) out[k] = t[d[start + k] as number] as number;
      return;
    }
    case 'bf16-bits': {
      const d = data as Uint16Array;
      for (let k = 0; k < count; k++) out[k] = bfloat16BitsToNumber(d[start + k] as number);
      return;
    }
    default:
      for (let k = 0; k < count; k++) out[k] = readNumber(view, start + k);
  }
}

/** The kind ('float' | 'int') of a view. */
export function viewKind(view: TensorView): 'float' | 'int' {
  return dtypeKind(view.dtype);
}

/** Converts a flat row-major index to a multi-dimensional index. */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const size = shape[axis] as number;
    if (size === 0) return idx;
    idx[axis] = rest % size;
    rest = Math.floor(rest / size);
  }
  return idx;
}
