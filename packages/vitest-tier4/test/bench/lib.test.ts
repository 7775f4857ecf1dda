// The helpers of the repository's benchmark scripts (bench/lib.mjs: bench/demo.mjs, latency.mjs, fresh.mjs).
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { loadavg, median } from '../../../../bench/lib.mjs';

describe('bench/lib.mjs', () => {
  test('median: the middle value, or the mean of the two middle ones, whatever the order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  test('median: leaves out what is not finite (a phase a run did not reach), NaN when nothing is left', () => {
    expect(median([5, Number.NaN, 1, Number.POSITIVE_INFINITY, 3])).toBe(3);
    expect(median([Number.NaN, Number.NEGATIVE_INFINITY])).toBeNaN();
    expect(median([])).toBeNaN();
  });

  test('median: does not reorder its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  test("loadavg: the three load averages of /proc/loadavg, 'n/a' without one", () => {
    if (existsSync('/proc/loadavg')) expect(loadavg()).toMatch(/^\d+\.\d+ \d+\.\d+ \d+\.\d+$/);
    else expect(loadavg()).toBe('n/a');
  });
});
