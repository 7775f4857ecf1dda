/**
 * A Tier 4 verdict counts only failures that failed their test: a matcher failure the test itself
 * expected (`expect(() => expect(a).toMatchParity(b)).toThrow()`) or caught is listed with
 * `counted: false`, is not folded into the model's dict and does not turn the status to FAIL; the
 * same failure left uncaught still fails the test and the verdict.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Tier4Reporter, type Tier4RunReport } from '../../src/reporter/index.js';
import { readJson, runProject, SETUP_FILE, tempDir } from '../reporter/helpers.js';

let temp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  temp = await tempDir('expected');
});
afterAll(async () => temp.cleanup());

const row = (c: Tier4RunReport['checks'][number]): string => `${c.kind} ${c.status} ${c.counted ? 'counted' : 'not counted'} ${c.test_state}`;

describe('expected matcher failures', () => {
  test('toThrow-expected and caught failures: status ok, listed as not counted, the dict holds only the passing check', async () => {
    const outputFile = join(temp.dir, 'expected', 'tier4.json');
    const reporter = new Tier4Reporter({ outputFile, quiet: true });
    const run = await runProject('expected', { setupFiles: [SETUP_FILE], reporters: [reporter] });
    expect(run.exitCode).toBeUndefined();
    const report = await readJson<Tier4RunReport>(outputFile);
    expect(report.tests).toEqual({ total: 4, passed: 3, failed: 0, skipped: 1 });
    expect(report.checks.map(row)).toEqual(['parity fail not counted passed', 'shape fail not counted passed', 'parity ok counted passed']);
    expect(report.status).toBe('ok');
    expect(report.reasons).toEqual([]);
    expect(report.models.toy!.formats.onnx).toMatchObject({ status: 'ok', parity: 'ok', samples_checked: 1 });
    const { checksLine } = await import('../../src/report/summary.js');
    expect(checksLine(report)).toBe('3 Tier 4 checks (1 ok, 0 warn, 0 fail, 2 expected by their test); tests: 3 passed, 0 failed, 1 skipped');
  });

  test('the same failure uncaught fails its test, counts, and the verdict is FAIL', async () => {
    const outputFile = join(temp.dir, 'uncaught', 'tier4.json');
    const run = await runProject('expected', { setupFiles: [SETUP_FILE], reporters: [new Tier4Reporter({ outputFile, quiet: true })] }, {}, { TIER4_EXPECTED_UNCAUGHT: '1' });
    expect(run.exitCode).toBe(1);
    const report = await readJson<Tier4RunReport>(outputFile);
    expect(report.status).toBe('fail');
    expect(report.checks.map(row).at(-1)).toBe('parity fail counted failed');
    expect(report.reasons).toContain('Tier 4 check failed: parity toy/onnx/logits (expected.spec.ts > an uncaught parity failure fails its test and the verdict)');
    expect(report.models.toy!.formats.onnx).toMatchObject({ status: 'fail', parity: 'fail' });
  });
});
