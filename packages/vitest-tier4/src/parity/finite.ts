/**
 * NaN / Inf census of a tensor in one pass, without allocation proportional to its size.
 */
import { dtypeKind } from './dtype.js';
import type { TensorLike } from './types.js';
import { fillChunk, toTensorView, unravelIndex } from './view.js';
import type { TensorView } from './view.js';

/** Result of countNonFinite (JSON-serialisable). */
export interface FiniteCensus {
  numel: number;
  nan_count: number;
  posinf_count: number;
  neginf_count: number;
  /** Index of the first NaN, or null. */
  first_nan_index: number[] | null;
  /** Index of the first +Inf or -Inf, or null. */
  first_inf_index: number[] | null;
}

const CHUNK = 4096;
const buf = new Float64Array(CHUNK);

/**
 * Counts NaN, +Inf and -Inf elements and finds the first of each kind. Integer and bool tensors are always finite.
 * @param tensor - Any TensorLike.
 * @param argName - Name for error messages.
 */
export function countNonFinite(tensor: TensorLike | TensorView, argName = 'tensor'): FiniteCensus {
  const v = isView(tensor) ? tensor : toTensorView(tensor, argName);
  let nan = 0;
  let pos = 0;
  let neg = 0;
  let firstNan = -1;
  let firstInf = -1;
  if (dtypeKind(v.dtype) === 'float') {
    for (let start = 0; start < v.numel; start += CHUNK) {
      const count = Math.min(CHUNK, v.numel - start);
      let arr: Float64Array | Float32Array;
      let off = 0;
      if (v.encoding === 'values' && (v.data instanceof Float32Array || v.data instanceof Float64Array)) {
        arr = v.data;
        off = start;
      } else {
        fillChunk(v, start, count, buf);
        arr = buf;
      }
      for (let k = 0; k < count; k++) {
        const x = arr[off + k] as number;
        if (x - x !== 0) {
          if (x !== x) {
            nan++;
            if (firstNan < 0) firstNan = start + k;
          } else {
            if (x > 0) pos++;
            else neg++;
            if (firstInf < 0) firstInf = start + k;
          }
        }
      }
    }
  }
  return {
    numel: v.numel,
    nan_count: nan,
    posinf_count: pos,
    neginf_count: neg,
    first_nan_index: firstNan < 0 ? null : unravelIndex(firstNan, v.shape),
    first_inf_index: firstInf < 0 ? null : unravelIndex(firstInf, v.shape),
  };
}

function isView(t: unknown): t is TensorView {
  return typeof t === 'object' && t !== null && 'encoding' in t && 'numel' in t && 'untyped' in t;
}
