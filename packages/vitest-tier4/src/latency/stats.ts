/**
 * Latency statistics computed the same way for every runner, whoever timed the iterations
 * (tinybench in Node, or the Python worker). Definitions match tinybench 6: sample variance
 * (n - 1), percentiles by linear interpolation between order statistics, a Student's t 95%
 * confidence interval of the mean.
 */
import type { Tier4Latency } from '../schema/tier4-report.generated.js';

/**
 * Summary statistics of latency samples, in ms: the statistics part of the report's latency record
 * (schema/tier4-report.schema.json, definitions.latency), so the two cannot drift.
 */
export type LatencyStats = Pick<
  Tier4Latency,
  'mean_ms' | 'std_ms' | 'min_ms' | 'max_ms' | 'p50_ms' | 'p90_ms' | 'p99_ms' | 'ci95_ms' | 'iterations'
>;

/** Only the {@link LatencyStats} fields of a larger record (a fresh copy, CI array included). */
export function pickLatencyStats(s: LatencyStats): LatencyStats {
  return {
    mean_ms: s.mean_ms,
    std_ms: s.std_ms,
    min_ms: s.min_ms,
    max_ms: s.max_ms,
    p50_ms: s.p50_ms,
    p90_ms: s.p90_ms,
    p99_ms: s.p99_ms,
    ci95_ms: [s.ci95_ms[0], s.ci95_ms[1]],
    iterations: s.iterations,
  };
}

/**
 * Quantile `q` (0..1) of ascending-sorted values, by linear interpolation between the order
 * statistics at `(n - 1) * q` (numpy's default, tinybench's).
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantileSorted: no values');
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  if (h === lo) return a;
  const b = sorted[lo + 1]!;
  return a + (h - lo) * (b - a);
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9)
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta function I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** CDF of Student's t distribution with `df` degrees of freedom. */
function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Two-sided 95% critical value of Student's t with `df` degrees of freedom (12.706 for df 1,
 * 2.228 for df 10, 1.984 for df 99; 1.960 in the limit).
 */
export function tCritical95(df: number): number {
  if (!(df >= 1)) df = 1;
  let lo = 0;
  let hi = 700;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < 0.975) lo = mid;
    else hi = mid;
    if (hi - lo < 1e-12) break;
  }
  return (lo + hi) / 2;
}

/**
 * Computes {@link LatencyStats} of per-iteration latencies in ms.
 *
 * @throws TypeError when `samplesMs` is empty or holds a negative or non-finite value.
 */
export function latencyStats(samplesMs: readonly number[]): LatencyStats {
  if (!Array.isArray(samplesMs) || samplesMs.length === 0) {
    throw new TypeError(`latencyStats: expected at least one latency sample, received ${Array.isArray(samplesMs) ? 'an empty array' : typeof samplesMs}`);
  }
  const bad = samplesMs.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v) || v < 0);
  if (bad >= 0) {
    throw new TypeError(`latencyStats: sample ${bad} must be a finite number >= 0 (ms), received ${String(samplesMs[bad])}`);
  }
  const sorted = Float64Array.from(samplesMs).sort();
  const n = sorted.length;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const v = samplesMs[i]!;
    const delta = v - mean;
    mean += delta / (i + 1);
    m2 += delta * (v - mean);
  }
  const variance = n > 1 ? m2 / (n - 1) : 0;
  const std = Math.sqrt(variance);
  const moe = n > 1 ? (std / Math.sqrt(n)) * tCritical95(n - 1) : 0;
  return {
    mean_ms: mean,
    std_ms: std,
    min_ms: sorted[0]!,
    max_ms: sorted[n - 1]!,
    p50_ms: quantileSorted(sorted, 0.5),
    p90_ms: quantileSorted(sorted, 0.9),
    p99_ms: quantileSorted(sorted, 0.99),
    // a latency is never negative: a few large outliers can put the symmetric t interval below 0
    ci95_ms: [Math.max(0, mean - moe), mean + moe],
    iterations: n,
  };
}
