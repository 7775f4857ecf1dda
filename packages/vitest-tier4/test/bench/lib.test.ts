// The helpers of the repository's benchmark scripts (bench/lib.mjs: bench/demo.mjs, latency.mjs, fresh.mjs).
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { balancedOrders, loadavg, median, medianCI, seededRandom } from '../../../../bench/lib.mjs';

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

  test('medianCI: the order statistics of the textbook 95% interval of a median, with their exact coverage', () => {
    const ranks = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
    // ranks k and n + 1 - k: n = 10 -> 2, 9; n = 20 -> 6, 15; n = 100 -> 40, 61 (binomial tables)
    expect(medianCI(ranks(10))).toMatchObject({ median: 5.5, lo: 2, hi: 9, k: 2, n: 10 });
    expect(medianCI(ranks(10)).coverage).toBeCloseTo(1 - 22 / 1024, 12);
    expect(medianCI(ranks(20))).toMatchObject({ lo: 6, hi: 15, k: 6 });
    expect(medianCI(ranks(100))).toMatchObject({ lo: 40, hi: 61, k: 40 });
    expect(medianCI(ranks(100)).coverage).toBeGreaterThanOrEqual(0.95);
    // the values, not their positions: shuffled input, same interval
    expect(medianCI([9, 2, 7, 4, 1, 10, 3, 8, 6, 5])).toMatchObject({ lo: 2, hi: 9 });
  });

  test('medianCI: too few values for 95% give the whole range and say its coverage; non-finite values are left out', () => {
    const five = medianCI([5, 1, 4, 2, 3]);
    expect(five).toMatchObject({ median: 3, lo: 1, hi: 5, k: 1, n: 5 });
    expect(five.coverage).toBeCloseTo(1 - 2 / 32, 12);
    expect(medianCI([1, 2, 3, 4, 5, 6]).coverage).toBeCloseTo(1 - 2 / 64, 12);
    expect(medianCI([3, Number.NaN, 1, 2, Number.POSITIVE_INFINITY])).toMatchObject({ median: 2, lo: 1, hi: 3, n: 3 });
    expect(medianCI([Number.NaN])).toMatchObject({ median: Number.NaN, lo: Number.NaN, hi: Number.NaN, n: 0 });
  });

  test('medianCI: large n (thousands of rounds) stays finite and close to the normal approximation', () => {
    const n = 4001;
    const r = medianCI(Array.from({ length: n }, (_, i) => i + 1));
    // normal approximation of the lower rank: n/2 - 1.96 sqrt(n)/2, about 1938
    expect(Math.abs(r.k - (n / 2 - (1.96 * Math.sqrt(n)) / 2))).toBeLessThan(2);
    expect(r.hi).toBe(n + 1 - r.k);
    expect(r.coverage).toBeGreaterThanOrEqual(0.95);
    expect(r.coverage).toBeLessThan(0.96);
  });

  test('seededRandom: the same seed gives the same sequence in [0, 1), another seed another one', () => {
    const take = (seed: number): number[] => {
      const next = seededRandom(seed);
      return Array.from({ length: 5 }, () => next());
    };
    expect(take(1)).toEqual(take(1));
    expect(take(1)).not.toEqual(take(2));
    for (const x of take(3)) expect(x >= 0 && x < 1).toBe(true);
  });

  test('balancedOrders: each pair of rounds is one AB and one BA, in a seeded order', () => {
    const orders = balancedOrders(41, seededRandom(1));
    expect(orders).toHaveLength(41);
    for (let r = 0; r + 1 < 41; r += 2) expect(orders[r]).toBe(!orders[r + 1]);
    expect(orders.slice(0, 40).filter(Boolean)).toHaveLength(20);
    expect(balancedOrders(41, seededRandom(1))).toEqual(orders);
    // the pairs' orders vary (not a fixed alternation): both AB-first and BA-first pairs occur
    const firsts = orders.filter((_, r) => r % 2 === 0 && r + 1 < 41);
    expect(new Set(firsts).size).toBe(2);
  });
});
