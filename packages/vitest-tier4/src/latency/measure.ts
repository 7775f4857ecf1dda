/**
 * measureLatency: warm-up, then N measured iterations of a runner on fixed inputs.
 *
 * In-process runners (ONNX) are timed by tinybench 6 in Node (`performance.now` around each
 * call; with the runner's `prepare`, the call is the runtime's own on inputs converted once). Runners that time themselves ({@link ModelRunner.time}, the Python worker) are timed
 * inside their runtime so that the transport is not measured. Both give the same statistics
 * ({@link latencyStats}), and the result says which clock timed what.
 */
import { Bench } from 'tinybench';
import { checkOption, MILLISECONDS, type OptionRule } from 'vitest-tier4-fixtures';
import { LATENCY_RULES } from '../options/table.js';
import type { ModelRunner, TensorMap } from '../runtimes/types.js';
import { latencyStats, type LatencyStats } from './stats.js';

/** Default measured iterations (the seed asks for 100 after warm-up). */
export const DEFAULT_LATENCY_ITERATIONS = 100;
/** Default warm-up iterations. */
export const DEFAULT_LATENCY_WARMUP = 10;

/** What an overrun of a latency budget does. */
export type LatencyBudgetLevel = 'warn' | 'fail';

/** Options of {@link measureLatency}. */
export interface MeasureLatencyOptions {
  /** Measured iterations (default 100). */
  iterations?: number;
  /** Warm-up iterations, run and discarded first (default 10). */
  warmup?: number;
  /** Budget on the mean latency in ms; none by default (latency is informational). */
  budgetMs?: number;
  /** Status of an overrun: `'warn'` (default) or `'fail'`. */
  budgetLevel?: LatencyBudgetLevel;
  /** Aborts the measurement. */
  signal?: AbortSignal;
  /** Limit of the measurement in ms, for runners that time themselves out of process ({@link ModelRunner.time}). */
  timeoutMs?: number;
}

/** Result of {@link measureLatency} (snake_case: it goes into the Tier 4 JSON). */
export interface LatencyResult extends LatencyStats {
  /** Warm-up iterations run before measuring. */
  warmup: number;
  /** Which clock timed what. */
  clock: string;
  /** The budget on the mean, or null. */
  budget_ms: number | null;
  /** What an overrun does. */
  budget_level: LatencyBudgetLevel;
  /** `ok`, or the budget level when the mean exceeds the budget. */
  status: 'ok' | 'warn' | 'fail';
  /** Why the status is not ok, or null. */
  message: string | null;
  /** The measured per-iteration latencies, in run order. */
  samples_ms: number[];
}

/** Times `runner.run(inputs)` with tinybench in this process; returns per-iteration ms. */
async function timeWithTinybench(
  runner: ModelRunner,
  inputs: TensorMap,
  iterations: number,
  warmup: number,
  signal?: AbortSignal,
): Promise<number[]> {
  const bench = new Bench({
    iterations,
    time: 0,
    warmup: warmup > 0,
    warmupIterations: warmup,
    warmupTime: 0,
    retainSamples: true,
    throws: false,
    ...(signal ? { signal } : {}),
  });
  // the runner's own call on inputs converted once, when it offers that (ONNX: session.run with ready feeds)
  let once: () => Promise<unknown>;
  try {
    once = runner.prepare ? runner.prepare(inputs) : () => runner.run(inputs);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`measureLatency(${runner.format}): run failed: ${message}`, { cause: error });
  }
  // the prepared call itself, declared async: tinybench then awaits it directly, with no wrapper
  // function and promise of ours inside the timed region (bench/latency.mjs compares this with a bare
  // loop), and does not call it once more to find out whether it is async
  bench.add(`${runner.format}:run`, once, { async: true });
  await bench.run();
  const task = bench.tasks[0]!;
  const result = task.result;
  if (result.state === 'errored') {
    throw new Error(`measureLatency(${runner.format}): run failed: ${result.error.message}`, { cause: result.error });
  }
  if (result.state === 'aborted' || result.state === 'aborted-with-statistics') {
    throw new Error(`measureLatency(${runner.format}): aborted`);
  }
  if (result.state !== 'completed') {
    throw new Error(`measureLatency(${runner.format}): tinybench task ended in state '${result.state}'`);
  }
  const samples = result.latency.samples;
  if (!samples || samples.length === 0) {
    throw new Error(`measureLatency(${runner.format}): tinybench returned no samples`);
  }
  return [...samples];
}

/**
 * Measures the latency of a runner on fixed inputs.
 *
 * @param runner - an open runner.
 * @param inputs - one batch, by input name.
 * @param options - iterations (default 100), warmup (default 10), optional budget.
 * @returns statistics in ms, the clock used, and a status from the budget (`ok` without one).
 * @throws TypeError on invalid options; the runner's error when a run fails.
 */
export async function measureLatency(
  runner: ModelRunner,
  inputs: TensorMap,
  options: MeasureLatencyOptions = {},
): Promise<LatencyResult> {
  if (typeof runner !== 'object' || runner === null || typeof runner.run !== 'function') {
    throw new TypeError(`measureLatency: expected a ModelRunner, received ${runner === null ? 'null' : typeof runner}`);
  }
  // the latency rules of the one option table (runTier4's latency options, tier4 validate's flags)
  for (const key of ['iterations', 'warmup', 'budgetMs', 'budgetLevel'] as const) {
    if (options[key] !== undefined) checkOption('measureLatency', key, LATENCY_RULES[key] as OptionRule, options[key]);
  }
  if (options.timeoutMs !== undefined) checkOption('measureLatency', 'timeoutMs', MILLISECONDS, options.timeoutMs);
  const iterations = options.iterations ?? DEFAULT_LATENCY_ITERATIONS;
  const warmup = options.warmup ?? DEFAULT_LATENCY_WARMUP;
  const budgetLevel = options.budgetLevel ?? 'warn';
  const budget = options.budgetMs;
  options.signal?.throwIfAborted();

  let samples: number[];
  let clock: string;
  if (typeof runner.time === 'function') {
    const timings = await runner.time(inputs, { iterations, warmup, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
    samples = timings.samplesMs;
    clock = timings.clock;
    if (samples.length !== iterations) {
      throw new Error(`measureLatency(${runner.format}): runner returned ${samples.length} timings, expected ${iterations}`);
    }
  } else {
    samples = await timeWithTinybench(runner, inputs, iterations, warmup, options.signal);
    clock = runner.clock;
  }
  const stats = latencyStats(samples);
  let status: LatencyResult['status'] = 'ok';
  let message: string | null = null;
  if (budget !== undefined && stats.mean_ms > budget) {
    status = budgetLevel;
    message = `${runner.format} mean latency ${stats.mean_ms.toFixed(3)} ms exceeds the budget of ${budget} ms`;
  }
  return {
    ...stats,
    warmup,
    clock,
    budget_ms: budget ?? null,
    budget_level: budgetLevel,
    status,
    message,
    samples_ms: samples,
  };
}
