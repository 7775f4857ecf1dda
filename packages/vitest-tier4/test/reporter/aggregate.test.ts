/**
 * buildRunReport, the pure heart of the reporter: status rules, model keys, merging two dicts of
 * one model, matcher records folded into a runTier4 dict. Inputs are real: parity results from
 * checkParity and a Tier 4 dict from runTier4 on the cached SimpleCNN fixture (ONNX only, no
 * latency, so no Python runs once the fixture is cached).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { buildFixture } from 'vitest-tier4-fixtures';
import { checkParity } from '../../src/parity/index.js';
import { buildRunReport, modelKeyOf, type CollectedTest } from '../../src/reporter/index.js';
import { renderMarkdownSummary, renderTerminalSummary } from '../../src/reporter/table.js';
import { runTier4, type Tier4Report } from '../../src/tier4/index.js';

const context = { unhandledErrors: 0, reason: 'passed' as const, thresholds: null, merged: false, vitestVersion: '4.1.12', now: new Date(0) };
const reference = { data: Float32Array.from({ length: 40 }, (_, i) => Math.sin(i)), shape: [4, 10] };
const close = { data: reference.data.map((v) => v + 1e-6), shape: [4, 10] };
const far = { data: reference.data.map((v, i) => (i === 7 ? v + 0.5 : v)), shape: [4, 10] };

function parityRecord(actual: typeof reference, tolerance: Parameters<typeof checkParity>[2], labels: object, negated = false) {
  const result = checkParity(actual, reference, tolerance);
  return { kind: 'parity', pass: result.pass, status: result.status, negated, ...labels, summary: result };
}

function test_(name: string, state: CollectedTest['state'], records: unknown[], module = 'a.test.ts'): CollectedTest {
  return { module, name, state, records };
}

let onnxReport: Tier4Report;
/** An ONNX-only export validated for onnx and torchscript: torchscript is skipped. */
let skippedReport: Tier4Report;
/** The ONNX format timed against a budget it cannot meet. */
let overBudgetReport: Tier4Report;
beforeAll(async () => {
  const fixture = await buildFixture({ model: 'simple_cnn' });
  onnxReport = await runTier4({ exportDir: fixture, formats: ['onnx'], numSamples: 2, latency: false });
  const onnxOnly = await buildFixture({ model: 'simple_cnn', formats: ['onnx'], samples: 2 });
  skippedReport = await runTier4({ exportDir: onnxOnly, formats: ['onnx', 'torchscript'], numSamples: 2, latency: false });
  overBudgetReport = await runTier4({ exportDir: onnxOnly, formats: ['onnx'], numSamples: 2, latency: { iterations: 5, warmup: 1, budgetMs: 1e-9 } });
});

describe('status', () => {
  test('ok when every check and test passed', () => {
    const report = buildRunReport([test_('t', 'passed', [parityRecord(close, 'fp32', { model: 'm', format: 'onnx' })])], context);
    expect(report.status).toBe('ok');
    expect(report.reasons).toEqual([]);
  });

  test('warn when a tolerance with an allowed mismatch fraction let elements through', () => {
    const record = parityRecord(far, { preset: 'fp32', allowedMismatchFraction: 0.05 }, { model: 'm', format: 'onnx', output: 'logits' });
    expect(record.status).toBe('warn');
    const report = buildRunReport([test_('t', 'passed', [record])], context);
    expect(report.status).toBe('warn');
    expect(report.reasons).toEqual(['Tier 4 check warned: parity m/onnx/logits (a.test.ts > t)', 'model m: Tier 4 status warn (built from matcher records only (no runTier4 report for this model): no latency, no export metadata)']);
  });

  test('warn when nothing was recorded, fail on unhandled errors or an interrupted run', () => {
    expect(buildRunReport([test_('t', 'passed', [])], context).reasons).toEqual(['no Tier 4 check was recorded by any test']);
    const ok = [test_('t', 'passed', [parityRecord(close, 'fp32', {})])];
    expect(buildRunReport(ok, { ...context, unhandledErrors: 2 }).reasons).toEqual(['2 unhandled error(s) during the run']);
    expect(buildRunReport(ok, { ...context, reason: 'interrupted' }).status).toBe('fail');
  });

  test('warn when a runTier4 dict skipped a format, and the table says skipped', () => {
    expect(skippedReport.status).toBe('warn');
    const report = buildRunReport([test_('t', 'passed', [{ kind: 'tier4', report: skippedReport }])], context);
    expect(report.status).toBe('warn');
    expect(report.reasons).toEqual([
      'Tier 4 check warned: tier4 simple_cnn (a.test.ts > t)',
      'model simple_cnn: Tier 4 status warn (torchscript: skipped, not exported (not in formats_requested))',
    ]);
    expect(renderTerminalSummary(report, null)).toMatch(/\| simple_cnn \| torchscript \| skipped \|\s+- \|\s+- \| warn\s+\|/);
  });

  test('warn when a latency budget was exceeded', () => {
    expect(overBudgetReport.formats['onnx']!.latency?.budget_status).toBe('warn');
    const report = buildRunReport([test_('t', 'passed', [{ kind: 'tier4', report: overBudgetReport }])], context);
    expect(report.status).toBe('warn');
    expect(report.reasons.join('\n')).toMatch(/model simple_cnn: Tier 4 status warn \(onnx: onnx mean latency [\d.]+ ms exceeds the budget of 1e-9 ms/);
    expect(renderTerminalSummary(report, null)).toMatch(/\| simple_cnn \| onnx\s+\| ok\s+\|\s+\S+ \| [\d.]+ ± [\d.]+ ms \| warn\s+\|/);
  });

  test('warn when a latency record (the latency test fixture) exceeded a warn-level budget; its figures fill the table', () => {
    const measured = overBudgetReport.formats['onnx']!.latency!;
    const record = {
      kind: 'latency',
      pass: true,
      status: 'warn',
      negated: false,
      model: 'm',
      format: 'onnx',
      sample: measured.sample,
      summary: { ...measured, status: 'warn', message: 'over budget' },
    };
    const report = buildRunReport([test_('t', 'passed', [record])], context);
    expect(report.status).toBe('warn');
    expect(report.reasons[0]).toBe('Tier 4 check warned: latency m/onnx (a.test.ts > t)');
    const onnx = report.models['m']!.formats['onnx']!;
    expect(onnx).toMatchObject({ status: 'warn', parity: null, latency_ms: measured.mean_ms, latency_std_ms: measured.std_ms });
    expect(onnx.latency).toEqual(measured);
    expect(report.models['m']!.warnings).toEqual(['built from matcher and latency records only (no runTier4 report for this model): no export metadata']);
    expect(renderTerminalSummary(report, null)).toMatch(/\| m\s+\| onnx\s+\| -\s+\|\s+- \| [\d.]+ ± [\d.]+ ms \| warn\s+\|/);
  });

  test('fail when Vitest reports a failed run that no test explains (a globalSetup that threw)', () => {
    const report = buildRunReport([], { ...context, reason: 'failed' });
    expect(report.status).toBe('fail');
    expect(report.reasons[0]).toMatch(/^Vitest reported the run as failed before any test ran/);
    const passedTests = [test_('t', 'passed', [parityRecord(close, 'fp32', {})])];
    expect(buildRunReport(passedTests, { ...context, reason: 'failed' }).reasons).toEqual(["Vitest reported the run as failed (see Vitest's error output)"]);
    // a failing test already explains it: no extra line
    expect(buildRunReport([test_('t', 'failed', [])], { ...context, reason: 'failed' }).reasons[0]).toBe('test failed: a.test.ts > t');
  });

  test('a .not record follows the test outcome, not its own verdict', () => {
    const negated = parityRecord(far, 'fp32', { model: 'm', format: 'onnx' }, true);
    expect(negated.status).toBe('fail');
    const passed = buildRunReport([test_('t', 'passed', [negated])], context);
    expect(passed.status).toBe('ok');
    expect(passed.checks[0]!.status).toBe('ok');
    expect(passed.models).toEqual({});
    expect(buildRunReport([test_('t', 'failed', [negated])], context).status).toBe('fail');
  });
});

describe('models', () => {
  test('a runTier4 dict is filed under its model name, a quantized one with the quantization', () => {
    expect(modelKeyOf(undefined, onnxReport)).toBe('simple_cnn');
    expect(modelKeyOf(undefined, { ...onnxReport, model: { ...onnxReport.model, quantization: 'dynamic' } })).toBe('simple_cnn-dynamic');
    expect(modelKeyOf('custom', onnxReport)).toBe('custom');
    const report = buildRunReport([test_('t', 'passed', [{ kind: 'tier4', report: onnxReport }])], context);
    expect(report.models).toEqual({ simple_cnn: onnxReport });
    expect(report.status).toBe(onnxReport.status);
  });

  test('two dicts of one model merge: formats united, the worse entry of a shared format kept', () => {
    const failing: Tier4Report = {
      ...onnxReport,
      status: 'fail',
      formats: { onnx: { ...onnxReport.formats['onnx']!, status: 'fail', parity: 'fail', reason: 'perturbed' } },
      warnings: ['onnx: perturbed'],
    };
    const tests = [
      test_('first', 'passed', [{ kind: 'tier4', report: onnxReport }], 'a.test.ts'),
      test_('second', 'failed', [{ kind: 'tier4', report: failing }], 'b.test.ts'),
    ];
    const merged = buildRunReport(tests, context).models['simple_cnn']!;
    expect(merged.status).toBe('fail');
    expect(merged.formats['onnx']!.reason).toBe('perturbed');
    expect(merged.warnings).toEqual([...onnxReport.warnings, 'onnx: perturbed']);
    // the order the tests arrive in does not matter (shards, merge): modules are sorted
    expect(buildRunReport([...tests].reverse(), context)).toEqual(buildRunReport(tests, context));
  });

  test('matcher records add a format the runTier4 dict lacks and worsen one it has', () => {
    const tests = [
      test_('dict', 'passed', [{ kind: 'tier4', report: onnxReport }]),
      test_('ts', 'passed', [parityRecord(close, 'fp32', { model: 'simple_cnn', format: 'torchscript', output: 'logits', sample: 's0' })]),
      test_('onnx tight', 'failed', [parityRecord(close, { fp32: 1e-7 }, { model: 'simple_cnn', format: 'onnx', output: 'logits', sample: 's0' })]),
    ];
    const model = buildRunReport(tests, context).models['simple_cnn']!;
    expect(Object.keys(model.formats)).toEqual(['onnx', 'torchscript']);
    expect(model.formats['torchscript']).toMatchObject({ status: 'ok', parity: 'ok', samples_checked: 1, latency_ms: null });
    expect(model.formats['onnx']!.status).toBe('fail');
    expect(model.formats['onnx']!.max_abs_diff).toBe(onnxReport.formats['onnx']!.max_abs_diff);
    expect(model.warnings).toContain('onnx: parity check fail in a.test.ts > onnx tight');
    expect(model.status).toBe('fail');
  });
});

describe('summaries', () => {
  test('terminal and Markdown tables list each model and format with diff, latency and status', () => {
    const report = buildRunReport([test_('t', 'passed', [{ kind: 'tier4', report: onnxReport }])], context);
    const diff = onnxReport.formats['onnx']!.max_abs_diff!.toExponential(2).replace('e+', 'e');
    const terminal = renderTerminalSummary(report, '/x/tier4-report.json');
    expect(terminal).toMatch(new RegExp(`\\| simple_cnn \\| onnx\\s+\\| ok\\s+\\|\\s+${diff.replace('.', '\\.')} \\|\\s+- \\| ok\\s+\\|`));
    expect(terminal).toContain(' Tier 4 status: OK\n Tier 4 report written to /x/tier4-report.json');
    const markdown = renderMarkdownSummary(report, '/x/tier4-report.json');
    expect(markdown.split('\n').slice(0, 4)).toEqual([
      '### ✅ Tier 4: ok',
      '',
      '| model      | format | parity | max abs diff | latency ± std | status |',
      '| :--------- | :----- | :----- | -----------: | ------------: | :----- |',
    ]);
  });
});
