// Tier 4 export tests: every exported format of both models against eager PyTorch, over the
// 10 reference samples, with latency and a budget. Each dict goes to the Tier 4 reporter.
// The budget is 'warn'-level (the default): the tests check that an overrun is the one warning it
// should be, not that this machine is fast enough.
// The three validations run concurrently: the tier4() plugin's worker pool gives each a warm
// Python worker, and its timing gate keeps their latency measurements from overlapping.
import { describe, expect } from 'vitest';
import { recordTier4Report, runTier4, type Tier4Report } from 'vitest-tier4';
import { tier4Test as test } from 'vitest-tier4/test';

/** Latency: 100 measured iterations after 10 warm-up ones, with a generous budget on the mean. */
const latency = { iterations: 100, warmup: 10, budgetMs: 50, budgetLevel: 'warn' } as const;

/**
 * The verdict a report must have given its measured latencies: every format whose mean is over the
 * budget is `warn` with the budget's warning, every other format `ok`; the report is `warn` exactly
 * when some format was over.
 */
function expectBudgetVerdict(report: Tier4Report): void {
  const expected: string[] = [];
  for (const [format, entry] of Object.entries(report.formats)) {
    const l = entry.latency!;
    expect(l).toMatchObject({ iterations: latency.iterations, budget_ms: latency.budgetMs, budget_level: 'warn' });
    const over = l.mean_ms > latency.budgetMs;
    expect(l.budget_status, format).toBe(over ? 'warn' : 'ok');
    expect(entry.status, format).toBe(over ? 'warn' : 'ok');
    if (over) expected.push(`${format}: ${format} mean latency ${l.mean_ms.toFixed(3)} ms exceeds the budget of ${latency.budgetMs} ms`);
  }
  expect(report.warnings).toEqual(expected);
  expect(report.status).toBe(expected.length > 0 ? 'warn' : 'ok');
}

function expectEveryShapeOk(report: Tier4Report, format: string): number[] {
  const samples = Object.values(report.parity_report[format]!);
  for (const sample of samples) {
    for (const [output, check] of Object.entries(sample.outputs)) expect(check.shape.status, `${format} ${output}`).toBe('ok');
  }
  return [...new Set(samples.map((s) => s.batch_size))].sort();
}

describe.concurrent('Tier 4 validations', () => {
  describe('ONNX and TorchScript match PyTorch over 10 samples', () => {
    test.for([
      ['cnn', 'simple_cnn'],
      ['lm', 'lm_stub'],
    ] as const)('%s (%s)', async ([name, model], { task, tier4 }) => {
      const report = await runTier4({ exportDir: tier4.info(name).dir, numSamples: 10, thresholds: tier4.thresholds ?? {}, latency });
      await recordTier4Report(report, task);
      expect(report.model.name).toBe(model);
      expectBudgetVerdict(report);
      for (const format of ['onnx', 'torchscript']) {
        const entry = report.formats[format]!;
        expect(entry).toMatchObject({ parity: 'ok', shape: 'ok', samples_checked: 10, threshold: 1e-4 });
        expect(entry.max_abs_diff).toBeLessThan(1e-4);
        // the shape check ran on every sample: batch sizes 1, 3 and 4 all covered
        expect(expectEveryShapeOk(report, format)).toEqual([1, 3, 4]);
      }
    });
  });

  describe('quantized export', () => {
    // `validate` is the short form of the two lines above: runTier4 on a plugin fixture with the
    // plugin's thresholds, recorded for the reporter.
    test('the dynamically quantized LM stub stays under the quantized threshold', async ({ validate }) => {
      // verbose: the layer names and the per-layer SQNR list (drawn in the HTML report)
      const report = await validate('lmQuantized', { latency, quantization: { verbose: true } });
      expect(report.model.quantization).toBe('dynamic');
      expectBudgetVerdict(report);
      expect(Object.keys(report.formats)).toEqual(['onnx', 'torchscript']);
      for (const format of ['onnx', 'torchscript']) {
        const entry = report.formats[format]!;
        expect(entry).toMatchObject({ parity: 'ok', threshold_preset: 'quantized', threshold_statistic: 'mean', threshold: 1e-2 });
        expect(entry.mean_abs_diff).toBeLessThan(1e-2);
        // quantization happened and was measured: fewer bytes of weights, and the outputs still agree
        expect(entry.quantization?.method).toBe('dynamic');
        expect(entry.quantization?.layers_quantized).toBeGreaterThan(0);
        expect(entry.quantization?.size_ratio).toBeLessThan(1);
      }
      // the int8 ONNX names the layer that loses most, from the per-layer comparison
      const onnx = report.formats['onnx']!.quantization!;
      const finite = (onnx.layer_sqnr ?? []).filter((l) => l.sqnr_db !== null);
      expect(finite.length).toBeGreaterThanOrEqual(onnx.layers_quantized!);
      const lowest = finite.reduce((a, b) => (b.sqnr_db! < a.sqnr_db! ? b : a));
      expect(onnx.worst_layer?.name).toBe(lowest.name);
    });
  });
});
