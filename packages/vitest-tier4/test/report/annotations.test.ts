/**
 * Test annotations: a failing matcher attaches its key numbers to the test with Vitest's annotation API,
 * so they show in Vitest's UI, its HTML and JUnit reporters and GitHub Actions without the Tier 4 reporter.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkAnnotation, reportAnnotations } from '../../src/report/annotation.js';
import { runProject, SETUP_FILE, tempDir } from '../reporter/helpers.js';
import { sampleTier4Report } from './sample.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

describe('a failing matcher annotates its test', () => {
  test('with the key numbers, type tier4, in the test case and the JUnit report; passing checks attach nothing', async () => {
    const { dir, cleanup } = await tempDir('annotations');
    cleanups.push(cleanup);
    const junit = join(dir, 'junit.xml');
    const { vitest } = await runProject('../../report/fixtures/annotations', {
      setupFiles: [SETUP_FILE],
      reporters: [['junit', { outputFile: junit }]],
    });
    const byTest = Object.fromEntries(
      vitest.state.getTestModules().flatMap((m) => [...m.children.allTests()].map((t) => [t.name, t.annotations().map((a) => ({ type: a.type, message: a.message, file: a.location?.file }))])),
    );
    const parity = byTest['a failing toMatchParity']!;
    expect(parity).toHaveLength(1);
    expect(parity[0]!.type).toBe('tier4');
    expect(parity[0]!.message).toMatch(
      /^tier4 parity fail \(model toy, format onnx, output logits, sample sample_000\): \d+\/20 elements over tolerance \([\d.]+%\); max \|a - r\| [\d.e-]+ at \[\d, \d\] \(actual [-\d.e]+, reference [-\d.e]+\); mean \|a - r\| [\d.e-]+; (SQNR [\d.]+ dB; )?preset fp32 \(atol 1e-4, rtol 1e-4\); smallest passing atol [\d.e-]+$/,
    );
    // the location is the test file's line, which GitHub Actions needs to show it
    expect(parity[0]!.file).toMatch(/annotate\.spec\.ts$/);
    expect(byTest['a failing toHaveShape']).toEqual([expect.objectContaining({ type: 'tier4', message: 'tier4 shape fail: shape [2, 10], expected [batch, 12] (axis 1)' })]);
    expect(byTest['a failing .not.toMatchParity']).toEqual([expect.objectContaining({ message: 'tier4 parity ok: expected .not, but the check passed' })]);
    expect(byTest['a passing check attaches nothing']).toEqual([]);
    const xml = await readFile(junit, 'utf8');
    expect(xml).toMatch(/<property name="tier4" value="tier4 parity fail \(model toy, format onnx, output logits, sample sample_000\): \d+\/20 elements over tolerance/);
  });
});

describe('annotation text', () => {
  test('a Tier 4 dict that is not ok: one line per failing format with its reason, numbers and latency', () => {
    const dict = sampleTier4Report({ failOnnx: true });
    const [only, ...rest] = reportAnnotations(dict, 'simple_cnn');
    expect(rest).toEqual([]);
    const f = dict.formats['onnx']!;
    expect(only).toEqual({
      type: 'tier4',
      message:
        `tier4 validate fail (model simple_cnn, format onnx): parity failed in 1/3 sample(s); ` +
        `max |a - r| ${f.max_abs_diff!.toExponential(2)}, mean ${f.mean_abs_diff!.toExponential(2)} (tolerance preset fp32 (atol 1e-4, rtol 1e-4)); ` +
        `worst at [${f.worst!.index!.join(', ')}] of logits in ${f.worst!.sample}; latency ${Number(f.latency_ms!.toPrecision(3))} ms, ${f.speedup_vs_pytorch!.toFixed(2)}× vs eager`,
    });
    expect(reportAnnotations(sampleTier4Report(), 'simple_cnn')).toEqual([]);
  });

  test('dtype, finite and latency checks', () => {
    expect(checkAnnotation({ kind: 'dtype', pass: false, status: 'fail', negated: false, summary: { actual_dtype: 'float64', expected_dtype: 'float32' } })).toBe(
      'tier4 dtype fail: dtype float64, expected float32',
    );
    expect(
      checkAnnotation({ kind: 'finite', pass: false, status: 'fail', negated: false, output: 'logits', summary: { numel: 8, nan_count: 2, posinf_count: 1, neginf_count: 0, first_nan_index: [0, 3], first_inf_index: [1, 0] } }),
    ).toBe('tier4 finite fail (output logits): 2 NaN, 1 +Inf, 0 -Inf of 8 elements; first NaN at [0, 3]; first Inf at [1, 0]');
    expect(
      checkAnnotation({ kind: 'latency', status: 'warn', negated: false, model: 'cnn', format: 'onnx', summary: { mean_ms: 25.5, p50_ms: 24, p99_ms: 40, iterations: 50, budget_ms: 20 } }),
    ).toBe('tier4 latency warn (model cnn, format onnx): mean 25.5 ms, p50 24 ms, p99 40 ms over 50 iterations; budget 20 ms');
    expect(checkAnnotation({ kind: 'sqnr', pass: false, status: 'fail', negated: false, summary: { sqnr_db: 17.46, min_db: 20, relative_error: 0.134, cosine: 0.991, numel: 640 } })).toBe(
      'tier4 sqnr fail: SQNR 17.5 dB, required >= 20 dB; relative error 1.34e-1, cosine 0.991 over 640 elements',
    );
    expect(checkAnnotation({ kind: 'topk', pass: false, status: 'fail', negated: false, summary: { agreement: 0.9, k: 1, min: 0.99, rows: 10, matches: 9, kl_divergence: 0.01 } })).toBe(
      'tier4 topk fail: top-1 agreement 0.9 (9/10 rows), required >= 0.99; KL 1.00e-2 nats',
    );
  });
});
