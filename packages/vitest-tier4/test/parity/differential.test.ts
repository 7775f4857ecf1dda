/**
 * Differential test against numpy: gen_cases.py (run by Debian's Python with numpy) makes >= 500 seeded
 * random cases and numpy.testing.assert_allclose's verdict on each; toMatchParity must agree on every case and
 * checkParity's max_abs_diff must equal numpy's.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import '../../src/setup.js';
import { checkParity } from '../../src/parity/check.js';
import type { TensorObjectLike, TypedArray } from '../../src/parity/types.js';
import { pythonWith } from '../python-with.js';

interface Encoded {
  dtype: 'float16' | 'float32' | 'float64' | 'int32' | 'int64' | 'bool';
  shape: number[];
  b64: string;
}
interface Case {
  id: number;
  actual: Encoded;
  reference: Encoded;
  atol: number;
  rtol: number;
  allow_int_float: boolean;
  numpy_pass: boolean;
  numpy_max_abs_diff: number | null;
}

const script = fileURLToPath(new URL('./differential/gen_cases.py', import.meta.url));

const CTORS = {
  float16: Uint16Array, // raw half bits, decoded by the parity core
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
} as const;

function decode(e: Encoded): TensorObjectLike {
  const bytes = Buffer.from(e.b64, 'base64');
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return { dtype: e.dtype, shape: e.shape, data: new CTORS[e.dtype](buffer) as TypedArray };
}

describe('differential test against numpy', () => {
  let cases: Case[] = [];
  // no Python with numpy: every test here fails with pythonWith('numpy')'s message (never a silent skip)
  beforeAll(() => {
    const out = execFileSync(pythonWith('numpy'), [script, '--count', '600', '--seed', '20241129'], {
      encoding: 'utf8',
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    cases = (JSON.parse(out) as { numpy: string; cases: Case[] }).cases;
  }, 180_000);

  test("toMatchParity's verdict equals numpy.testing.assert_allclose on every case", ({ task }) => {
    expect(cases.length).toBeGreaterThanOrEqual(500);
    const disagreements: string[] = [];
    for (const c of cases) {
      const actual = decode(c.actual);
      const reference = decode(c.reference);
      let ours: boolean;
      try {
        expect(actual).toMatchParity(reference, { atol: c.atol, rtol: c.rtol }, { allowIntFloat: c.allow_int_float, sample: c.id });
        ours = true;
      } catch (err) {
        if (err instanceof TypeError) throw err;
        ours = false;
      }
      if (ours !== c.numpy_pass) {
        disagreements.push(`case ${c.id}: ${c.actual.dtype} vs ${c.reference.dtype} [${c.actual.shape.join(', ')}] atol ${c.atol} rtol ${c.rtol}: numpy ${c.numpy_pass}, ours ${ours}`);
      }
    }
    expect(disagreements).toEqual([]);
    const kinds = new Set(cases.map((c) => `${c.actual.dtype}/${c.reference.dtype}`));
    const ranks = new Set(cases.map((c) => c.actual.shape.length));
    expect([...ranks].sort()).toEqual([0, 1, 2, 3, 4]);
    for (const k of ['float16/float16', 'float32/float32', 'float64/float64', 'int32/int32', 'int64/int64', 'bool/bool']) expect(kinds).toContain(k);
    expect(cases.filter((c) => c.numpy_pass).length).toBeGreaterThan(100);
    expect(cases.filter((c) => !c.numpy_pass).length).toBeGreaterThan(100);
    // Every call recorded its numbers; drop them so 600 records do not flood the run's reporter.
    expect(task.meta.tier4?.records).toHaveLength(cases.length);
    delete task.meta.tier4;
    console.log(`differential: ${cases.length} cases, ${cases.filter((c) => c.numpy_pass).length} pass in numpy, 0 disagreements`);
  });

  test('max_abs_diff equals numpy (float64 over the pairs where both values are finite)', () => {
    const off: string[] = [];
    for (const c of cases) {
      const r = checkParity(decode(c.actual), decode(c.reference), { atol: c.atol, rtol: c.rtol }, { allowIntFloat: c.allow_int_float });
      const ours = r.max_abs_index === null ? null : r.max_abs_diff;
      const np = c.numpy_max_abs_diff;
      const same = ours === np || (ours !== null && np !== null && Math.abs(ours - np) <= 1e-15 * Math.max(1, Math.abs(np)));
      if (!same) off.push(`case ${c.id}: numpy ${np}, ours ${ours}`);
    }
    expect(off).toEqual([]);
  });
});
