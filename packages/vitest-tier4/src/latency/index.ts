/** Latency suites: measureLatency on tinybench 6 (in-process) or runtime-side timings (worker). */
export { latencyStats, quantileSorted, tCritical95, type LatencyStats } from './stats.js';
export {
  DEFAULT_LATENCY_ITERATIONS,
  DEFAULT_LATENCY_MIN_ITERATIONS,
  DEFAULT_LATENCY_TIME_BUDGET_MS,
  DEFAULT_LATENCY_WARMUP,
  latencyPolicy,
  measureLatency,
  type LatencyBudgetLevel,
  type LatencyPolicy,
  type LatencyResult,
  type MeasureLatencyOptions,
} from './measure.js';
