// Helpers shared by the benchmark scripts of bench/ (plain Node, no dependency).
import { readFileSync } from 'node:fs';

/** The 1, 5 and 15 minute load averages from /proc/loadavg (`'n/a'` where there is none). */
export function loadavg() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

/**
 * The median of the finite numbers of `xs` (NaN and infinities, such as a phase a run did not
 * reach, are left out); NaN when none is finite. The input is not reordered.
 */
export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * A distribution-free confidence interval of the median: the order statistics x(k) and x(n + 1 - k)
 * of the sorted values, with the largest k whose coverage P(x(k) <= median < x(n + 1 - k)), which
 * is 1 - 2 P(Binomial(n, 1/2) < k) for any continuous distribution, is still at least `level`. It
 * assumes only that the values are independent draws of one distribution (the rounds of an
 * interleaved benchmark). Non-finite values are left out, as by {@link median}.
 *
 * @returns the median, the interval [lo, hi], the ranks k and n + 1 - k (1-based), the exact
 *   coverage and n; with too few values for `level` (n < 6 at 95%), the whole range and its
 *   coverage, below `level` (`lo`, `hi` NaN when no value is finite).
 */
export function medianCI(xs, level = 0.95) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return { median: NaN, lo: NaN, hi: NaN, k: 0, coverage: 0, n };
  // the largest k whose coverage 1 - 2 P(B < k) is still >= level (B ~ Binomial(n, 1/2))
  let k = 1;
  let logPmf = -n * Math.LN2; // log P(B = k - 1)
  let cdf = Math.exp(logPmf); // P(B < k)
  while (k + 1 <= (n + 1) / 2) {
    logPmf += Math.log((n - k + 1) / k); // log P(B = k)
    const next = cdf + Math.exp(logPmf); // P(B < k + 1)
    if (1 - 2 * next < level) break;
    k += 1;
    cdf = next;
  }
  const coverage = 1 - 2 * cdf;
  return { median: median(s), lo: s[k - 1], hi: s[n - k], k, coverage, n };
}

/** A seeded pseudo-random generator of numbers in [0, 1) (mulberry32): the same seed, the same sequence. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The order of each round of an A/B benchmark: `true` when A goes first. Rounds come in pairs, one
 * AB and one BA in an order `random` picks, so that A goes first in exactly half the rounds (of an
 * even count) and neither the position nor a periodic drift of the machine favours one side.
 */
export function balancedOrders(rounds, random) {
  const orders = [];
  for (let r = 0; r < rounds; r += 2) {
    const aFirst = random() < 0.5;
    orders.push(aFirst);
    if (r + 1 < rounds) orders.push(!aFirst);
  }
  return orders;
}
