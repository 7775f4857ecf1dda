/**
 * Real .npy files written by numpy, read by vitest-tier4-fixtures' loadNpy (float16 stays raw half bits) and
 * compared exactly with the values numpy reports: float16 decoding, int64 beyond 2^53 and bool on real files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'npyjs';
import { loadNpy } from 'vitest-tier4-fixtures';
import { checkParity } from '../../src/parity/check.js';
import { countNonFinite } from '../../src/parity/finite.js';
import { pythonWith } from '../python-with.js';

const SCRIPT = `
import json, sys, numpy as np
d = sys.argv[1]
f16 = np.array([[0.0, -0.0, 1.0, -2.5], [65504.0, 6.1e-05, 6e-08, 0.333], [np.nan, np.inf, -np.inf, 1e-3]], dtype=np.float16)
f32 = np.array([1.5, -3.25e-7, 3.4e38], dtype=np.float32)
i64 = np.array([2**60 + 1, -(2**62) - 3, 7], dtype=np.int64)
b = np.array([[True, False], [False, True]])
c3 = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8
for name, arr in [('f16', f16), ('f32', f32), ('i64', i64), ('b', b), ('c3', c3),
                  ('f3', np.asfortranarray(c3)), ('t2', f16.T), ('bt', np.array([[True, True, False], [False, False, True]]).T)]:
    np.save(f'{d}/{name}.npy', arr)
enc = lambda a: [repr(float(x)) for x in a.reshape(-1)]
json.dump({'f16': enc(f16), 'f32': enc(f32), 'i64': [str(int(x)) for x in i64], 'b': [bool(x) for x in b.reshape(-1)]}, sys.stdout)
`;

describe('numpy .npy files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vitest-tier4-npy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let expected: Record<string, string[] | boolean[]> = {};
  // no Python with numpy: every test here fails with pythonWith()'s message (never a silent skip)
  beforeAll(() => {
    expected = JSON.parse(execFileSync(pythonWith('numpy'), ['-c', SCRIPT, dir], { encoding: 'utf8', timeout: 60_000 })) as typeof expected;
  }, 120_000);
  const num = (s: string): number => (s === 'nan' ? NaN : s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s));

  test('float16 (raw bits, subnormals, NaN, ±Inf) decodes to numpy values exactly', async () => {
    const t = await loadNpy(join(dir, 'f16.npy'));
    expect(t.dtype).toBe('float16');
    expect(t.data).toBeInstanceOf(Uint16Array);
    const values = (expected.f16 as string[]).map(num);
    const r = checkParity(t, { data: values, shape: [3, 4] }, 'exact');
    expect(r).toMatchObject({ pass: true, mismatched: 0, max_abs_diff: 0 });
    expect(countNonFinite(t)).toMatchObject({ nan_count: 1, posinf_count: 1, neginf_count: 1, first_nan_index: [2, 0], first_inf_index: [2, 1] });
    // one half ulp off is caught
    const off = values.map((v, i) => (i === 3 ? v + 2 ** -9 : v));
    expect(checkParity(t, { data: off, shape: [3, 4] }, 'exact')).toMatchObject({ pass: false, mismatched: 1, max_abs_index: [0, 3] });
  });

  const npyjs = (name: string, convertFloat16?: boolean) => {
    const bytes = readFileSync(join(dir, `${name}.npy`));
    return parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), convertFloat16 === undefined ? {} : { convertFloat16 });
  };

  test('npyjs arrays as parsed: f2 (converted or raw bits), i8 beyond 2^53, b1', () => {
    const f16 = npyjs('f16');
    expect(f16.dtype).toBe('f2');
    expect(f16.data).toBeInstanceOf(Float32Array);
    const f16raw = npyjs('f16', false);
    expect(f16raw.data).toBeInstanceOf(Uint16Array);
    const values = { data: (expected.f16 as string[]).map(num), shape: [3, 4] };
    expect(checkParity(f16, values, 'exact')).toMatchObject({ pass: true, actual_dtype: 'float16', max_abs_diff: 0 });
    expect(checkParity(f16raw, f16, 'exact')).toMatchObject({ pass: true, actual_dtype: 'float16', reference_dtype: 'float16' });
    const i64 = npyjs('i64');
    const exact = { data: BigInt64Array.from((expected.i64 as string[]).map((s) => BigInt(s))), shape: [3] };
    expect(checkParity(i64, exact).pass).toBe(true);
    expect(checkParity(i64, { ...exact, data: exact.data.map((v, i) => (i === 1 ? v - 1n : v)) })).toMatchObject({ pass: false, mismatched: 1, max_abs_index: [1] });
    expect(checkParity(npyjs('b'), [[true, false], [false, true]])).toMatchObject({ pass: true, actual_dtype: 'bool' });
  });

  test('Fortran-ordered .npy files (np.asfortranarray, a.T) read by npyjs are reordered, not compared column-major', () => {
    const c3 = npyjs('c3');
    const f3 = npyjs('f3');
    expect(c3.fortranOrder).toBe(false);
    expect(f3.fortranOrder).toBe(true);
    expect(checkParity(f3, c3, 'exact')).toMatchObject({ pass: true, mismatched: 0, actual_shape: [2, 3, 4] });
    const nested = [0, 1].map((i) => [0, 1, 2].map((j) => [0, 1, 2, 3].map((k) => (i * 12 + j * 4 + k) / 8)));
    expect(checkParity(f3, nested, 'exact').pass).toBe(true);
    const off = nested.map((p, i) => p.map((q, j) => q.map((v, k) => (i === 1 && j === 0 && k === 2 ? v + 1 : v))));
    expect(checkParity(f3, off, 'exact')).toMatchObject({ pass: false, mismatched: 1, max_abs_index: [1, 0, 2] });
    // f16.T: float16 raw bits, transposed on save
    const t2 = npyjs('t2', false);
    expect(t2.fortranOrder).toBe(true);
    const f16 = (expected.f16 as string[]).map(num);
    const transposed = [0, 1, 2, 3].map((j) => [0, 1, 2].map((i) => f16[i * 4 + j] as number));
    expect(checkParity(t2, transposed, 'exact')).toMatchObject({ pass: true, actual_shape: [4, 3] });
    // bool (plain boolean[] from npyjs), transposed on save
    expect(checkParity(npyjs('bt'), [[true, false], [true, false], [false, true]], 'exact').pass).toBe(true);
  });

  test('float32, int64 beyond 2^53 and bool', async () => {
    const f32 = await loadNpy(join(dir, 'f32.npy'));
    expect(checkParity(f32, (expected.f32 as string[]).map(num), 'exact').pass).toBe(true);
    const i64 = await loadNpy(join(dir, 'i64.npy'));
    const exact = { data: BigInt64Array.from((expected.i64 as string[]).map((s) => BigInt(s))), shape: [3], dtype: 'int64' };
    expect(checkParity(i64, exact, 'exact').pass).toBe(true);
    const plusOne = { ...exact, data: exact.data.map((v, i) => (i === 0 ? v + 1n : v)) };
    expect(checkParity(i64, plusOne, 'exact')).toMatchObject({ pass: false, mismatched: 1, max_abs_diff: 1 });
    const b = await loadNpy(join(dir, 'b.npy'));
    expect(checkParity(b, [[true, false], [false, true]], 'exact')).toMatchObject({ pass: true, actual_dtype: 'bool', dtype_mismatch: false });
  });
});
