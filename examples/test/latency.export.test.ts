// A latency suite with a budget: 100 measured iterations (tinybench, after warm-up) of the ONNX
// exports at batch 1 and 4 through the `latency` test fixture, which times the per-worker ONNX
// session and records the figures and the budget verdict for the Tier 4 reporter. The budget is
// 'warn'-level: an overrun is a warning in the Tier 4 verdict, not a failure. The test checks
// that the verdict follows the measured mean; it does not assert this machine's speed.
import { describe, expect } from 'vitest';
import { tier4Test as test } from 'vitest-tier4/test';

const BUDGET_MS = 20;

describe('latency budget', () => {
  for (const name of ['cnn', 'lm'] as const) {
    test.for([1, 4])(`${name} ONNX at batch %i: the budget of ${BUDGET_MS} ms judges the mean`, async (batchSize, { latency }) => {
      const result = await latency(name, { batchSize, iterations: 100, warmup: 10, budgetMs: BUDGET_MS, budgetLevel: 'warn' });
      expect(result.iterations).toBe(100);
      expect(result.batch_size).toBe(batchSize);
      expect(result.min_ms).toBeLessThanOrEqual(result.p50_ms);
      expect(result.p50_ms).toBeLessThanOrEqual(result.p99_ms);
      expect(result.p99_ms).toBeLessThanOrEqual(result.max_ms);
      expect(result.budget_ms).toBe(BUDGET_MS);
      if (result.mean_ms > BUDGET_MS) {
        expect(result.status).toBe('warn');
        expect(result.message).toBe(`onnx mean latency ${result.mean_ms.toFixed(3)} ms exceeds the budget of ${BUDGET_MS} ms`);
      } else {
        expect(result.status).toBe('ok');
      }
    });
  }
});
