/**
 * IEEE 754 binary16 (half) and bfloat16 helpers: decoding raw bits and rounding a double to half
 * precision (round to nearest, ties to even). Pure functions, no imports.
 */

let halfTable: Float32Array | null = null;

/** Decodes one binary16 bit pattern (0..65535) to a number. */
export function halfBitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

/**
 * Lookup table of all 65536 half values (256 KiB, built once on first use): decoding a float16 tensor is
 * then one indexed load per element.
 */
export function halfTableF32(): Float32Array {
  if (halfTable === null) {
    const t = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) t[i] = halfBitsToNumber(i);
    halfTable = t;
  }
  return halfTable;
}

const bfScratchU32 = new Uint32Array(1);
const bfScratchF32 = new Float32Array(bfScratchU32.buffer);

/** Decodes one bfloat16 bit pattern (the high 16 bits of a float32). */
export function bfloat16BitsToNumber(bits: number): number {
  bfScratchU32[0] = (bits & 0xffff) << 16;
  return bfScratchF32[0] as number;
}

/** Largest finite half value. */
export const HALF_MAX = 65504;

/**
 * Rounds a double to the nearest binary16 value (ties to even), returned as a number. Overflow gives ±Infinity,
 * NaN stays NaN. Equivalent to `Math.f16round` (not available in Node 20).
 */
export function f16round(x: number): number {
  if (x !== x || x === 0 || x === Infinity || x === -Infinity) return x;
  const sign = x < 0 ? -1 : 1;
  const ax = x < 0 ? -x : x;
  if (ax >= 65520) return sign * Infinity;
  let ulp: number;
  if (ax < 2 ** -14) {
    ulp = 2 ** -24;
  } else {
    let e = Math.floor(Math.log2(ax));
    if (2 ** e > ax) e -= 1;
    else if (2 ** (e + 1) <= ax) e += 1;
    ulp = 2 ** (e - 10);
  }
  const n = ax / ulp;
  const fl = Math.floor(n);
  const frac = n - fl;
  let m: number;
  if (frac > 0.5) m = fl + 1;
  else if (frac < 0.5) m = fl;
  else m = fl % 2 === 0 ? fl : fl + 1;
  return sign * m * ulp;
}
