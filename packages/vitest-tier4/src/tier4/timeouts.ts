/**
 * Timeouts of the Python worker in runTier4 (issue 8, item 6).
 *
 * A request that exceeds its limit is its own reason, never a parity failure: the format's
 * `timeout` names the step, the sample, the limit, the forward pass measured before it, and the
 * option that raises the limit. A format stops at its first timeout (the worker was killed; every
 * further sample would wait as long again).
 *
 * Limits: a `timeoutMs` the user gave is the limit of every run request, as given. Without one, a
 * run request gets the default ({@link DEFAULT_REQUEST_TIMEOUT_MS}) until a forward pass of that
 * format has been measured, then the larger of the default and {@link RUN_LIMIT_FACTOR} times the
 * slowest measured forward pass per batch item times the batch: a model whose one forward pass
 * takes 20 s is not cut off at 60 s on a batch of 4. The latency measurement (warm-up plus
 * iterations in one request) scales the same way with {@link TIME_LIMIT_FACTOR}.
 *
 * Pure bookkeeping: no I/O.
 */
import { DEFAULT_REQUEST_TIMEOUT_MS, PythonWorkerError } from '../runtimes/python-worker.js';
import type { Tier4FormatReport, Tier4WorkerTimeout } from './types.js';

/** What raises the limit, as the messages name it. */
export const TIMEOUT_OPTION = 'runTier4 timeoutMs, tier4 validate --timeout-ms';

/** A run request may take this many times the slowest measured forward pass (per item, times the batch). */
export const RUN_LIMIT_FACTOR = 10;

/** A latency measurement of n forwards may take this many times n measured forward passes. */
export const TIME_LIMIT_FACTOR = 4;

/** True when `err` is a Python worker request that exceeded its limit (private worker or pool). */
export function isWorkerTimeout(err: unknown): err is PythonWorkerError {
  return err instanceof PythonWorkerError && err.code === 'timeout';
}

/** The limit a timeout message states (`timed out after 1500 ms`, the pool's `within 1500 ms`), or null. */
export function statedLimitMs(message: string): number | null {
  const m = /timed out after (\d+(?:\.\d+)?) ms/.exec(message) ?? /no answer to '[^']*' within (\d+(?:\.\d+)?) ms/.exec(message);
  return m ? Number(m[1]) : null;
}

/**
 * The step a timed-out request was, from the command its message names: `run` a forward pass,
 * `time` the latency measurement, anything else (start-up, `threads`, `load`) opening the model.
 */
export function timeoutStep(err: PythonWorkerError): Tier4WorkerTimeout['step'] {
  const cmd = /on '([^']*)'|no answer to '([^']*)'/.exec(err.message);
  const name = cmd ? (cmd[1] ?? cmd[2]) : undefined;
  return name === 'run' ? 'run' : name === 'time' ? 'latency' : 'open';
}

interface Forward {
  /** Slowest forward pass per batch item, ms. */
  perItemMs: number;
  sample: string;
}

/** The limits of one runTier4 call and what it measured, format by format. */
export class WorkerTimeouts {
  private readonly forwards = new Map<string, Forward>();

  /** @param userMs - The `timeoutMs` the user gave, or undefined (the default, scaled). */
  constructor(private readonly userMs: number | undefined) {}

  /** The request limit before anything is measured: the user's, or the worker default. */
  get baseMs(): number {
    return this.userMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /**
   * Records one finished forward pass of `format`.
   * @param batch - Its batch size (the limit scales with it).
   * @param ms - Its wall time around the request, in ms.
   */
  observe(format: string, sample: string, batch: number, ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    const perItemMs = ms / Math.max(1, batch);
    const prev = this.forwards.get(format);
    if (!prev || perItemMs > prev.perItemMs) this.forwards.set(format, { perItemMs, sample });
  }

  /** The slowest measured forward per item over every format, for a runner not measured itself (the eager baseline). */
  private slowest(): Forward | undefined {
    let worst: Forward | undefined;
    for (const f of this.forwards.values()) if (!worst || f.perItemMs > worst.perItemMs) worst = f;
    return worst;
  }

  private forward(format: string | null): Forward | undefined {
    return format === null ? this.slowest() : this.forwards.get(format);
  }

  /**
   * Options of one run request of `format` on a batch of `batch`: `{}` (the worker's own limit)
   * when the user gave `timeoutMs` or nothing is measured yet, else the scaled limit.
   */
  runOptions(format: string, batch: number): { timeoutMs?: number } {
    const f = this.forward(format);
    if (this.userMs !== undefined || !f) return {};
    return { timeoutMs: Math.max(DEFAULT_REQUEST_TIMEOUT_MS, Math.ceil(RUN_LIMIT_FACTOR * f.perItemMs * Math.max(1, batch))) };
  }

  /**
   * Options of the latency measurement (`warmup + iterations` forwards in one request) of
   * `format` (null: the eager baseline, scaled with the slowest format): `{}` when the user
   * gave `timeoutMs` or nothing is measured, else the scaled limit.
   */
  timeOptions(format: string | null, batch: number, forwards: number): { timeoutMs?: number } {
    const f = this.forward(format);
    if (this.userMs !== undefined || !f) return {};
    const perTen = DEFAULT_REQUEST_TIMEOUT_MS * Math.max(1, Math.ceil(forwards / 10));
    return { timeoutMs: Math.max(perTen, Math.ceil(TIME_LIMIT_FACTOR * f.perItemMs * Math.max(1, batch) * forwards)) };
  }

  /**
   * The record of a timeout of `format` (null: the eager baseline) at `step`.
   * @param err - The worker's timeout error (its message states the limit).
   * @param message - That error in one line, as the report prints it.
   */
  record(format: string | null, step: Tier4WorkerTimeout['step'], sample: string | null, err: PythonWorkerError, message: string): Tier4WorkerTimeout {
    const f = this.forward(format);
    return {
      step,
      sample: step === 'open' ? null : sample,
      message,
      timeout_ms: statedLimitMs(err.message),
      forward_ms: f ? f.perItemMs : null,
      forward_sample: f ? f.sample : null,
      scaled: this.userMs === undefined && f !== undefined && step !== 'open',
      option: TIMEOUT_OPTION,
    };
  }
}

function ms(x: number): string {
  return x >= 100 ? `${Math.round(x)} ms` : `${Number(x.toPrecision(3))} ms`;
}

/**
 * How to raise the limit, in words: the option, the limit that was hit, the forward pass it came
 * from. One clause, to follow the error in a reason or warning.
 */
export function timeoutAdvice(t: Tier4WorkerTimeout, userMs: number | undefined): string {
  const limit = t.timeout_ms === null ? 'the limit' : `the ${ms(t.timeout_ms)} limit`;
  const forward = t.forward_ms === null ? null : `a forward pass took ${ms(t.forward_ms)} per batch item (${t.forward_sample})`;
  let why: string;
  if (userMs !== undefined) why = `${limit} is the timeoutMs given (${ms(userMs)})${forward ? `; ${forward}` : ''}`;
  else if (t.scaled) why = `${limit} is the default scaled with the slowest measured forward pass (${forward!})`;
  else if (t.step === 'open') why = `${limit} is the default of loading a model`;
  else why = `${limit} is the default and no forward pass finished before it${forward ? ` (${forward})` : ''}`;
  return `${why}; a slower model needs a larger limit: ${TIMEOUT_OPTION} <ms>`;
}

/** The reason of a format whose request timed out: the error, that nothing was compared, and how to raise the limit. */
export function timeoutReason(t: Tier4WorkerTimeout, userMs: number | undefined): string {
  const what =
    t.step === 'open'
      ? 'timed out opening the model'
      : t.step === 'run'
        ? `timed out on ${t.sample ?? 'a sample'}: it and the samples after it were not compared (not a parity failure)`
        : 'latency not measured: timed out';
  return `${what}: ${t.message}; ${timeoutAdvice(t, userMs)}`;
}

/**
 * Makes a format whose run timed out say so: `fail` with the timeout as the first reason, and
 * parity and shape null when no sample was compared before it (nothing was judged).
 */
export function applyRunTimeout(entry: Tier4FormatReport, userMs: number | undefined): void {
  const t = entry.timeout;
  if (!t) return;
  if (entry.samples_checked === 0) {
    entry.parity = null;
    entry.shape = null;
  }
  entry.status = 'fail';
  entry.reason = [timeoutReason(t, userMs), entry.reason].filter((r): r is string => r !== null && r !== '').join('; ');
}
