// A latency suite with a budget: 100 measured iterations (tinybench, after warm-up) of the ONNX
// exports at batch 1 and 4 through the `latency` test fixture, which times the per-worker ONNX
// session and records the figures and the budget verdict for the Tier 4 reporter. The budget is
// 'fail'-level: an overrun fails the Tier 4 verdict (and the test, which asserts the status).
import { describe, expect } from 'vitest';
import { tier4Test as test } from 'vitest-tier4/test';

const BUDGET_MS = 20;

describe('latency budget', () => {
  for (const name of ['cnn', 'lm'] as const) {
    test.for([1, 4])(`${name} ONNX at batch %i: mean under ${BUDGET_MS} ms`, async (batchSize, { latency }) => {
      const result = await latency(name, { batchSize, iterations: 100, warmup: 10, budgetMs: BUDGET_MS, budgetLevel: 'fail' });
      expect(result.iterations).toBe(100);
      expect(result.batch_size).toBe(batchSize);
      expect(result.p50_ms).toBeLessThanOrEqual(result.p99_ms);
      expect(result.status, result.message ?? '').toBe('ok');
    });
  }
});
