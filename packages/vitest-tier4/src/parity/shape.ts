/**
 * Shape patterns: `null` matches any size, a string names a dimension whose size must agree wherever the
 * name repeats, a number must match exactly. Pure.
 */

/** One entry of an expected shape. */
export type ShapePatternDim = number | string | null;

/** Result of matchShape (JSON-serialisable). */
export interface ShapeMatch {
  pass: boolean;
  /** Sizes bound to named dimensions (symbolic dimensions of model metadata stay strings). */
  bindings: Record<string, number | string>;
  /** First failing axis, or null (also null for a rank mismatch). */
  mismatch_axis: number | null;
  /** Why it failed, or null. */
  reason: string | null;
}

/**
 * Validates an expected shape pattern.
 * @throws TypeError naming `argName` when an entry is not a non-negative integer, a non-empty string or null.
 */
export function checkShapePattern(pattern: unknown, argName: string): ShapePatternDim[] {
  if (!Array.isArray(pattern)) {
    throw new TypeError(`${argName}: expected an array of sizes (number), names (string) or null, received ${pattern === null ? 'null' : typeof pattern}`);
  }
  return pattern.map((d: unknown, i: number) => {
    if (d === null) return null;
    if (typeof d === 'number' && Number.isInteger(d) && d >= 0) return d;
    if (typeof d === 'string' && d.length > 0) return d;
    throw new TypeError(`${argName}: entry ${i} must be a non-negative integer (number), a dimension name or null, received ${describeEntry(d)}`);
  });
}

/** A refused shape entry in words: `2n (a bigint; write 2)`, `-1`, `1.5`, `"" (an empty name)`, `an object`. */
function describeEntry(d: unknown): string {
  if (typeof d === 'bigint') return `${d}n (a bigint; write ${d >= 0n && d <= BigInt(Number.MAX_SAFE_INTEGER) ? String(d) : 'a number'})`;
  if (typeof d === 'string') return '"" (an empty name)';
  if (typeof d === 'number') return Number.isNaN(d) ? 'NaN' : String(d);
  if (d === undefined) return 'undefined';
  if (Array.isArray(d)) return 'an array';
  return typeof d === 'object' ? 'an object' : `a ${typeof d}`;
}

/**
 * Matches an actual shape (numbers, or strings for symbolic dimensions of model metadata) against a pattern.
 * A symbolic dimension matches `null` and binds a name (the same symbol repeated agrees with itself); an
 * unnamed dynamic dimension (`""` in onnxruntime metadata) binds a name too, but two of them never agree.
 */
export function matchShape(actual: readonly (number | string)[], expected: readonly ShapePatternDim[]): ShapeMatch {
  const bindings: Record<string, number | string> = {};
  const firstAxis: Record<string, number> = {};
  if (actual.length !== expected.length) {
    return { pass: false, bindings, mismatch_axis: null, reason: `rank: expected ${expected.length} dimension${expected.length === 1 ? '' : 's'}, received ${actual.length}` };
  }
  for (let axis = 0; axis < expected.length; axis++) {
    const e = expected[axis] as ShapePatternDim;
    const a = actual[axis] as number | string;
    if (e === null) continue;
    if (typeof e === 'number') {
      if (a !== e) {
        return { pass: false, bindings, mismatch_axis: axis, reason: `axis ${axis}: expected ${e}, received ${typeof a === 'string' ? JSON.stringify(a) : a}` };
      }
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(bindings, e)) {
      if (a === '' && bindings[e] === '') {
        // onnxruntime reports a dynamic dimension without a name as "": two of them are independent sizes.
        return {
          pass: false,
          bindings,
          mismatch_axis: axis,
          reason: `dimension "${e}" is dynamic and unnamed ("") at axis ${firstAxis[e]} and at axis ${axis}: nothing says they agree`,
        };
      }
      if (bindings[e] !== a) {
        const was = bindings[e] as number | string;
        const fmt = (v: number | string): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));
        return {
          pass: false,
          bindings,
          mismatch_axis: axis,
          reason: `dimension "${e}" is ${fmt(was)} at axis ${firstAxis[e]} but ${fmt(a)} at axis ${axis}`,
        };
      }
    } else {
      bindings[e] = a;
      firstAxis[e] = axis;
    }
  }
  return { pass: true, bindings, mismatch_axis: null, reason: null };
}
