/**
 * measureLatency: warm-up, then measured iterations of a runner on fixed inputs: exactly
 * `iterations` when the caller asks for a count, else (the default) at least
 * {@link DEFAULT_LATENCY_MIN_ITERATIONS} and at most {@link DEFAULT_LATENCY_ITERATIONS}, stopping
 * once the measured time reaches {@link DEFAULT_LATENCY_TIME_BUDGET_MS} (see {@link latencyPolicy}).
 *
 * In-process runners (ONNX) are timed by tinybench 6 in Node (`performance.now` around each
 * call; with the runner's `prepare`, the call is the runtime's own on inputs converted once). Runners that time themselves ({@link ModelRunner.time}, the Python worker) are timed
 * inside their runtime so that the transport is not measured. Both give the same statistics
 * ({@link latencyStats}), and the result says which clock timed what.
 */
import { Bench } from 'tinybench';
import { checkOption, MILLISECONDS, optionError, type OptionRule } from 'vitest-tier4-fixtures';
import { LATENCY_RULES } from '../options/table.js';
import type { ModelRunner, TensorMap } from '../runtimes/types.js';
import { latencyStats, type LatencyStats } from './stats.js';

/** Default measured iterations: the most of the time-budgeted default, the count of an unbudgeted run. */
export const DEFAULT_LATENCY_ITERATIONS = 100;
/** Default warm-up iterations. */
export const DEFAULT_LATENCY_WARMUP = 10;
/** Default fewest measured iterations of a time-budgeted measurement. */
export const DEFAULT_LATENCY_MIN_ITERATIONS = 10;
/**
 * Default budget on the summed measured time, in ms, when no `iterations` is given: a fast model
 * still gets its 100 iterations (0.06 ms x 100 is 6 ms), a slow one stops after about 250 ms of
 * measuring, but never below {@link DEFAULT_LATENCY_MIN_ITERATIONS} iterations.
 */
export const DEFAULT_LATENCY_TIME_BUDGET_MS = 250;

/** What an overrun of a latency budget does. */
export type LatencyBudgetLevel = 'warn' | 'fail';

/** Options of {@link measureLatency}. */
export interface MeasureLatencyOptions {
  /**
   * Measured iterations: exactly this many when given without `timeBudgetMs`; with a time budget,
   * the most (default 100).
   */
  iterations?: number;
  /** Warm-up iterations, run and discarded first (default 10). */
  warmup?: number;
  /**
   * Budget on the summed time of the measured iterations, in ms: after `minIterations`, measuring
   * stops once it is reached (or at `iterations`). `null`: no budget, exactly `iterations`.
   * Default: 250 ms when `iterations` is not given, else `null` (a count you ask for is the count you get).
   */
  timeBudgetMs?: number | null;
  /** Fewest measured iterations under a time budget (default 10, at most `iterations`). */
  minIterations?: number;
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
  /** The budget on the summed measured time in ms, or null when exactly `max_iterations` were asked. */
  time_budget_ms: number | null;
  /** Fewest measured iterations under the time budget (equal to `max_iterations` without one). */
  min_iterations: number;
  /** Most measured iterations (the count asked for without a time budget). */
  max_iterations: number;
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

/** How many iterations to measure: {@link latencyPolicy}'s result. */
export interface LatencyPolicy {
  /** Warm-up iterations. */
  warmup: number;
  /** Fewest measured iterations (equal to `maxIterations` without a time budget). */
  minIterations: number;
  /** Most measured iterations. */
  maxIterations: number;
  /** Budget on the summed measured time in ms, or null. */
  timeBudgetMs: number | null;
}

/**
 * The measurement rule of {@link measureLatency}'s options, defaults filled in (one place: runTier4's
 * formats and eager baseline, the `latency` fixture and the CLI all go through it).
 * Each value is checked by the one option table's rule (options/table.ts, `LATENCY_RULES`); the
 * one rule a table cannot state, `minIterations` <= `iterations`, is checked here.
 * @param where - who checks (`measureLatency`, `runTier4`), and `name` the options' own name
 *   (`latency` in runTier4's), as the messages spell them.
 * @throws TypeError naming the option that is invalid.
 */
export function latencyPolicy(
  options: Pick<MeasureLatencyOptions, 'iterations' | 'warmup' | 'timeBudgetMs' | 'minIterations'> = {},
  where = 'measureLatency',
  name = '',
): LatencyPolicy {
  const at = (key: string): string => (name === '' ? key : `${name}.${key}`);
  for (const key of ['iterations', 'warmup', 'timeBudgetMs', 'minIterations'] as const) {
    if (options[key] !== undefined) checkOption(where, at(key), LATENCY_RULES[key] as OptionRule, options[key]);
  }
  const maxIterations = options.iterations ?? DEFAULT_LATENCY_ITERATIONS;
  const warmup = options.warmup ?? DEFAULT_LATENCY_WARMUP;
  const budget = options.timeBudgetMs !== undefined ? options.timeBudgetMs : options.iterations === undefined ? DEFAULT_LATENCY_TIME_BUDGET_MS : null;
  if (budget === null) return { warmup, minIterations: maxIterations, maxIterations, timeBudgetMs: null };
  const minIterations = options.minIterations ?? Math.min(DEFAULT_LATENCY_MIN_ITERATIONS, maxIterations);
  if (minIterations > maxIterations) throw optionError(where, at('minIterations'), `an integer <= iterations (${maxIterations})`, minIterations);
  return { warmup, minIterations, maxIterations, timeBudgetMs: budget };
}

/**
 * One tinybench run of `once`: `iterations` measured exactly after `warmup` discarded ones; the
 * per-call times in ms, in run order.
 *
 * tinybench times the prepared call itself (declared async: it awaits it directly, with no wrapper
 * function and promise of ours inside the timed region, and does not call it once more to find out
 * whether it is async). Its clock is `performance.now()` through a function that also writes each
 * reading into a preallocated array (no allocation per call): tinybench reads it twice per
 * iteration, before and after the call, so the differences of those pairs are its samples in the
 * order the calls ran. tinybench sorts the samples it keeps, so its own copy has lost that order.
 */
async function tinybenchChunk(format: string, once: () => Promise<unknown>, iterations: number, warmup: number, signal?: AbortSignal): Promise<number[]> {
  const stamps = new Float64Array(2 * (warmup + iterations));
  let reads = 0;
  const clock = (): number => {
    const t = performance.now();
    if (reads < stamps.length) stamps[reads] = t;
    reads++;
    return t;
  };
  const bench = new Bench({
    iterations,
    time: 0,
    warmup: warmup > 0,
    warmupIterations: warmup,
    warmupTime: 0,
    retainSamples: true,
    throws: false,
    now: clock,
    ...(signal ? { signal } : {}),
  });
  bench.add(`${format}:run`, once, { async: true });
  await bench.run();
  const task = bench.tasks[0]!;
  const result = task.result;
  if (result.state === 'errored') {
    throw new Error(`measureLatency(${format}): run failed: ${result.error.message}`, { cause: result.error });
  }
  if (result.state === 'aborted' || result.state === 'aborted-with-statistics') {
    throw new Error(`measureLatency(${format}): aborted`);
  }
  if (result.state !== 'completed') {
    throw new Error(`measureLatency(${format}): tinybench task ended in state '${result.state}'`);
  }
  if (result.latency.samplesCount !== iterations || reads !== stamps.length) {
    throw new Error(
      `measureLatency(${format}): tinybench measured ${result.latency.samplesCount} iterations reading its clock ${reads} times, ` +
        `expected ${iterations} iterations and 2 readings per iteration (${stamps.length})`,
    );
  }
  const samples = new Array<number>(iterations);
  for (let i = 0; i < iterations; i++) samples[i] = stamps[2 * (warmup + i) + 1]! - stamps[2 * (warmup + i)]!;
  return samples;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/**
 * Times `runner.run(inputs)` with tinybench in this process; returns per-iteration ms. Under a time
 * budget, the first `minIterations` come after the warm-up; then, while the summed time is under the
 * budget and fewer than `maxIterations` ran, as many more as the mean so far says fit in what is
 * left (each batch is one more tinybench run, back to back: the budget is checked between batches).
 */
async function timeWithTinybench(runner: ModelRunner, inputs: TensorMap, policy: LatencyPolicy, signal?: AbortSignal): Promise<number[]> {
  // the runner's own call on inputs converted once, when it offers that (ONNX: session.run with ready feeds)
  let once: () => Promise<unknown>;
  try {
    once = runner.prepare ? runner.prepare(inputs) : () => runner.run(inputs);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`measureLatency(${runner.format}): run failed: ${message}`, { cause: error });
  }
  const samples = await tinybenchChunk(runner.format, once, policy.minIterations, policy.warmup, signal);
  const budget = policy.timeBudgetMs;
  if (budget === null) return samples;
  let spent = sum(samples);
  while (samples.length < policy.maxIterations && spent < budget) {
    const mean = spent / samples.length;
    const more = Math.min(policy.maxIterations - samples.length, Math.max(1, Math.ceil((budget - spent) / Math.max(mean, 1e-6))));
    const chunk = await tinybenchChunk(runner.format, once, more, 0, signal);
    samples.push(...chunk);
    spent += sum(chunk);
  }
  return samples;
}

/**
 * Measures the latency of a runner on fixed inputs.
 *
 * @param runner - an open runner.
 * @param inputs - one batch, by input name.
 * @param options - iterations, warmup (default 10), time budget (`timeBudgetMs`, `minIterations`), optional budget on the mean.
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
  for (const key of ['budgetMs', 'budgetLevel'] as const) {
    if (options[key] !== undefined) checkOption('measureLatency', key, LATENCY_RULES[key] as OptionRule, options[key]);
  }
  if (options.timeoutMs !== undefined) checkOption('measureLatency', 'timeoutMs', MILLISECONDS, options.timeoutMs);
  const policy = latencyPolicy(options);
  const { warmup } = policy;
  const budgetLevel = options.budgetLevel ?? 'warn';
  const budget = options.budgetMs;
  options.signal?.throwIfAborted();

  let samples: number[];
  let clock: string;
  if (typeof runner.time === 'function') {
    const timings = await runner.time(inputs, {
      iterations: policy.maxIterations,
      warmup,
      ...(policy.timeBudgetMs !== null ? { minIterations: policy.minIterations, timeBudgetMs: policy.timeBudgetMs } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    samples = timings.samplesMs;
    clock = timings.clock;
    if (samples.length < policy.minIterations || samples.length > policy.maxIterations) {
      const expected = policy.minIterations === policy.maxIterations ? `${policy.maxIterations}` : `${policy.minIterations} to ${policy.maxIterations}`;
      throw new Error(`measureLatency(${runner.format}): runner returned ${samples.length} timings, expected ${expected}`);
    }
  } else {
    samples = await timeWithTinybench(runner, inputs, policy, options.signal);
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
    time_budget_ms: policy.timeBudgetMs,
    min_iterations: policy.minIterations,
    max_iterations: policy.maxIterations,
    clock,
    budget_ms: budget ?? null,
    budget_level: budgetLevel,
    status,
    message,
    samples_ms: samples,
  };
}
