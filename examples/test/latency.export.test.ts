// A latency suite with a budget: 100 measured iterations (tinybench, after warm-up) of the ONNX
// exports at batch 1 and 4; an overrun of the budget fails the test.
import { describe, expect } from 'vitest';
import { measureLatency } from 'vitest-tier4';
import { createTier4Test } from 'vitest-tier4/test';

// Worker-scoped fixtures must be defined at the top level of the file.
const tests = { cnn: createTier4Test('cnn'), lm: createTier4Test('lm') };
const BUDGET_MS = 20;

describe('latency budget', () => {
  for (const name of ['cnn', 'lm'] as const) {
    tests[name].for([1, 4])(`${name} ONNX at batch %i: mean under ${BUDGET_MS} ms`, async (batch, { exportDir, onnx }) => {
      const sample = (await exportDir.loadSamples()).find((s) => s.batchSize === batch)!;
      const result = await measureLatency(onnx, sample.inputs, { iterations: 100, warmup: 10, budgetMs: BUDGET_MS, budgetLevel: 'fail' });
      expect(result.iterations).toBe(100);
      expect(result.p50_ms).toBeLessThanOrEqual(result.p99_ms);
      expect(result.status, result.message ?? '').toBe('ok');
    });
  }
});
