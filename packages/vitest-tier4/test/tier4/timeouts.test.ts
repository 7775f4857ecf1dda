/**
 * A timeout is a timeout (issue 8, item 6): its own reason naming the option that raises it, never a
 * parity failure; the default limit scales with one measured forward pass. The real hanging
 * TorchScript (a killed Python worker) is in run.test.ts; here a runner stands in for the worker so
 * that each path is exact and fast.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { openOnnxRunner, registerRunner, type ModelRunner, type RunnerRunOptions } from '../../src/runtimes/index.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, PythonWorkerError } from '../../src/runtimes/python-worker.js';
import { runTier4 } from '../../src/tier4/run.js';
import { isWorkerTimeout, RUN_LIMIT_FACTOR, statedLimitMs, TIME_LIMIT_FACTOR, timeoutAdvice, timeoutStep, WorkerTimeouts } from '../../src/tier4/timeouts.js';
import { cleanupTmp, fixture, schemaValidator } from './helpers.js';

afterAll(cleanupTmp);

const timeoutError = (ms: number, cmd = 'run'): PythonWorkerError =>
  new PythonWorkerError(`Python worker timed out after ${ms} ms on '${cmd}' (/x/model.onnx); the worker was killed`, 'timeout');

describe('limits', () => {
  test('without timeoutMs: the default until a forward pass is measured, then scaled with it and the batch', () => {
    const t = new WorkerTimeouts(undefined);
    expect(t.baseMs).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(t.runOptions('torchscript', 4)).toEqual({});
    // a small model: the default stays
    t.observe('torchscript', 'sample_000', 1, 40);
    expect(t.runOptions('torchscript', 4)).toEqual({ timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS });
    // a long model: 20 s per item on batch 1 -> a batch of 4 may take 10 x 80 s
    t.observe('torchscript', 'sample_003', 1, 20_000);
    expect(t.runOptions('torchscript', 4)).toEqual({ timeoutMs: RUN_LIMIT_FACTOR * 20_000 * 4 });
    // per item: a batch of 4 in 40 s is 10 s per item, slower than none seen so far -> unchanged
    t.observe('torchscript', 'sample_001', 4, 40_000);
    expect(t.runOptions('torchscript', 1)).toEqual({ timeoutMs: RUN_LIMIT_FACTOR * 20_000 });
    // latency: warm-up + iterations forwards in one request
    expect(t.timeOptions('torchscript', 1, 110)).toEqual({ timeoutMs: TIME_LIMIT_FACTOR * 20_000 * 110 });
    // the eager baseline (null) scales with the slowest format; a format not measured keeps the default
    t.observe('onnx', 'sample_000', 1, 5);
    expect(t.timeOptions(null, 1, 110)).toEqual({ timeoutMs: TIME_LIMIT_FACTOR * 20_000 * 110 });
    expect(t.runOptions('pytorch', 1)).toEqual({});
    expect(new WorkerTimeouts(undefined).timeOptions(null, 1, 110)).toEqual({});
    // a fast model's latency request keeps the per-10-forwards default
    const fast = new WorkerTimeouts(undefined);
    fast.observe('torchscript', 'sample_000', 1, 2);
    expect(fast.timeOptions('torchscript', 1, 110)).toEqual({ timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS * 11 });
  });

  test('a timeoutMs the user gave is the limit, as given (never raised)', () => {
    const t = new WorkerTimeouts(1500);
    expect(t.baseMs).toBe(1500);
    t.observe('torchscript', 'sample_000', 1, 20_000);
    expect(t.runOptions('torchscript', 4)).toEqual({});
    expect(t.timeOptions('torchscript', 1, 110)).toEqual({});
  });

  test('what a timeout message says: its limit and its step', () => {
    expect(statedLimitMs("Python worker timed out after 1500 ms on 'run' (m)")).toBe(1500);
    expect(statedLimitMs("worker pool /tmp/s: no answer to 'time' within 65000 ms")).toBe(65000);
    expect(statedLimitMs('something else')).toBeNull();
    expect(timeoutStep(timeoutError(1, 'run'))).toBe('run');
    expect(timeoutStep(timeoutError(1, 'time'))).toBe('latency');
    expect(timeoutStep(timeoutError(1, 'load'))).toBe('open');
    expect(timeoutStep(timeoutError(1, 'hello'))).toBe('open');
    expect(isWorkerTimeout(timeoutError(1))).toBe(true);
    expect(isWorkerTimeout(new PythonWorkerError('x', 'crash'))).toBe(false);
    expect(isWorkerTimeout(new Error('timed out after 1 ms'))).toBe(false);
  });

  test('the advice names the option, the limit and where it came from', () => {
    const t = new WorkerTimeouts(undefined);
    const first = t.record('torchscript', 'run', 'sample_000', timeoutError(60000), 'm');
    expect(timeoutAdvice(first, undefined)).toBe(
      'the 60000 ms limit is the default and no forward pass finished before it; a slower model needs a larger limit: runTier4 timeoutMs, tier4 validate --timeout-ms <ms>',
    );
    t.observe('torchscript', 'sample_000', 1, 9000);
    const scaled = t.record('torchscript', 'run', 'sample_001', timeoutError(360000), 'm');
    expect(scaled).toMatchObject({ step: 'run', sample: 'sample_001', timeout_ms: 360000, forward_ms: 9000, forward_sample: 'sample_000', scaled: true });
    expect(timeoutAdvice(scaled, undefined)).toBe(
      'the 360000 ms limit is the default scaled with the slowest measured forward pass (a forward pass took 9000 ms per batch item (sample_000)); a slower model needs a larger limit: runTier4 timeoutMs, tier4 validate --timeout-ms <ms>',
    );
    const given = new WorkerTimeouts(1500).record('torchscript', 'run', 'sample_000', timeoutError(1500), 'm');
    expect(timeoutAdvice(given, 1500)).toBe('the 1500 ms limit is the timeoutMs given (1500 ms); a slower model needs a larger limit: runTier4 timeoutMs, tier4 validate --timeout-ms <ms>');
    const load = new WorkerTimeouts(undefined).record('torchscript', 'open', 'sample_000', timeoutError(60000, 'load'), 'm');
    expect(load.sample).toBeNull();
    expect(timeoutAdvice(load, undefined)).toMatch(/^the 60000 ms limit is the default of loading a model; /);
  });
});

describe('runTier4: a timeout is its own reason, not a parity failure', () => {
  // the real ONNX runner, except that run request `timeoutOn` (0-based) fails as a worker timeout would
  const calls: Array<RunnerRunOptions | undefined> = [];
  let timeoutOn = 1;
  registerRunner(
    'onnx-times-out',
    async (target, options) => {
      const inner = await openOnnxRunner(target, options);
      const runner: ModelRunner = {
        format: 'onnx-times-out',
        runtime: inner.runtime,
        source: inner.source,
        inputNames: inner.inputNames,
        outputNames: inner.outputNames,
        clock: inner.clock,
        async run(inputs, runOptions) {
          calls.push(runOptions);
          if (calls.length - 1 === timeoutOn) throw timeoutError(runOptions?.timeoutMs ?? options?.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
          return inner.run(inputs);
        },
        close: () => inner.close(),
      };
      return runner;
    },
    { artifact: 'onnx' },
  );

  test('a later sample times out: fail with the timeout first, the compared samples kept, the rest not run', async () => {
    calls.length = 0;
    timeoutOn = 1;
    const fx = await fixture('simple_cnn');
    const report = await runTier4({ exportDir: fx.dir, formats: ['onnx-times-out'], numSamples: 4, latency: false });
    const f = report.formats['onnx-times-out']!;
    // the first run had the default; the second the default scaled with the first (a fast model: the default)
    expect(calls).toEqual([{}, { timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS }]);
    expect(f).toMatchObject({ status: 'fail', parity: 'ok', shape: 'ok', samples_checked: 1 });
    expect(f.timeout).toMatchObject({ step: 'run', sample: 'sample_001', timeout_ms: 60000, forward_sample: 'sample_000', scaled: true, option: 'runTier4 timeoutMs, tier4 validate --timeout-ms' });
    expect(f.timeout!.forward_ms).toBeGreaterThan(0);
    expect(f.reason).toMatch(
      /^timed out on sample_001: it and the samples after it were not compared \(not a parity failure\): Python worker timed out after 60000 ms on 'run' \(\/x\/model\.onnx\); the worker was killed; the 60000 ms limit is the default scaled with the slowest measured forward pass \(a forward pass took [\d.]+ ms per batch item \(sample_000\)\); a slower model needs a larger limit: runTier4 timeoutMs, tier4 validate --timeout-ms <ms>$/,
    );
    expect(Object.keys(report.parity_report['onnx-times-out']!)).toEqual(['sample_000', 'sample_001']);
    expect(report.parity_report['onnx-times-out']!.sample_001!.error).toMatch(/timed out after 60000 ms/);
    expect(report.status).toBe('fail');
    const validate = await schemaValidator();
    expect(validate(JSON.parse(JSON.stringify(report)))).toEqual([]);
  });

  test('the first sample times out: parity and shape are not judged (null), nothing is reported as a difference', async () => {
    calls.length = 0;
    timeoutOn = 0;
    const fx = await fixture('simple_cnn');
    const report = await runTier4({ exportDir: fx.dir, formats: ['onnx-times-out'], numSamples: 3, timeoutMs: 1500, latency: { iterations: 2, warmup: 0 } });
    const f = report.formats['onnx-times-out']!;
    expect(calls).toEqual([{}]);
    expect(f).toMatchObject({ status: 'fail', parity: null, shape: null, samples_checked: 0, max_abs_diff: null, mean_abs_diff: null, worst: null, latency: null });
    expect(f.timeout).toMatchObject({ step: 'run', sample: 'sample_000', timeout_ms: 1500, forward_ms: null, scaled: false });
    expect(f.reason).toBe(
      "timed out on sample_000: it and the samples after it were not compared (not a parity failure): Python worker timed out after 1500 ms on 'run' (/x/model.onnx); the worker was killed; " +
        'the 1500 ms limit is the timeoutMs given (1500 ms); a slower model needs a larger limit: runTier4 timeoutMs, tier4 validate --timeout-ms <ms>',
    );
    expect(f.reason).not.toMatch(/parity failed|max abs diff/);
  });
});
