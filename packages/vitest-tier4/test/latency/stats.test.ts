import { Bench } from 'tinybench';
import { describe, expect, test } from 'vitest';
import { latencyStats, quantileSorted, tCritical95 } from '../../src/latency/index.js';

describe('latencyStats', () => {
  test('mean, sample std, min/max, interpolated percentiles and a Student-t CI of the mean', () => {
    const s = latencyStats([3, 1, 4, 1, 5, 9, 2, 6, 5, 3]);
    expect(s.iterations).toBe(10);
    expect(s.mean_ms).toBeCloseTo(3.9, 12);
    expect(s.std_ms).toBeCloseTo(Math.sqrt(54.9 / 9), 12);
    expect(s.min_ms).toBe(1);
    expect(s.max_ms).toBe(9);
    expect(s.p50_ms).toBe(3.5);
    expect(s.p90_ms).toBeCloseTo(6.3, 12); // sorted[8.1] = 6 + 0.1 * (9 - 6)
    expect(s.p99_ms).toBeCloseTo(8.73, 12);
    const half = (s.std_ms / Math.sqrt(10)) * 2.262157;
    expect(s.ci95_ms[0]).toBeCloseTo(3.9 - half, 5);
    expect(s.ci95_ms[1]).toBeCloseTo(3.9 + half, 5);
  });

  test('the interval never goes below 0 ms (a few large outliers widen it)', () => {
    const s = latencyStats([...Array.from({ length: 98 }, () => 0.06), 17, 20]);
    expect(s.mean_ms - (s.std_ms / 10) * tCritical95(99)).toBeLessThan(0);
    expect(s.ci95_ms[0]).toBe(0);
    expect(s.ci95_ms[1]).toBeCloseTo(s.mean_ms + (s.std_ms / 10) * tCritical95(99), 12);
  });

  test('one sample: std 0 and a degenerate interval', () => {
    expect(latencyStats([2.5])).toMatchObject({ mean_ms: 2.5, std_ms: 0, p50_ms: 2.5, p99_ms: 2.5, ci95_ms: [2.5, 2.5] });
  });

  test('t critical values match the tables', () => {
    expect(tCritical95(1)).toBeCloseTo(12.7062, 3);
    expect(tCritical95(4)).toBeCloseTo(2.7764, 4);
    expect(tCritical95(9)).toBeCloseTo(2.2622, 4);
    expect(tCritical95(99)).toBeCloseTo(1.9842, 4);
    expect(tCritical95(1e6)).toBeCloseTo(1.96, 3);
  });

  test('agrees with tinybench 6 on the samples tinybench measured', async () => {
    const bench = new Bench({ iterations: 40, time: 0, warmupIterations: 5, warmupTime: 0, retainSamples: true });
    let acc = 0;
    bench.add('work', () => {
      for (let k = 0; k < 20_000; k++) acc += Math.sqrt(k);
    });
    await bench.run();
    const r = bench.tasks[0]!.result;
    expect(r.state).toBe('completed');
    if (r.state !== 'completed') return;
    const ours = latencyStats([...r.latency.samples!]);
    expect(ours.iterations).toBe(r.latency.samplesCount);
    expect(ours.mean_ms).toBeCloseTo(r.latency.mean, 9);
    expect(ours.std_ms).toBeCloseTo(r.latency.sd, 9);
    expect(ours.p50_ms).toBeCloseTo(r.latency.p50, 9);
    expect(ours.p99_ms).toBeCloseTo(r.latency.p99, 9);
    expect(ours.min_ms).toBe(r.latency.min);
    expect(ours.max_ms).toBe(r.latency.max);
    expect(ours.ci95_ms[1] - ours.mean_ms).toBeCloseTo(r.latency.moe, 6);
    expect(acc).toBeGreaterThan(0);
  });

  test('invalid samples are a TypeError naming the sample', () => {
    expect(() => latencyStats([])).toThrow('latencyStats: expected at least one latency sample, received an empty array');
    expect(() => latencyStats([1, Number.NaN])).toThrow('latencyStats: sample 1 must be a finite number >= 0 (ms), received NaN');
    expect(() => quantileSorted([], 0.5)).toThrow(RangeError);
  });
});
