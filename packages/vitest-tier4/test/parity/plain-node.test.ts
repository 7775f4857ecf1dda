/**
 * checkParity from a plain Node script: `import { checkParity } from 'vitest-tier4'` (the built package, through
 * its exports map) must work without Vitest running, and must not even load Vitest.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const SCRIPT = `
import { register } from 'node:module';
// Fail any attempt to load Vitest while the package entry is imported.
register('data:text/javascript,' + encodeURIComponent(
  "export async function resolve(s, c, next) { if (/^(vitest(\\\\/|$)|@vitest\\\\/)/.test(s)) throw new Error('vitest-tier4 imported ' + s); return next(s, c); }"));
const { checkParity, formatParityMessage } = await import('vitest-tier4');
const r = checkParity(new Float32Array([1, 2, 3]), { data: [1, 2, 3.5], shape: [3] }, { atol: 1e-3 });
console.log(JSON.stringify({ pass: r.pass, mismatched: r.mismatched, index: r.max_abs_index, message: formatParityMessage(r) }));
`;

test('checkParity works from a plain Node script importing vitest-tier4, without loading Vitest', () => {
  const cwd = fileURLToPath(new URL('../..', import.meta.url)); // the package: 'vitest-tier4' resolves to itself
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { cwd, encoding: 'utf8', timeout: 60_000 });
  const r = JSON.parse(out.trim().split('\n').at(-1) as string) as { pass: boolean; mismatched: number; index: number[]; message: string };
  expect(r).toMatchObject({ pass: false, mismatched: 1, index: [2] });
  expect(r.message).toContain('Mismatched elements: 1 / 3 (33.33%)');
  expect(r.message).toContain('Greatest absolute difference: 0.5 at index [2] (actual 3, reference 3.5; up to 0.001 allowed)');
}, 60_000);
