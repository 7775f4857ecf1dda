/**
 * The distribution of |actual - reference| in power-of-two bins (`checkParity(..., { histogram: true })`).
 *
 * A bin is the binary exponent of |a - r|: bin e holds 2^e <= |a - r| < 2^(e + 1). The exponent is read from the
 * float64 bit pattern (no logarithm), so no value is ever put in a neighbouring bin by rounding. It is a second,
 * opt-in pass over the data rather than part of the verdict's hot loop: counting into a table costs about as much
 * as the whole scan (measured 72 ms -> 134 ms on 10M float32 pairs when inlined there), which the matchers
 * should not pay for a chart they never draw; `runTier4` asks for it.
 *
 * Pure: no Vitest, onnxruntime or Node imports.
 */
import type { AbsDiffHistogram } from './types.js';
import { fillChunk, readBigInt } from './view.js';
import type { TensorView } from './view.js';

/** Float64 exponent bias. */
const BIAS = 1023;
const CHUNK = 4096;
const chunkA = new Float64Array(CHUNK);
const chunkR = new Float64Array(CHUNK);
/** Scratch doubles whose bits are read through BITS (little- or big-endian words, see HI). */
const SCRATCH = 1024;
const F64 = new Float64Array(SCRATCH);
const BITS = new Uint32Array(F64.buffer);
/** Index of the word holding the sign and exponent (1 on little-endian machines, 0 on big-endian ones). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** Four count tables, one per element index mod 4, summed at the end (see countF). */
const TABLES = new Float64Array(4 * 2048);

/**
 * Counts |a - r| of [0, n) into TABLES, indexed by the biased float64 exponent (mergeTables drops the
 * non-finite ones).
 *
 * Written for speed (this pass on 10M float32 pairs: about 50 -> 30 ms of CPU here, alternating runs at load
 * ~20): the differences of 1024 elements are stored first (in a loop unrolled by four: V8 re-checks a typed
 * array's map once per iteration) and their exponent words read back in a second loop (no store-to-load round
 * trip per element), and consecutive elements count into four tables, because most differences fall into the
 * same few bins and one table would chain every increment through memory. NaN and infinite differences have the
 * biased exponent 2047 and are counted there, then dropped: no branch per element. The counts are integers, so
 * the order of the additions does not matter.
 */
function countF(A: Float32Array | Float64Array, R: Float32Array | Float64Array, n: number): void {
  const T = TABLES;
  for (let start = 0; start < n; start += SCRATCH) {
    const m = Math.min(SCRATCH, n - start);
    const As = A.subarray(start, start + m);
    const Rs = R.subarray(start, start + m);
    let j = 0;
    for (; j + 3 < m; j += 4) {
      F64[j] = Math.abs((As[j] as number) - (Rs[j] as number));
      F64[j + 1] = Math.abs((As[j + 1] as number) - (Rs[j + 1] as number));
      F64[j + 2] = Math.abs((As[j + 2] as number) - (Rs[j + 2] as number));
      F64[j + 3] = Math.abs((As[j + 3] as number) - (Rs[j + 3] as number));
    }
    for (; j < m; j++) F64[j] = Math.abs((As[j] as number) - (Rs[j] as number));
    j = 0;
    for (; j + 3 < m; j += 4) {
      const e0 = (BITS[2 * j + HI] as number) >>> 20;
      const e1 = 2048 + ((BITS[2 * j + 2 + HI] as number) >>> 20);
      const e2 = 4096 + ((BITS[2 * j + 4 + HI] as number) >>> 20);
      const e3 = 6144 + ((BITS[2 * j + 6 + HI] as number) >>> 20);
      T[e0] = (T[e0] as number) + 1;
      T[e1] = (T[e1] as number) + 1;
      T[e2] = (T[e2] as number) + 1;
      T[e3] = (T[e3] as number) + 1;
    }
    for (; j < m; j++) {
      const e = (BITS[2 * j + HI] as number) >>> 20;
      T[e] = (T[e] as number) + 1;
    }
  }
}

/** The four tables of countF summed into `counts` (bin 2047, NaN and Inf, left out). */
function mergeTables(counts: Float64Array): void {
  const T = TABLES;
  for (let e = 0; e < 2047; e++) {
    counts[e] = (counts[e] as number) + (T[e] as number) + (T[2048 + e] as number) + (T[4096 + e] as number) + (T[6144 + e] as number);
  }
}

/**
 * The histogram of |a - r| over the element pairs whose difference is finite (NaN and infinite pairs are
 * counted by checkParity's `nan_mismatches` / `inf_mismatches`, not here). 64-bit integers are subtracted
 * exactly (BigInt) before the difference is rounded to a double.
 *
 * @param a - actual (same shape as `r`; checkParity has checked it).
 * @param r - reference.
 */
export function absDiffHistogram(a: TensorView, r: TensorView): AbsDiffHistogram {
  const counts = new Float64Array(2048);
  const n = a.numel;
  if (a.encoding === 'bigint' || r.encoding === 'bigint') {
    for (let i = 0; i < n; i++) {
      const x = readBigInt(a, i);
      const y = readBigInt(r, i);
      const d = Number(x >= y ? x - y : y - x);
      if (!(d < Infinity)) continue;
      F64[0] = d;
      const e = (BITS[HI] as number) >>> 20;
      counts[e] = (counts[e] as number) + 1;
    }
  } else if (
    a.encoding === 'values' &&
    r.encoding === 'values' &&
    (a.data instanceof Float32Array || a.data instanceof Float64Array) &&
    (r.data instanceof Float32Array || r.data instanceof Float64Array)
  ) {
    TABLES.fill(0);
    countF(a.data, r.data, n);
    mergeTables(counts);
  } else {
    TABLES.fill(0);
    for (let start = 0; start < n; start += CHUNK) {
      const count = Math.min(CHUNK, n - start);
      fillChunk(a, start, count, chunkA);
      fillChunk(r, start, count, chunkR);
      countF(chunkA, chunkR, count);
    }
    mergeTables(counts);
  }
  return trimmed(counts);
}

/** The counts by biased exponent as an {@link AbsDiffHistogram}, trimmed to the non-empty range. */
function trimmed(counts: Float64Array): AbsDiffHistogram {
  const zero = counts[0] as number;
  let lo = -1;
  let hi = -1;
  for (let e = 1; e < 2048; e++) {
    if ((counts[e] as number) > 0) {
      if (lo < 0) lo = e;
      hi = e;
    }
  }
  if (lo < 0) return { zero, first_exponent: null, counts: [] };
  return { zero, first_exponent: lo - BIAS, counts: Array.from(counts.subarray(lo, hi + 1)) };
}

/** The empty histogram (no element compared). */
export function emptyHistogram(): AbsDiffHistogram {
  return { zero: 0, first_exponent: null, counts: [] };
}

/** The number of elements a histogram counts (zeros included). */
export function histogramTotal(histogram: AbsDiffHistogram): number {
  let total = histogram.zero;
  for (const c of histogram.counts) total += c;
  return total;
}
