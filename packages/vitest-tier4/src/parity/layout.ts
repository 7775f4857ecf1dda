/**
 * Layout detection: does a permutation of the reference's axes turn it into the actual tensor?
 * (An exporter that emits NHWC where PyTorch holds NCHW, or (B, T, C) where it holds (B, C, T).)
 */
import { checkParity } from './check.js';
import type { LayoutMatch } from './layers.generated.js';
import type { ResolvedTolerance, TensorLike, TypedArray } from './types.js';
import { toTensorView, readNumber } from './view.js';

export type { LayoutMatch } from './layers.generated.js';

const NAMES: Record<string, string> = {
  '4:0,2,3,1': 'NCHW -> NHWC',
  '4:0,3,1,2': 'NHWC -> NCHW',
  '3:0,2,1': '(B, C, T) <-> (B, T, C)',
};

function permutations(n: number): number[][] {
  if (n <= 1) return [[0]];
  const out: number[][] = [];
  const rec = (prefix: number[], rest: number[]): void => {
    if (rest.length === 0) {
      out.push(prefix);
      return;
    }
    for (let i = 0; i < rest.length; i++) rec([...prefix, rest[i]!], [...rest.slice(0, i), ...rest.slice(i + 1)]);
  };
  rec([], Array.from({ length: n }, (_, i) => i));
  return out;
}

/**
 * The permutations tried for a tensor of `rank`, most likely first: for 4-D NCHW <-> NHWC and then
 * every other permutation of the 24; for 3-D (B,C,T) <-> (B,T,C) then the rest. Other ranks: none.
 */
export function candidatePermutations(rank: number): number[][] {
  if (rank !== 3 && rank !== 4) return [];
  const first = rank === 4 ? [[0, 2, 3, 1], [0, 3, 1, 2]] : [[0, 2, 1]];
  const key = (p: number[]): string => p.join(',');
  const seen = new Set(first.map(key));
  const identity = key(Array.from({ length: rank }, (_, i) => i));
  return [...first, ...permutations(rank).filter((p) => !seen.has(key(p)) && key(p) !== identity)];
}

/** `tensor` with its axes permuted (`out.shape[i] = shape[perm[i]]`), as float64. */
export function permuteAxes(data: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): { data: Float64Array; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const strides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  const outStrides = perm.map((p) => strides[p]!);
  const out = new Float64Array(s);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < s; o++) {
    out[o] = data[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      src += outStrides[d]!;
      if (idx[d]! < outShape[d]!) break;
      src -= outStrides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/**
 * Finds a permutation `p` with `actual ≈ reference.permute(p)` under `tolerance`, trying the
 * likely layouts first. Returns null when none restores agreement (or the ranks are not 3 or 4,
 * or the element counts differ).
 *
 * @param minSqnrDb - Also require this SQNR of the permuted comparison (default: none). Without it,
 *   tensors whose values are all within the atol of zero "match" under any permutation.
 */
export function detectLayout(actual: TensorLike, reference: TensorLike, tolerance: ResolvedTolerance, minSqnrDb = -Infinity): LayoutMatch | null {
  const a = toTensorView(actual, 'actual');
  const r = toTensorView(reference, 'reference');
  if (a.shape.length !== r.shape.length || a.numel !== r.numel || a.numel === 0) return null;
  let refValues: ArrayLike<number>;
  if (r.encoding === 'values' && !(r.data instanceof BigInt64Array) && !(r.data instanceof BigUint64Array)) {
    refValues = r.data as TypedArray as ArrayLike<number>;
  } else {
    const tmp = new Float64Array(r.numel);
    for (let i = 0; i < r.numel; i++) tmp[i] = readNumber(r, i);
    refValues = tmp;
  }
  for (const perm of candidatePermutations(r.shape.length)) {
    const shape = perm.map((p) => r.shape[p]!);
    if (shape.some((d, i) => d !== a.shape[i])) continue;
    const permuted = permuteAxes(refValues, r.shape, perm);
    const res = checkParity(actual, { data: permuted.data, shape: permuted.shape, dtype: 'float64' }, { atol: tolerance.atol, rtol: tolerance.rtol });
    if (res.pass && res.sqnr_db >= minSqnrDb) {
      const name = NAMES[`${perm.length}:${perm.join(',')}`];
      return {
        permutation: perm,
        description: `${name ? `${name} ` : ''}(reference.permute(${perm.join(', ')}))`,
        max_abs_diff: res.max_abs_diff,
      };
    }
  }
  return null;
}
