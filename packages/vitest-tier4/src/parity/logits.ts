/**
 * Agreement of two logits tensors along their last axis (classes, vocabulary): top-k agreement and the KL
 * divergence of the softmax distributions. These are what a deployment engineer reads for a quantized
 * classifier or language model: does it still pick the same class / token, and how far did its predicted
 * distribution move. Pure: no I/O, no Vitest, no onnxruntime.
 *
 * A "row" is one position of every axis but the last (one image, one token position). With the reference
 * r and the actual a of a row:
 *
 * - top-1 agreement: argmax(a) = argmax(r) (ties broken by the lowest index, as numpy's argmax);
 * - top-k agreement: argmax(r) is among the k largest values of a ("the reference's choice stays in the
 *   actual's top k"), the definition onnxruntime's and torch's quantization tools report;
 * - KL(softmax(r) || softmax(a)) in nats, computed with log-softmax after subtracting each row's maximum.
 *
 * Rows with a non-finite value on either side are counted in `skipped_rows` and left out of every figure.
 * Sums merge across samples ({@link addLogitsSums}), so the figures over all samples are those of the
 * summed rows, not an average of averages.
 */
import { readNumber, type TensorView } from './view.js';

/** Running sums over rows of logits (they add across samples). */
export interface LogitsSums {
  /** Rows compared. */
  rows: number;
  /** Rows whose argmax agrees. */
  top1_matches: number;
  /** Rows whose reference argmax is in the actual's top k. */
  topk_matches: number;
  /** k of `topk_matches`. */
  k: number;
  /** Σ KL(softmax(r) || softmax(a)) over the rows, in nats. */
  kl_sum: number;
  /** Rows left out because a value was NaN or infinite. */
  skipped_rows: number;
}

/** Figures of {@link LogitsSums}. */
export interface LogitsAgreement {
  /** Fraction of rows whose argmax agrees (null when no row was compared). */
  top1_agreement: number | null;
  /** Fraction of rows whose reference argmax is in the actual's top k (null when no row). */
  topk_agreement: number | null;
  /** k. */
  k: number;
  /** Mean KL(softmax(reference) || softmax(actual)) per row, in nats (null when no row). */
  kl_divergence: number | null;
  /** Rows compared. */
  rows: number;
  /** Rows left out (a non-finite value). */
  skipped_rows: number;
}

/** Sums of no rows for top-k `k`. */
export function emptyLogitsSums(k = 1): LogitsSums {
  return { rows: 0, top1_matches: 0, topk_matches: 0, k, kl_sum: 0, skipped_rows: 0 };
}

/** Adds `b` into `a` (in place) and returns `a`. Both must use the same k. */
export function addLogitsSums(a: LogitsSums, b: Readonly<LogitsSums>): LogitsSums {
  if (a.k !== b.k) throw new TypeError(`addLogitsSums: expected the same k, received ${a.k} and ${b.k}`);
  a.rows += b.rows;
  a.top1_matches += b.top1_matches;
  a.topk_matches += b.topk_matches;
  a.kl_sum += b.kl_sum;
  a.skipped_rows += b.skipped_rows;
  return a;
}

/** The figures of accumulated sums. */
export function logitsAgreement(sums: Readonly<LogitsSums>): LogitsAgreement {
  const n = sums.rows;
  return {
    top1_agreement: n > 0 ? sums.top1_matches / n : null,
    topk_agreement: n > 0 ? sums.topk_matches / n : null,
    k: sums.k,
    kl_divergence: n > 0 ? Math.max(0, sums.kl_sum / n) : null,
    rows: n,
    skipped_rows: sums.skipped_rows,
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Compares `actual` with `reference` row by row along the last axis.
 *
 * @param k - top-k of `topk_matches` (an integer >= 1, at most the last axis' size).
 * @throws TypeError when the shapes differ, a tensor has no axis, the last axis is empty, or k is invalid.
 */
export function compareLogits(actual: TensorView, reference: TensorView, k = 1): LogitsSums {
  if (!sameShape(actual.shape, reference.shape)) {
    throw new TypeError(`logits: expected actual and reference of the same shape, received [${actual.shape.join(', ')}] and [${reference.shape.join(', ')}]`);
  }
  if (reference.shape.length === 0) throw new TypeError('logits: expected a tensor with a class axis (last axis), received a scalar');
  const classes = reference.shape[reference.shape.length - 1]!;
  if (classes < 1) throw new TypeError(`logits: expected a last (class) axis of size >= 1, received ${classes}`);
  if (!Number.isInteger(k) || k < 1 || k > classes) {
    throw new TypeError(`logits: k must be an integer from 1 to the class count ${classes}, received ${String(k)}`);
  }
  const sums = emptyLogitsSums(k);
  const rows = reference.numel / classes;
  const a = new Float64Array(classes);
  const r = new Float64Array(classes);
  for (let row = 0; row < rows; row++) {
    const base = row * classes;
    let finite = true;
    for (let j = 0; j < classes; j++) {
      a[j] = readNumber(actual, base + j);
      r[j] = readNumber(reference, base + j);
      if (!Number.isFinite(a[j]!) || !Number.isFinite(r[j]!)) finite = false;
    }
    if (!finite) {
      sums.skipped_rows++;
      continue;
    }
    sums.rows++;
    const ra = argmax(r);
    if (argmax(a) === ra) sums.top1_matches++;
    // the reference's argmax is in actual's top k when fewer than k entries rank strictly above it
    // (ties ranked by the lower index, as a stable descending sort would)
    let above = 0;
    const pivot = a[ra]!;
    for (let j = 0; j < classes; j++) if (a[j]! > pivot || (a[j] === pivot && j < ra)) above++;
    if (above < k) sums.topk_matches++;
    sums.kl_sum += klRow(r, a);
  }
  return sums;
}

function argmax(v: Float64Array): number {
  let best = 0;
  for (let j = 1; j < v.length; j++) if (v[j]! > v[best]!) best = j;
  return best;
}

/** log Σ exp(v - max) + max. */
function logSumExp(v: Float64Array): number {
  let m = -Infinity;
  for (let j = 0; j < v.length; j++) if (v[j]! > m) m = v[j]!;
  let s = 0;
  for (let j = 0; j < v.length; j++) s += Math.exp(v[j]! - m);
  return m + Math.log(s);
}

/** KL(softmax(p) || softmax(q)) = Σ P (log P - log Q), from logits. */
function klRow(p: Float64Array, q: Float64Array): number {
  const lp = logSumExp(p);
  const lq = logSumExp(q);
  let kl = 0;
  for (let j = 0; j < p.length; j++) {
    const logP = p[j]! - lp;
    kl += Math.exp(logP) * (logP - (q[j]! - lq));
  }
  return kl;
}
