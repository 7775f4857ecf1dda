import { describe, expect, test } from 'vitest';
import { checkParity } from '../../src/parity/index.js';
import { ParityAggregate, emptyFormatReport, latencyBlock, latencyFields, worseStatus } from '../../src/tier4/aggregate.js';

const f32 = (xs: number[]) => ({ dtype: 'float32' as const, shape: [xs.length], data: Float32Array.from(xs) });

describe('ParityAggregate: the one aggregator of runTier4 and the reporter', () => {
  test('nothing added: no figures, no failure', () => {
    const agg = new ParityAggregate();
    expect(agg.fields()).toEqual({ parity: null, shape: null, max_abs_diff: null, mean_abs_diff: null, max_rel_diff: null, worst: null, samples_checked: 0 });
    expect(agg.failure()).toBeNull();
  });

  test('worst status, greatest differences, element-weighted mean, where the worst is and the worst failure', () => {
    const agg = new ParityAggregate();
    agg.add('sample_000', 'logits', checkParity(f32([1, 2, 3, 4]), f32([1, 2, 3, 4]), 1e-4));
    agg.add('sample_001', 'logits', checkParity(f32([1, 2.5]), f32([1, 2]), 1e-4));
    agg.addShape('ok');
    const f = agg.fields();
    expect(f.parity).toBe('fail');
    expect(f.shape).toBe('ok');
    expect(f.max_abs_diff).toBeCloseTo(0.5, 6);
    // (0 * 4 + 0.25 * 2) / 6 elements
    expect(f.mean_abs_diff).toBeCloseTo(0.5 / 6, 6);
    expect(f.worst).toMatchObject({ sample: 'sample_001', output: 'logits', index: [1], actual: 2.5, reference: 2 });
    expect(f.samples_checked).toBe(2);
    expect(agg.failure()).toMatch(/^parity failed in 1\/2 sample\(s\); worst: output 'logits' \(sample_001\): 1\/2 elements over tolerance/);
  });

  test('a sample that ran but had nothing to compare counts as checked, with no differences to report (null, not 0)', () => {
    const agg = new ParityAggregate();
    agg.checkedSample('sample_000');
    agg.addShape('fail');
    expect(agg.fields()).toMatchObject({ parity: null, shape: 'fail', max_abs_diff: null, mean_abs_diff: null, max_rel_diff: null, worst: null, samples_checked: 1 });
    agg.runFailed();
    expect(agg.parity).toBe('fail');
  });

  test('every sample of the wrong shape: FAIL with the shape named, and no difference reads as a perfect 0', () => {
    const agg = new ParityAggregate();
    agg.add('sample_000', 'logits', checkParity(f32([1, 2, 3]), f32([1, 2]), 1e-4));
    agg.add('sample_001', 'logits', checkParity(f32([1, 2, 3]), f32([1, 2]), 1e-4));
    agg.addShape('fail');
    expect(agg.fields()).toMatchObject({ parity: 'fail', max_abs_diff: null, mean_abs_diff: null, max_rel_diff: null, worst: null, samples_checked: 2 });
    expect(agg.failure()).toMatch(/^parity failed in 2\/2 sample\(s\); worst: output 'logits' \(sample_000\): shape mismatch: actual \[3\] vs reference \[2\]/);
    // one compared sample among them: its figures are the format's
    agg.add('sample_002', 'logits', checkParity(f32([1, 2.5]), f32([1, 2]), 1e-4));
    expect(agg.fields()).toMatchObject({ max_abs_diff: 0.5, max_rel_diff: 0.25, worst: { sample: 'sample_002' }, samples_checked: 3 });
    expect(agg.fields().mean_abs_diff).toBeCloseTo(0.25, 9);
  });

  test('an empty format entry has every field; latency fields come from the block', () => {
    const entry = emptyFormatReport({ threshold: 1e-4, rtol: 1e-4, preset: 'fp32', statistic: 'elementwise', artifact: 'model.onnx' });
    expect(entry).toMatchObject({ status: 'ok', threshold: 1e-4, threshold_rtol: 1e-4, artifact: 'model.onnx', samples_checked: 0, skipped: false });
    const stats = { mean_ms: 2, std_ms: 0.5, min_ms: 1, max_ms: 4, p50_ms: 2, p90_ms: 3, p99_ms: 4, ci95_ms: [1.5, 2.5] as [number, number], iterations: 10 };
    const block = latencyBlock(
      { ...stats, warmup: 2, time_budget_ms: 250, min_iterations: 10, max_iterations: 100, clock: 'c', budget_ms: 1, budget_level: 'warn', status: 'warn' },
      { id: 'sample_000', batchSize: 1 },
    );
    expect(block).toMatchObject({ sample: 'sample_000', batch_size: 1, budget_status: 'warn', time_budget_ms: 250, min_iterations: 10, max_iterations: 100 });
    expect(latencyBlock({ ...block, budget_ms: null, budget_status: null }, { id: 's', batchSize: 4 }).budget_status).toBeNull();
    expect(latencyFields(block)).toMatchObject({ latency_ms: 2, latency_std_ms: 0.5, latency_p50_ms: 2, latency_p99_ms: 4 });
    expect(latencyFields(null).latency_ms).toBeNull();
    expect(worseStatus('warn', 'ok')).toBe('warn');
  });
});
