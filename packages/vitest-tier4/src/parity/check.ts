/**
 * checkParity: one pass over the data, numpy.testing.assert_allclose verdicts, no allocation proportional to
 * the tensor size (except for the quantile statistic, which needs the distribution of |a - r|).
 */
import { dtypeKind, isWideInt } from './dtype.js';
import { f16round } from './half.js';
import { absDiffHistogram, emptyHistogram } from './histogram.js';
import { scaleFreeStats } from './scale-free.js';
import { resolveTolerance, withOverrides } from './tolerance.js';
import type { CheckParityOptions, DType, ExactIntegerValues, ParityResult, ResolvedTolerance, TensorLike, ToleranceSpec } from './types.js';
import { fillChunk, readBigInt, readNumber, toTensorView, unravelIndex } from './view.js';
import type { TensorView } from './view.js';

/** Default floor of the relative-difference denominator: max_rel_diff = |a - r| / max(|r|, 1e-6). */
export const DEFAULT_REL_FLOOR = 1e-6;

// Precision codes used to emulate numpy's dtype promotion inside isclose.
const F16 = 0;
const F32 = 1;
const F64 = 2;
type Prec = typeof F16 | typeof F32 | typeof F64;

const CHUNK = 4096;
const chunkA = new Float64Array(CHUNK);
const chunkR = new Float64Array(CHUNK);

/** Running statistics of one scan. */
interface ScanState {
  mismatched: number;
  first: number;
  nan: number;
  inf: number;
  maxAbs: number;
  maxAbsI: number;
  sumAbs: number;
  sumRef: number;
  /** Σr², Σ(a - r)², Σr(a - r) over finite pairs (the scale-free statistics). */
  r2: number;
  e2: number;
  re: number;
  count: number;
  maxRel: number;
  maxRelI: number;
  maxNeed: number;
  qbuf: Float64Array | null;
  qn: number;
}

function newState(qbuf: Float64Array | null): ScanState {
  return {
    mismatched: 0,
    first: -1,
    nan: 0,
    inf: 0,
    maxAbs: -1,
    maxAbsI: -1,
    sumAbs: 0,
    sumRef: 0,
    r2: 0,
    e2: 0,
    re: 0,
    count: 0,
    maxRel: -1,
    maxRelI: -1,
    maxNeed: -Infinity,
    qbuf,
    qn: 0,
  };
}

function floatPrec(dtype: DType): Prec | null {
  if (dtype === 'float16') return F16;
  if (dtype === 'float32' || dtype === 'bfloat16') return F32;
  if (dtype === 'float64') return F64;
  return null;
}

/** Precision numpy gives a Python float scalar next to a float array (numpy.min_scalar_type). */
function scalarPrec(v: number): Prec {
  const a = Math.abs(v);
  if (a < 65000) return F16;
  if (a < 3.4e38) return F32;
  return F64;
}

function maxPrec(a: Prec, b: Prec): Prec {
  return (a > b ? a : b) as Prec;
}

/**
 * Precisions numpy 1.x uses in `isclose(x, y)` (x = actual, y = reference):
 * y is cast to result_type(y, 1.0); |x - y| is computed in result_type(x, y'); rtol * |y| and atol + ... in the
 * value-based promotion of the Python scalars with y'. 0-d arrays behave as scalars: everything is float64.
 */
function numpyPrecisions(a: DType, r: DType, scalar: boolean, atol: number, rtol: number): { pd: Prec; pr: Prec; pt: Prec } {
  if (scalar) return { pd: F64, pr: F64, pt: F64 };
  const py: Prec = floatPrec(r) ?? F64;
  let pd: Prec;
  const pa = floatPrec(a);
  if (pa !== null) pd = maxPrec(pa, py);
  else if (a === 'int8' || a === 'uint8' || a === 'bool') pd = py;
  else if (a === 'int16' || a === 'uint16') pd = maxPrec(F32, py);
  else pd = F64;
  const pr = maxPrec(py, scalarPrec(rtol));
  const pt = maxPrec(pr, scalarPrec(atol));
  return { pd, pr, pt };
}

function roundTo(p: Prec, x: number): number {
  return p === F64 ? x : p === F32 ? Math.fround(x) : f16round(x);
}

/** Block length of the hot loops: each call returns often enough for V8 to optimise with full type feedback. */
const BLOCK = 65536;
/** Relative and absolute margins of the float32 "certainly within tolerance" shortcut (see scanF32). */
const SURE_LO = 1 - 2 ** -20;
const SURE_TINY = 2 ** -140;
const F32_MIN_NORMAL = 2 ** -126;
/** Widening of fastF32's cut (see there): far above the few roundings it has to cover. */
const CUT_MARGIN = 1 + 2 ** -32;
/** Widening of the running relative maximum used as a pre-test in scanF32. */
const REL_GATE = 1 - 2 ** -40;

/**
 * Slow path of scanF32 for element k of As/Rs (tensor index i) that is not certainly within tolerance: NaN/Inf
 * classification, exact float32 emulation of numpy's test, statistics into `st`. Numbers come from BLK and the
 * arrays, not as parameters: V8 boxes every double passed to a call it does not inline.
 */
function slowF32(st: ScanState, As: Float32Array, Rs: Float32Array, k: number, i: number): void {
  const a = As[k] as number;
  const r = Rs[k] as number;
  const rtol = BLK[15] as number;
  const atol32 = BLK[16] as number;
  const rtol32 = BLK[17] as number;
  const floor = BLK[14] as number;
  const e = a - r;
  const d = Math.abs(e);
  if (d < Infinity) {
    const ar = Math.abs(r);
    st.sumAbs += d;
    st.r2 += r * r;
    st.e2 += e * e;
    st.re += r * e;
    st.count++;
    if (d > st.maxAbs || (d === st.maxAbs && i < st.maxAbsI)) {
      st.maxAbs = d;
      st.maxAbsI = i;
    }
    const need = d - rtol * ar;
    if (need > st.maxNeed) st.maxNeed = need;
    const rel = d / (ar > floor ? ar : floor);
    if (rel > st.maxRel || (rel === st.maxRel && i < st.maxRelI)) {
      st.maxRel = rel;
      st.maxRelI = i;
    }
    if (Math.fround(d) <= Math.fround(atol32 + Math.fround(rtol32 * ar))) return;
  } else if (a !== a || r !== r) {
    if (a !== a && r !== r) return;
    st.nan++;
  } else if (a === r) {
    return;
  } else {
    st.inf++;
  }
  st.mismatched++;
  if (st.first < 0 || i < st.first) st.first = i;
}

/**
 * Hot loop for two Float32Arrays under the elementwise statistic (the common case), elements [from, to).
 *
 * numpy computes the whole test in float32 here: |a - r| and atol + rtol * |r| are rounded to float32. Those
 * roundings move the boundary by at most ~2^-22 relative, so an element with
 * |a - r| - rtol(1 - 2^-20)|r| <= atol(1 - 2^-20) - 2^-140 certainly passes (and so does |a - r| = 0); every
 * other element (near or beyond the boundary, NaN, Inf) goes to slowF32, which emulates float32 exactly with
 * Math.fround. The "need" of a certain element is computed with rtol(1 - 2^-20), so min_passing_atol may be
 * rounded up by at most 2^-20 * rtol * |r| (it always passes). With atol or rtol below the float32 normal
 * range the shortcut is off (`sure` false) and every element takes the careful path.
 *
 * Split so that the loop that sees almost every element is small and call-free (fastF32), while elements that
 * change anything but the sums (a new maximum, a possible mismatch, NaN, Inf: a few per block) leave it for the
 * careful path (certainF32, or slowF32 when not certainly within tolerance). The float64 sums Σ|a - r|, Σr²,
 * Σ(a - r)², Σr(a - r) of a block's certain elements are added in element order on both paths (one chain each,
 * handed over in BLK), and slowF32 adds its finite elements to the running state directly, as the single loop
 * before this split did: results are bit-identical to it (mean_abs_diff and the norms included).
 */
function scanF32(A: Float32Array, R: Float32Array, from: number, to: number, atol: number, rtol: number, floor: number, sure: boolean, st: ScanState): void {
  // The maxima start from the running ones (a block then leaves fastF32 only for a maximum of the tensor so far,
  // not for every new maximum of its own); mergeBlock takes the larger of the two, the smaller index on a tie,
  // as it did when they started from -1: same maxima, same indices.
  BLK[0] = 0; // Σ|a - r|
  BLK[2] = st.maxNeed; // max of need = |a - r| - rtol(1 - 2^-20)|r|
  BLK[3] = st.maxAbs; // max |a - r| and its index
  BLK[4] = st.maxAbsI;
  BLK[5] = st.maxRel; // max relative difference and its index
  BLK[6] = st.maxRelI;
  BLK[7] = 0; // Σr²
  BLK[8] = 0; // Σ(a - r)²
  BLK[9] = 0; // Σr(a - r)
  // the relative maximum's gates: max rel * REL_GATE, and that times floor
  BLK[10] = st.maxRelI >= 0 ? st.maxRel * REL_GATE : -1;
  BLK[11] = st.maxRelI >= 0 ? st.maxRel * REL_GATE * floor : -floor;
  const atolLo = sure ? atol * SURE_LO - SURE_TINY : -Infinity;
  const rtolLo = rtol * SURE_LO;
  BLK[12] = atolLo;
  BLK[13] = rtolLo;
  BLK[14] = floor;
  BLK[15] = rtol;
  BLK[16] = Math.fround(atol);
  BLK[17] = Math.fround(rtol);
  // Loop over same-length subarrays up to their length: V8 can then drop the bounds checks.
  const As = A.subarray(from, to);
  const Rs = R.subarray(from, to);
  const len = As.length;
  let slow = 0;
  let k = 0;
  // Elements after a fast run that stopped early take the careful path in runs that double while the fast loop
  // keeps stopping at once (data far out of tolerance: no call per element into a loop that cannot run).
  let run = 1;
  for (;;) {
    if (sure) {
      const k0 = k;
      k = fastF32(As, Rs, k, len);
      run = k - k0 < 16 ? Math.min(2 * run, 1024) : 1;
    } else run = len;
    if (k >= len) break;
    const stop = Math.min(len, k + run);
    for (; k < stop; k++) {
      const a = As[k] as number;
      const r = Rs[k] as number;
      const d = Math.abs(a - r);
      const need = d - rtolLo * Math.abs(r);
      // NaN and Inf make `need` NaN or +Inf: never certain.
      if (need <= atolLo || d === 0) certainF32(As, Rs, k, from + k);
      else {
        slow++;
        slowF32(st, As, Rs, k, from + k);
      }
    }
  }
  BLK[1] = len - slow; // elements counted here; slowF32 counts its finite ones itself
}

/**
 * Element k of As/Rs (tensor index i), certainly within tolerance, off the fast loop: adds it to the sums and
 * updates the maxima, on the block state in BLK. The maxima sit behind one test (plain compares, no division):
 * the relative test is d > maxRel * max(|r|, floor), split into two products and widened by 2^-40 so that
 * rounding can never hide a new maximum; the exact division happens only inside.
 */
function certainF32(As: Float32Array, Rs: Float32Array, k: number, i: number): void {
  const a = As[k] as number;
  const r = Rs[k] as number;
  const e = a - r;
  const d = Math.abs(e);
  const ar = Math.abs(r);
  const need = d - (BLK[13] as number) * ar;
  BLK[0] = (BLK[0] as number) + d;
  BLK[7] = (BLK[7] as number) + r * r;
  BLK[8] = (BLK[8] as number) + e * e;
  BLK[9] = (BLK[9] as number) + r * e;
  const gateR = BLK[10] as number;
  if (d > (BLK[3] as number) || need > (BLK[2] as number) || (d > gateR * ar && d > (BLK[11] as number))) {
    if (need > (BLK[2] as number)) BLK[2] = need;
    if (d > (BLK[3] as number)) {
      BLK[3] = d;
      BLK[4] = i;
    }
    const floor = BLK[14] as number;
    const rel = d / Math.max(ar, floor);
    if (rel > (BLK[5] as number)) {
      BLK[5] = rel;
      BLK[6] = i;
      BLK[10] = rel * REL_GATE;
      BLK[11] = rel * REL_GATE * floor;
    }
  }
}

/**
 * The fast loop of scanF32: from element k0 of As/Rs while every element is certainly within tolerance and
 * changes no running maximum (the gates of certainF32, and need <= min(atolLo, maxNeed) for both the certainty
 * and the need maximum in one compare); returns the index of the first element that is not (or where fewer than
 * four remain). Only the four sums change here, added in element order.
 *
 * Most elements need only two compares: with cut = max((maxAbs - lim) / rtolLo, maxAbs / gateR) * (1 + 2^-32),
 * an element with |r| >= cut and |a - r| <= maxAbs has need = |a - r| - rtolLo|r| <= maxAbs - (maxAbs - lim) = lim
 * and |a - r| <= maxAbs <= gateR|r|, so the full test (two products, three compares) would pass it; the margin
 * covers the roundings of cut, rtolLo|r| and gateR|r| (a few 2^-53), so the computed need is <= lim as well
 * and the element is exactly one the full test takes. Elements below the cut (small |r|), or above maxAbs, NaN
 * or Inf take the full test.
 *
 * The exemption of exact pairs (|a - r| = 0 passes whatever the tolerance; written a === r, which differs from
 * d === 0 only for equal infinities, whose need is NaN and so leave anyway) reads maxNeed from BLK inside its
 * rarely-taken branch, and so does the rest of the full test (lim in BLK[18], rtolLo and the relative gates):
 * as locals they would hold registers through the loop and push the cut, a gate or a sum to the stack.
 *
 * Written for V8 (measured on Node 20 with --print-opt-code): unrolled by four, because V8 re-checks a typed
 * array's map and reloads its data pointer once per iteration, not once per element; no call inside the loop (a
 * call makes V8 spill the sums to the stack); every number comes from the Float64Array BLK, not from parameters
 * (parameters would be re-unboxed on every iteration); few values live through the loop (the four sums, maxAbs
 * and cut2), so they stay in registers (a sum spilled to the stack puts a store-to-load round trip into its
 * dependency chain); the offsets are written (k + j) | 0 (k + j < len <= BLOCK), which V8 compiles to one lea
 * where k + j alone costs an add, an overflow check and a sign extension per element.
 */
function fastF32(As: Float32Array, Rs: Float32Array, k0: number, len: number): number {
  let sumAbs = BLK[0] as number;
  const maxAbs = BLK[3] as number;
  let r2 = BLK[7] as number;
  let e2 = BLK[8] as number;
  let re = BLK[9] as number;
  const gateR = BLK[10] as number;
  const rtolLo = BLK[13] as number;
  const lim = Math.min(BLK[12] as number, BLK[2] as number);
  BLK[18] = lim;
  // Above |r| >= cut, |a - r| <= maxAbs alone implies the other two tests (see the comment above).
  const x13 = (maxAbs - lim) / rtolLo;
  const x23 = maxAbs / gateR;
  let cut = (x13 > x23 ? x13 : x23) * CUT_MARGIN;
  if (!(cut >= 0) || !(rtolLo > 0) || !(gateR > 0) || !(maxAbs >= 0) || lim === -Infinity) cut = Infinity;
  // The cut is tested on r * r, which the sum of squares needs anyway (one operation less per element than
  // |r| >= cut): r * r is exact for every float32 r, and cut2 > cut^2 (widened past its three roundings), so
  // r * r >= cut2 implies |r| >= cut. When cut^2 underflows to 0, cut2 is the smallest double: every float32
  // r but 0 is then above the cut (|r| >= 2^-149 > cut), and r * r > 0 says exactly that.
  let cut2 = cut * CUT_MARGIN * cut * CUT_MARGIN;
  if (cut2 === 0 && cut > 0) cut2 = Number.MIN_VALUE;
  let k = k0;
  for (; k + 3 < len; k += 4) {
    {
      const a = As[k] as number;
      const r = Rs[k] as number;
      const e = a - r;
      const d = Math.abs(e);
      const rr = r * r;
      if (!(rr >= cut2 && d <= maxAbs)) {
        const ar = Math.abs(r);
        const need = d - (BLK[13] as number) * ar;
        if ((!(need <= (BLK[18] as number)) && !(a === r && need <= (BLK[2] as number))) || d > maxAbs || (d > (BLK[10] as number) * ar && d > (BLK[11] as number))) {
          break;
        }
      }
      sumAbs += d;
      r2 += rr;
      e2 += e * e;
      re += r * e;
    }
    {
      const a = As[(k + 1) | 0] as number;
      const r = Rs[(k + 1) | 0] as number;
      const e = a - r;
      const d = Math.abs(e);
      const rr = r * r;
      if (!(rr >= cut2 && d <= maxAbs)) {
        const ar = Math.abs(r);
        const need = d - (BLK[13] as number) * ar;
        if ((!(need <= (BLK[18] as number)) && !(a === r && need <= (BLK[2] as number))) || d > maxAbs || (d > (BLK[10] as number) * ar && d > (BLK[11] as number))) {
          k += 1;
          break;
        }
      }
      sumAbs += d;
      r2 += rr;
      e2 += e * e;
      re += r * e;
    }
    {
      const a = As[(k + 2) | 0] as number;
      const r = Rs[(k + 2) | 0] as number;
      const e = a - r;
      const d = Math.abs(e);
      const rr = r * r;
      if (!(rr >= cut2 && d <= maxAbs)) {
        const ar = Math.abs(r);
        const need = d - (BLK[13] as number) * ar;
        if ((!(need <= (BLK[18] as number)) && !(a === r && need <= (BLK[2] as number))) || d > maxAbs || (d > (BLK[10] as number) * ar && d > (BLK[11] as number))) {
          k += 2;
          break;
        }
      }
      sumAbs += d;
      r2 += rr;
      e2 += e * e;
      re += r * e;
    }
    {
      const a = As[(k + 3) | 0] as number;
      const r = Rs[(k + 3) | 0] as number;
      const e = a - r;
      const d = Math.abs(e);
      const rr = r * r;
      if (!(rr >= cut2 && d <= maxAbs)) {
        const ar = Math.abs(r);
        const need = d - (BLK[13] as number) * ar;
        if ((!(need <= (BLK[18] as number)) && !(a === r && need <= (BLK[2] as number))) || d > maxAbs || (d > (BLK[10] as number) * ar && d > (BLK[11] as number))) {
          k += 3;
          break;
        }
      }
      sumAbs += d;
      r2 += rr;
      e2 += e * e;
      re += r * e;
    }
  }
  BLK[0] = sumAbs;
  BLK[7] = r2;
  BLK[8] = e2;
  BLK[9] = re;
  return k;
}

let warmedUp = false;

/**
 * Runs scanF32 once on a small crafted input that takes every branch (certain pass, exact zero, boundary,
 * mismatch, NaN, Inf, new maxima), so V8 has complete type feedback before it optimises the hot loop on a large
 * tensor. Without it the optimised code can be built from partial feedback and run 2x slower.
 */
function warmUpScanF32(): void {
  warmedUp = true;
  // Every compare of each of fastF32's four unrolled copies must have been seen both ways: seeded noise on
  // every position, with exact zeros, exact equal pairs, NaN and Inf among them.
  const n = 1024;
  const A = new Float32Array(n);
  const R = new Float32Array(n);
  let seed = 12345;
  const next = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  for (let i = 0; i < n; i++) {
    const u = next();
    const r = u < 0.08 ? 0 : (next() - 0.5) * 6;
    R[i] = r;
    A[i] = next() < 0.1 ? r : r + (next() - 0.5) * (u < 0.5 ? 1e-6 : 4e-4);
    // runs of four 0 = 0 pairs: with atol 0 they take the d === 0 exemption at every unrolled position
    if (i % 64 >= 60) A[i] = R[i] = 0;
  }
  A[3] = NaN;
  R[4] = NaN;
  A[5] = NaN;
  R[5] = NaN;
  A[6] = Infinity;
  R[7] = -Infinity;
  A[8] = 10;
  const st = newState(null);
  for (let k = 0; k < 3; k++) {
    for (const [atol, rtol] of [
      [1e-4, 1e-4],
      [0, 0],
      [0, 1e-3],
    ] as const) {
      scanF32(A, R, 0, n, atol, rtol, DEFAULT_REL_FLOOR, true, st);
      mergeBlock(st);
    }
  }
}

/** Runs the float32 hot loop block by block over the whole tensor. */
function runF32(A: Float32Array, R: Float32Array, n: number, atol: number, rtol: number, floor: number, st: ScanState): void {
  const sure = (atol === 0 || atol >= F32_MIN_NORMAL) && (rtol === 0 || rtol >= F32_MIN_NORMAL);
  if (!warmedUp && n > BLOCK) warmUpScanF32();
  for (let start = 0; start < n; start += BLOCK) {
    scanF32(A, R, start, Math.min(n, start + BLOCK), atol, rtol, floor, sure, st);
    mergeBlock(st);
  }
}

/**
 * Per-block state and results of scanF32 (see its field comments): a typed array keeps the hot functions free
 * of rarely-run property accesses and hands V8 unboxed doubles. Slot 18 is fastF32's lim (see there).
 */
const BLK = new Float64Array(19);

/** Merges the block results of scanF32 into the running state (ties keep the smaller index). */
function mergeBlock(st: ScanState): void {
  st.sumAbs += BLK[0] as number;
  st.count += BLK[1] as number;
  st.r2 += BLK[7] as number;
  st.e2 += BLK[8] as number;
  st.re += BLK[9] as number;
  const maxNeed = BLK[2] as number;
  if (maxNeed > st.maxNeed) st.maxNeed = maxNeed;
  const maxAbs = BLK[3] as number;
  const maxAbsI = BLK[4] as number;
  if (maxAbsI >= 0 && (maxAbs > st.maxAbs || (maxAbs === st.maxAbs && maxAbsI < st.maxAbsI))) {
    st.maxAbs = maxAbs;
    st.maxAbsI = maxAbsI;
  }
  const maxRel = BLK[5] as number;
  const maxRelI = BLK[6] as number;
  if (maxRelI >= 0 && (maxRel > st.maxRel || (maxRel === st.maxRel && maxRelI < st.maxRelI))) {
    st.maxRel = maxRel;
    st.maxRelI = maxRelI;
  }
}

/**
 * General loop over Float64Arrays (float64 tensors directly, every other dtype through fixed-size decoded
 * chunks), with numpy's rounding emulated per precision code. Elements [from, to) of A/R are the tensor's
 * elements [base + from, base + to). The running maxima sit behind one rarely-true test, as in scanF32, and the
 * exact relative maximum is kept in REL[0] rather than in a register.
 *
 * How the two kernels are specialised: scanF32 serves only two Float32Arrays under the elementwise statistic,
 * where numpy's whole test is in float32; it splits a call-free, unrolled certain-pass loop (fastF32) from a
 * careful path, because its per-element float32 emulation would otherwise be a call inside the loop. This one
 * serves everything else (float64, float16/bfloat16/integers decoded to float64 chunks, mixed precisions, the
 * mean and quantile statistics): one plain loop that tests every element (through emulatedWithin when a
 * precision is not float64) and fills the quantile buffer; it has not been split like scanF32 (its float64
 * case makes no call per element; the benchmark measures only the float32 path). Both add each
 * sum in element order within a block (the float32 path's sums differ from this one's only in the last bits,
 * through the blocking and the order in which slowF32's elements reach the running state).
 */
function scanF64(
  A: Float64Array,
  R: Float64Array,
  from: number,
  to: number,
  base: number,
  atol: number,
  rtol: number,
  floor: number,
  pd: Prec,
  pr: Prec,
  pt: Prec,
  st: ScanState,
): void {
  const atolT = roundTo(pt, atol);
  const rtolR = roundTo(pr, rtol);
  const emulate = pd !== F64 || pr !== F64 || pt !== F64;
  let mismatched = 0;
  let first = -1;
  let maxAbs = st.maxAbs;
  let maxAbsI = st.maxAbsI;
  let sumAbs = 0;
  let sumRef = 0;
  let r2 = 0;
  let e2 = 0;
  let re = 0;
  let nonFinite = 0;
  REL[0] = st.maxRel;
  let maxRelI = st.maxRelI;
  let relGateR = st.maxRel * REL_GATE;
  let relGateF = relGateR * floor;
  let maxNeed = st.maxNeed;
  const qbuf = st.qbuf;
  let qn = st.qn;
  const As = A.subarray(from, to);
  const Rs = R.subarray(from, to);
  const len = As.length;
  for (let k = 0; k < len; k++) {
    const a = As[k] as number;
    const r = Rs[k] as number;
    const e = a - r;
    const d = Math.abs(e);
    if (d < Infinity) {
      const ar = Math.abs(r);
      sumAbs += d;
      sumRef += ar;
      r2 += r * r;
      e2 += e * e;
      re += r * e;
      const need = d - rtol * ar;
      if (d > maxAbs || need > maxNeed || (d > relGateR * ar && d > relGateF)) {
        const i = base + from + k;
        if (need > maxNeed) maxNeed = need;
        if (d > maxAbs) {
          maxAbs = d;
          maxAbsI = i;
        }
        const rel = d / Math.max(ar, floor);
        if (rel > (REL[0] as number)) {
          REL[0] = rel;
          maxRelI = i;
          relGateR = rel * REL_GATE;
          relGateF = relGateR * floor;
        }
      }
      if (emulate ? !emulatedWithin(d, ar, atolT, rtolR, pd, pr, pt) : !(d <= atolT + rtolR * ar)) {
        mismatched++;
        if (first < 0) first = base + from + k;
      }
      if (qbuf !== null) qbuf[qn++] = d;
    } else {
      nonFinite++;
      const i = base + from + k;
      if (a !== a || r !== r) {
        if (a !== a && r !== r) continue;
        st.nan++;
      } else if (a === r) {
        continue;
      } else if (a - a === 0 && r - r === 0) {
        // Both finite but the difference overflows float64: a plain (huge) mismatch.
        nonFinite--;
        sumAbs += d;
        sumRef += Math.abs(r);
        r2 += r * r;
        e2 += e * e;
        re += r * e;
        if (!(maxAbs >= d)) {
          maxAbs = d;
          maxAbsI = i;
        }
        maxNeed = Infinity;
        if (qbuf !== null) qbuf[qn++] = d;
      } else {
        st.inf++;
      }
      mismatched++;
      if (first < 0) first = i;
    }
  }
  st.mismatched += mismatched;
  if (st.first < 0) st.first = first;
  st.maxAbs = maxAbs;
  st.maxAbsI = maxAbsI;
  st.sumAbs += sumAbs;
  st.sumRef += sumRef;
  st.r2 += r2;
  st.e2 += e2;
  st.re += re;
  st.count += len - nonFinite;
  st.maxRel = REL[0] as number;
  st.maxRelI = maxRelI;
  st.maxNeed = maxNeed;
  st.qn = qn;
}

/** Running relative maximum of scanF64 (memory, not a register). */
const REL = new Float64Array(1);

/** numpy's `|a - r| <= atol + rtol * |r|` with its float16/float32 rounding (see numpyPrecisions). */
function emulatedWithin(d: number, ar: number, atolT: number, rtolR: number, pd: Prec, pr: Prec, pt: Prec): boolean {
  const dd = roundTo(pd, d);
  const p = roundTo(pr, rtolR * ar);
  const t = roundTo(pt, atolT + p);
  return dd <= t;
}

/** Integer tensors where one side is 64-bit: compared exactly with BigInt (never rounded through doubles). */
function scanBigInt(a: TensorView, r: TensorView, n: number, atol: number, rtol: number, exact: boolean, floor: number, st: ScanState): void {
  for (let i = 0; i < n; i++) {
    const x = readBigInt(a, i);
    const y = readBigInt(r, i);
    const D = x >= y ? x - y : y - x;
    const d = Number(D);
    const ry = Number(y);
    const ar = Math.abs(ry);
    const e = x >= y ? d : -d;
    st.sumAbs += d;
    st.sumRef += ar;
    st.r2 += ry * ry;
    st.e2 += d * d;
    st.re += ry * e;
    st.count++;
    if (d > st.maxAbs) {
      st.maxAbs = d;
      st.maxAbsI = i;
    }
    const need = d - rtol * ar;
    if (need > st.maxNeed) st.maxNeed = need;
    const rel = d / (ar > floor ? ar : floor);
    if (rel > st.maxRel) {
      st.maxRel = rel;
      st.maxRelI = i;
    }
    let ok: boolean;
    if (exact) ok = D === 0n;
    else {
      const t = atol + rtol * ar;
      ok = t === Infinity || D <= BigInt(Math.floor(t));
    }
    if (!ok) {
      st.mismatched++;
      if (st.first < 0) st.first = i;
    }
    if (st.qbuf !== null) st.qbuf[st.qn++] = d;
  }
}

/** Unit roundoff of each precision. */
const UNIT: Record<Prec, number> = { [F16]: 2 ** -11, [F32]: 2 ** -24, [F64]: 2 ** -53 };
/** Smallest positive (subnormal) value of each precision. */
const TINY: Record<Prec, number> = { [F16]: 2 ** -24, [F32]: 2 ** -149, [F64]: Number.MIN_VALUE };

/** The smallest value of precision `p` that is >= x (x >= 0, finite). */
function roundUpTo(p: Prec, x: number): number {
  if (p === F64) return x;
  let y = roundTo(p, x);
  if (y >= x) return y;
  // One step up: the spacing of precision p at x (at least the smallest subnormal).
  const bits = p === F32 ? 24 : 11;
  const step = Math.max(TINY[p], 2 ** (Math.floor(Math.log2(x)) - bits + 1));
  y = roundTo(p, y + step);
  return y >= x ? y : roundTo(p, x + 2 * step);
}

/**
 * The smallest atol that passes every element, from the float64 maximum of |a - r| - rtol * |r| (`maxNeed`).
 * numpy rounds |a - r|, rtol * |r|, atol and their sum to the arrays' precision, so the float64 maximum alone can
 * fail by a rounding: widen it by the worst-case rounding error of the elements that can be that close to the
 * boundary (their |a - r| is at most `maxAbs`, their rtol * |r| at most maxAbs - maxNeed), then round up to the
 * precision numpy stores atol in. The result passes; it exceeds the exact minimum by at most a few roundings
 * (about 2^-21 of max |a - r| in float32 plus the fast path's 2^-20 rtol margin, 2^-9 in float16). With rtol 0
 * it is exact.
 */
function passingAtol(maxNeed: number, maxAbs: number, rtol: number, precisionAt: (atol: number) => { coarse: Prec; pt: Prec }): number {
  // rtol 0: the test is round(|a - r|) <= round(atol); the smallest value of atol's precision >= max |a - r| is
  // exact (integers stay integers: 3, not 3.0000000000000004).
  if (rtol === 0) {
    const d = Math.max(0, maxNeed);
    return roundUpTo(precisionAt(d).pt, d);
  }
  const { coarse } = precisionAt(Math.max(0, maxNeed));
  const u = UNIT[coarse];
  // An element passes at atol A when need + u * (2|a - r| + 2 rtol|r|) <= A (the roundings of |a - r|, of rtol,
  // of rtol * |r| and of the sum; atol's own rounding is covered by rounding A up below). With
  // rtol|r| = |a - r| - need, need <= maxNeed and |a - r| <= maxAbs, the worst case is:
  const widened = maxNeed * (1 - 2 * u) + 4 * u * maxAbs;
  if (!(widened > 0)) return 0;
  const candidate = widened + 2 * TINY[coarse];
  return roundUpTo(precisionAt(candidate).pt, candidate);
}

function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function quantileOf(buf: Float64Array, q: number): number {
  const n = buf.length;
  if (n === 0) return 0;
  buf.sort();
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const frac = pos - lo;
  const vlo = buf[lo] as number;
  const vhi = buf[hi] as number;
  return frac === 0 ? vlo : vlo + (vhi - vlo) * frac;
}

function finiteOr(x: number, fallback: number): number {
  return Number.isFinite(x) ? x : fallback;
}

function structuralFailure(a: TensorView, r: TensorView, tol: ResolvedTolerance, floor: number, reason: string): ParityResult {
  return {
    pass: false,
    status: 'fail',
    reason,
    numel: 0,
    mismatched: 0,
    mismatched_fraction: 0,
    first_mismatch_index: null,
    max_abs_diff: 0,
    max_abs_index: null,
    max_abs_actual: null,
    max_abs_reference: null,
    mean_abs_diff: 0,
    max_rel_diff: 0,
    max_rel_index: null,
    max_rel_actual: null,
    max_rel_reference: null,
    rel_floor: floor,
    // nothing was compared: no agreement to report
    relative_error: Infinity,
    sqnr_db: -Infinity,
    cosine: 0,
    norms: { sum_sq_reference: 0, sum_sq_diff: 0, sum_ref_diff: 0, count: 0 },
    nan_mismatches: 0,
    inf_mismatches: 0,
    tolerance: tol,
    statistic_value: 0,
    threshold: tol.atol,
    min_passing_atol: null,
    actual_shape: [...a.shape],
    reference_shape: [...r.shape],
    actual_dtype: a.dtype,
    reference_dtype: r.dtype,
    dtype_mismatch: a.dtype !== r.dtype && !a.untyped && !r.untyped,
  };
}

/**
 * Compares `actual` with `reference` elementwise, exactly as
 * `numpy.testing.assert_allclose(actual, reference, rtol, atol, equal_nan=True)` decides, and returns every
 * number needed to explain the verdict.
 *
 * - |a - r| <= atol + rtol * |r| (the reference scales), computed with numpy's float16/float32/float64 rounding;
 * - NaN matches NaN; +Inf only +Inf, -Inf only -Inf;
 * - under a preset, integer and boolean tensors compare exactly; int64 is compared as BigInt (never rounded);
 * - shapes must be equal (no broadcasting); float vs integer fails unless `allowIntFloat`;
 * - statistic 'mean' / { quantile } judge the statistic of |a - r| instead of every element.
 *
 * @param actual - The tensor under test (any TensorLike form).
 * @param reference - The reference tensor.
 * @param tolerance - A number (atol), `{ atol, rtol }`, a preset name or a preset map. Default: preset fp32.
 * @param options - allowIntFloat, statistic, allowedMismatchFraction, relFloor, histogram.
 * @throws TypeError when an argument is not a tensor or the tolerance is invalid.
 */
export function checkParity(
  actual: TensorLike,
  reference: TensorLike,
  tolerance?: ToleranceSpec,
  options: CheckParityOptions = {},
): ParityResult {
  const a = toTensorView(actual, 'actual');
  const r = toTensorView(reference, 'reference');
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options: expected an object, received ${options === null ? 'null' : typeof options}`);
  }
  const floor = options.relFloor ?? DEFAULT_REL_FLOOR;
  if (typeof floor !== 'number' || !(floor > 0) || floor === Infinity) {
    throw new TypeError(`options.relFloor: expected a finite number > 0, received ${String(floor)}`);
  }
  const tol = withOverrides(resolveTolerance(tolerance), options.statistic, options.allowedMismatchFraction);
  const result = checkViews(a, r, tol, floor, options.allowIntFloat === true);
  if (options.histogram === true) {
    result.abs_diff_histogram = result.numel > 0 ? absDiffHistogram(a, r) : emptyHistogram();
  }
  return result;
}

/**
 * checkParity on already-normalised views (used by the per-output helper and the matchers).
 * @internal
 */
export function checkViews(
  a: TensorView,
  r: TensorView,
  tolIn: ResolvedTolerance,
  floor: number,
  allowIntFloat: boolean,
): ParityResult {
  let tol = tolIn;
  if (!shapesEqual(a.shape, r.shape)) {
    return structuralFailure(a, r, tol, floor, `shape mismatch: actual [${a.shape.join(', ')}] vs reference [${r.shape.join(', ')}]`);
  }
  const ka = dtypeKind(a.dtype);
  const kr = dtypeKind(r.dtype);
  const untyped = a.untyped || r.untyped;
  if (ka !== kr && !untyped && !allowIntFloat) {
    return structuralFailure(
      a,
      r,
      tol,
      floor,
      `dtype kind mismatch: actual ${a.dtype} vs reference ${r.dtype} (pass allowIntFloat: true to compare by value)`,
    );
  }
  // Plain JavaScript numbers carry no dtype: they take the kind of the other side.
  const bothInt = ka === 'int' && kr === 'int';
  const effInt = (a.untyped ? kr : ka) === 'int' && (r.untyped ? ka : kr) === 'int';
  const exactInts = effInt && tol.exact_integers;
  if (exactInts && (tol.atol !== 0 || tol.rtol !== 0 || tol.statistic !== 'elementwise')) {
    tol = {
      ...tol,
      atol: 0,
      rtol: 0,
      statistic: 'elementwise',
      description: `${tol.description}, exact for integer tensors`,
    };
  }
  const n = a.numel;
  const atol = tol.atol;
  const rtol = tol.rtol;
  const statistic = tol.statistic;
  const qbuf = typeof statistic === 'object' ? new Float64Array(n) : null;
  const st = newState(qbuf);
  const scalar = a.shape.length === 0;

  const wide = bothInt && (isWideInt(a.dtype) || isWideInt(r.dtype) || a.encoding === 'bigint' || r.encoding === 'bigint');
  if (wide) {
    scanBigInt(a, r, n, atol, rtol, exactInts, floor, st);
  } else {
    const { pd, pr, pt } = numpyPrecisions(a.dtype, r.dtype, scalar, atol, rtol);
    if (
      a.data instanceof Float32Array &&
      r.data instanceof Float32Array &&
      a.encoding === 'values' &&
      r.encoding === 'values' &&
      pd === F32 &&
      pr === F32 &&
      pt === F32 &&
      statistic === 'elementwise'
    ) {
      runF32(a.data, r.data, n, atol, rtol, floor, st);
    } else if (a.data instanceof Float64Array && r.data instanceof Float64Array && a.encoding === 'values' && r.encoding === 'values') {
      for (let start = 0; start < n; start += BLOCK) scanF64(a.data, r.data, start, Math.min(n, start + BLOCK), 0, atol, rtol, floor, pd, pr, pt, st);
    } else {
      for (let start = 0; start < n; start += CHUNK) {
        const count = Math.min(CHUNK, n - start);
        fillChunk(a, start, count, chunkA);
        fillChunk(r, start, count, chunkR);
        scanF64(chunkA, chunkR, 0, count, start, atol, rtol, floor, pd, pr, pt, st);
      }
    }
  }

  const nonFinite = st.nan + st.inf;
  const meanAbs = st.count > 0 ? st.sumAbs / st.count : 0;
  const meanRef = st.count > 0 ? st.sumRef / st.count : 0;
  let statisticValue: number;
  let threshold: number;
  let statPass: boolean;
  let minPassing: number | null;
  if (statistic === 'elementwise') {
    statisticValue = st.count > 0 ? Math.max(0, st.maxNeed) : 0;
    threshold = atol;
    statPass = st.mismatched === 0;
    if (nonFinite > 0) minPassing = null;
    else if (st.count === 0) minPassing = 0;
    else {
      const precisionAt = (x: number): { coarse: Prec; pt: Prec } => {
        if (wide) return { coarse: F64, pt: F64 };
        const p = numpyPrecisions(a.dtype, r.dtype, scalar, x, rtol);
        return { coarse: Math.min(p.pd, p.pr, p.pt) as Prec, pt: p.pt };
      };
      minPassing = passingAtol(st.maxNeed, st.maxAbs, rtol, precisionAt);
      // The tolerance applied passed: its atol is a known passing value, never report a larger one.
      if (statPass && minPassing > atol) minPassing = atol;
    }
  } else {
    statisticValue = statistic === 'mean' ? meanAbs : quantileOf((qbuf as Float64Array).subarray(0, st.qn), statistic.quantile);
    threshold = atol + rtol * meanRef;
    statPass = nonFinite === 0 && statisticValue <= threshold;
    if (nonFinite > 0) minPassing = null;
    else {
      // statistic <= atol + rtol * mean|r| is evaluated in float64: leave room for its roundings.
      const need = statisticValue - rtol * meanRef;
      const m = need + 4 * 2 ** -53 * (statisticValue + rtol * meanRef);
      minPassing = m > 0 ? m : 0;
      if (statPass && minPassing > atol) minPassing = atol;
    }
  }
  const fraction = n > 0 ? st.mismatched / n : 0;
  let status: ParityResult['status'];
  if (statPass) status = 'ok';
  else if (
    statistic === 'elementwise' &&
    nonFinite === 0 &&
    tol.allowed_mismatch_fraction > 0 &&
    fraction <= tol.allowed_mismatch_fraction
  ) {
    status = 'warn';
  } else status = 'fail';

  const idx = (flat: number): number[] | null => (flat < 0 ? null : unravelIndex(flat, a.shape));
  const norms = { sum_sq_reference: st.r2, sum_sq_diff: st.e2, sum_ref_diff: st.re, count: st.count };
  const big = Number.MAX_VALUE;
  const exact = wide ? exactValues(a, r, st.maxAbsI, st.maxRelI) : undefined;
  return {
    pass: status !== 'fail',
    status,
    numel: n,
    mismatched: st.mismatched,
    mismatched_fraction: fraction,
    first_mismatch_index: idx(st.first),
    max_abs_diff: st.maxAbsI < 0 ? 0 : finiteOr(st.maxAbs, big),
    max_abs_index: idx(st.maxAbsI),
    max_abs_actual: st.maxAbsI < 0 ? null : readNumber(a, st.maxAbsI),
    max_abs_reference: st.maxAbsI < 0 ? null : readNumber(r, st.maxAbsI),
    mean_abs_diff: finiteOr(meanAbs, big),
    max_rel_diff: st.maxRelI < 0 ? 0 : finiteOr(st.maxRel, big),
    max_rel_index: idx(st.maxRelI),
    max_rel_actual: st.maxRelI < 0 ? null : readNumber(a, st.maxRelI),
    max_rel_reference: st.maxRelI < 0 ? null : readNumber(r, st.maxRelI),
    rel_floor: floor,
    ...scaleFreeStats(norms),
    norms,
    nan_mismatches: st.nan,
    inf_mismatches: st.inf,
    tolerance: tol,
    statistic_value: finiteOr(statisticValue, big),
    threshold: finiteOr(threshold, big),
    min_passing_atol: minPassing === null ? null : finiteOr(minPassing, big),
    actual_shape: [...a.shape],
    reference_shape: [...r.shape],
    actual_dtype: a.dtype,
    reference_dtype: r.dtype,
    dtype_mismatch: a.dtype !== r.dtype && !untyped,
    ...(exact ? { exact_values: exact } : {}),
  };
}

/**
 * Exact decimal strings of the worst elements of two integer tensors, or undefined when every one of those
 * numbers is a safe integer (then the JSON numbers are already exact).
 */
function exactValues(a: TensorView, r: TensorView, absI: number, relI: number): ExactIntegerValues | undefined {
  if (absI < 0 || relI < 0) return undefined;
  const xa = readBigInt(a, absI);
  const ya = readBigInt(r, absI);
  const xr = readBigInt(a, relI);
  const yr = readBigInt(r, relI);
  const d = xa >= ya ? xa - ya : ya - xa;
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  const unsafe = (v: bigint): boolean => v > limit || v < -limit;
  if (![xa, ya, xr, yr, d].some(unsafe)) return undefined;
  return {
    max_abs_diff: d.toString(),
    max_abs_actual: xa.toString(),
    max_abs_reference: ya.toString(),
    max_rel_actual: xr.toString(),
    max_rel_reference: yr.toString(),
  };
}
