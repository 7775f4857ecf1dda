import { describe, expect, test, vi } from 'vitest';
import { measureLatency } from '../../src/latency/index.js';
import { openOnnxRunner, openTorchScriptRunner, type ModelRunner, type RunnerTimeOptions } from '../../src/runtimes/index.js';
import { fakeRunner } from '../runtimes/fake-runner.js';
import { fixture } from '../tier4/helpers.js';

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function checkStats(l: Awaited<ReturnType<typeof measureLatency>>, iterations: number): void {
  expect(l.iterations).toBe(iterations);
  expect(l.samples_ms).toHaveLength(iterations);
  expect(l.min_ms).toBeGreaterThan(0);
  expect(l.min_ms).toBeLessThanOrEqual(l.p50_ms);
  expect(l.p50_ms).toBeLessThanOrEqual(l.p90_ms);
  expect(l.p90_ms).toBeLessThanOrEqual(l.p99_ms);
  expect(l.p99_ms).toBeLessThanOrEqual(l.max_ms);
  expect(l.ci95_ms[0]).toBeLessThanOrEqual(l.mean_ms);
  expect(l.ci95_ms[1]).toBeGreaterThanOrEqual(l.mean_ms);
}

describe('measureLatency', () => {
  test('ONNX is timed by tinybench in Node around session.run', async () => {
    const fx = await fixture('simple_cnn');
    const runner = await openOnnxRunner(fx);
    const l = await measureLatency(runner, (await fx.loadSample(0)).inputs, { iterations: 7, warmup: 2 });
    checkStats(l, 7);
    expect(l).toMatchObject({ warmup: 2, clock: 'node:tinybench performance.now around InferenceSession.run', status: 'ok', budget_ms: null, message: null });
  });

  test('TorchScript is timed inside the Python worker (the pipe is not measured)', async () => {
    const fx = await fixture('simple_cnn');
    const runner = await openTorchScriptRunner(fx);
    try {
      const l = await measureLatency(runner, (await fx.loadSample(0)).inputs, { iterations: 5, warmup: 1 });
      checkStats(l, 5);
      expect(l.clock).toBe('python:time.perf_counter_ns around forward under torch.inference_mode');
    } finally {
      await runner.close();
    }
  });

  test('defaults: after 10 warm-up, 10 to 100 measured iterations, stopping once they took 250 ms', async () => {
    const fx = await fixture('simple_cnn');
    const runner = await openOnnxRunner(fx);
    const l = await measureLatency(runner, (await fx.loadSample(0)).inputs);
    expect(l).toMatchObject({ warmup: 10, time_budget_ms: 250, min_iterations: 10, max_iterations: 100 });
    expect(l.iterations).toBeGreaterThanOrEqual(10);
    expect(l.iterations).toBeLessThanOrEqual(100);
    // the rule: it stopped at the most, or once the measured time reached the budget
    if (l.iterations < 100) expect(sum(l.samples_ms)).toBeGreaterThanOrEqual(250);
    // a count asked for is the count measured: no time budget then
    const counted = await measureLatency(runner, (await fx.loadSample(0)).inputs, { iterations: 12, warmup: 1 });
    expect(counted).toMatchObject({ iterations: 12, time_budget_ms: null, min_iterations: 12, max_iterations: 12 });
  });

  test('a time budget: at least minIterations, then stop once the measured time reaches it (at most iterations)', async () => {
    // every call takes at least 2 ms (a busy wait on the clock: the outcome does not depend on the machine's speed)
    const fake = fakeRunner({
      run: () => {
        const t0 = performance.now();
        while (performance.now() - t0 < 2) {
          // busy
        }
        return Promise.resolve({ outputs: {} });
      },
    });
    // a budget the minimum already exceeds: exactly minIterations
    const min = await measureLatency(fake, {}, { iterations: 50, warmup: 0, minIterations: 3, timeBudgetMs: 1 });
    expect(min).toMatchObject({ iterations: 3, time_budget_ms: 1, min_iterations: 3, max_iterations: 50 });
    // 20 ms at >= 2 ms a call: stops at 10 iterations or fewer, once the 20 ms are reached
    const budgeted = await measureLatency(fake, {}, { iterations: 50, warmup: 0, minIterations: 3, timeBudgetMs: 20 });
    expect(budgeted.iterations).toBeGreaterThanOrEqual(3);
    expect(budgeted.iterations).toBeLessThanOrEqual(10);
    expect(sum(budgeted.samples_ms)).toBeGreaterThanOrEqual(20);
    // a budget never reached: the most
    const most = await measureLatency(fake, {}, { iterations: 4, warmup: 0, minIterations: 2, timeBudgetMs: 60_000 });
    expect(most.iterations).toBe(4);
    // null: no budget, exactly iterations
    expect((await measureLatency(fake, {}, { iterations: 5, warmup: 0, timeBudgetMs: null })).iterations).toBe(5);
  });

  test('exactly `warmup` discarded runs, then `iterations` measured ones (counted on a fake runner)', async () => {
    const calls: number[] = [];
    let n = 0;
    const fake = fakeRunner({
      run: () => {
        calls.push(++n);
        return Promise.resolve({ outputs: {} });
      },
    });
    const l = await measureLatency(fake, {}, { iterations: 7, warmup: 3 });
    expect(calls).toHaveLength(10);
    expect(l).toMatchObject({ iterations: 7, warmup: 3, clock: 'node:tinybench performance.now around fake.run' });
    expect(l.samples_ms).toHaveLength(7);
    calls.length = 0;
    const l100 = await measureLatency(fake, {}, { timeBudgetMs: null });
    expect(l100.iterations).toBe(100);
    expect(calls).toHaveLength(110); // the default count: 100 measured after 10 warm-up
  });

  test('samples_ms: the time of each measured call, in the order the calls ran, warm-up left out (also across the batches of a time budget)', async () => {
    // a scripted clock: each call of the fake runner moves performance.now() on by its duration, so the
    // samples are exact (tinybench itself sorts the samples it retains)
    let clock = 1000;
    const durations = [50, 60, 4, 1, 3, 2, 5];
    let k = 0;
    const fake = fakeRunner({
      run: () => {
        clock += durations[k++ % durations.length]!;
        return Promise.resolve({ outputs: {} });
      },
    });
    const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    try {
      const counted = await measureLatency(fake, {}, { iterations: 5, warmup: 2 });
      expect(counted.samples_ms).toEqual([4, 1, 3, 2, 5]);
      expect(counted).toMatchObject({ mean_ms: 3, min_ms: 1, max_ms: 5, p50_ms: 3, iterations: 5 });
      // a budget of 10 ms: a first batch of minIterations (4 + 1 = 5 ms), then as many as the mean
      // (2.5 ms) says fit in the 5 ms left (3 + 2): the stop at 10 ms, samples in run order
      k = 0;
      const budgeted = await measureLatency(fake, {}, { iterations: 50, warmup: 2, minIterations: 2, timeBudgetMs: 10 });
      expect(budgeted.samples_ms).toEqual([4, 1, 3, 2]);
    } finally {
      now.mockRestore();
    }
  });

  test("a runner's prepare(inputs) converts once and its call is what is timed, not run()", async () => {
    let prepared = 0;
    let calls = 0;
    const fake = fakeRunner({
      clock: 'node:tinybench performance.now around fake',
      run: () => Promise.reject(new Error('run() must not be timed when prepare() exists')),
      prepare: () => {
        prepared++;
        return () => {
          calls++;
          return Promise.resolve(null);
        };
      },
    });
    const l = await measureLatency(fake, {}, { iterations: 5, warmup: 2 });
    expect(l.samples_ms).toHaveLength(5);
    expect([prepared, calls]).toEqual([1, 7]);
  });

  test('the ONNX runner prepares feeds once: its prepared call returns what session.run returns for the inputs', async () => {
    const fx = await fixture('simple_cnn');
    const runner = await openOnnxRunner(fx);
    const sample = await fx.loadSample(1);
    const results = (await runner.prepare!(sample.inputs)()) as Record<string, { dims: readonly number[]; data: Float32Array }>;
    const { outputs } = await runner.run(sample.inputs);
    const name = runner.outputNames[0]!;
    expect([...results[name]!.dims]).toEqual(outputs[name]!.shape);
    expect(results[name]!.data).toEqual(outputs[name]!.data);
    expect(() => runner.prepare!({})).toThrow(/model inputs are \[.*\], received \[\]; missing/);
  });

  test('a runner that times itself gets iterations and warmup, and its clock is reported', async () => {
    const asked: RunnerTimeOptions[] = [];
    const timed = fakeRunner({
      format: 'remote',
      clock: 'unused',
      run: () => Promise.reject(new Error('run must not be called when time() exists')),
      time: (_inputs, options) => {
        asked.push(options);
        return Promise.resolve({ samplesMs: Array.from({ length: options.iterations }, (_, i) => 1 + i), clock: 'remote:clock' });
      },
    });
    const l = await measureLatency(timed, {}, { iterations: 4, warmup: 2 });
    expect(asked).toEqual([{ iterations: 4, warmup: 2 }]);
    // the default rule goes to the runner, which applies it where it times (the Python worker: per iteration)
    await measureLatency(timed, {});
    expect(asked[1]).toEqual({ iterations: 100, warmup: 10, minIterations: 10, timeBudgetMs: 250 });
    expect(l).toMatchObject({ clock: 'remote:clock', mean_ms: 2.5, min_ms: 1, max_ms: 4, p50_ms: 2.5, iterations: 4, samples_ms: [1, 2, 3, 4] });
    const short: ModelRunner = { ...timed, time: () => Promise.resolve({ samplesMs: [1], clock: 'remote:clock' }) };
    await expect(measureLatency(short, {}, { iterations: 4, warmup: 0 })).rejects.toThrow('measureLatency(remote): runner returned 1 timings, expected 4');
    await expect(measureLatency(short, {})).rejects.toThrow('measureLatency(remote): runner returned 1 timings, expected 10 to 100');
  });

  test('a budget turns an overrun into warn, or fail when asked', async () => {
    const fx = await fixture('simple_cnn');
    const runner = await openOnnxRunner(fx);
    const inputs = (await fx.loadSample(0)).inputs;
    const warn = await measureLatency(runner, inputs, { iterations: 3, warmup: 0, budgetMs: 1e-9 });
    expect(warn.status).toBe('warn');
    expect(warn.message).toMatch(/^onnx mean latency [\d.]+ ms exceeds the budget of 1e-9 ms$/);
    const fail = await measureLatency(runner, inputs, { iterations: 3, warmup: 0, budgetMs: 1e-9, budgetLevel: 'fail' });
    expect(fail.status).toBe('fail');
    const ok = await measureLatency(runner, inputs, { iterations: 3, warmup: 0, budgetMs: 60_000, budgetLevel: 'fail' });
    expect(ok).toMatchObject({ status: 'ok', budget_ms: 60_000, budget_level: 'fail' });
  });

  test('a failing run is an error with the runner message (tinybench state checked)', async () => {
    const fx = await fixture('simple_cnn');
    const runner = await openOnnxRunner(fx, { cache: false });
    await runner.close();
    await expect(measureLatency(runner, (await fx.loadSample(0)).inputs, { iterations: 3, warmup: 0 })).rejects.toThrow(
      /^measureLatency\(onnx\): run failed: ONNX runner for .* is closed$/,
    );
  });

  test('invalid options are TypeErrors naming the option', async () => {
    const fx = await fixture('simple_cnn');
    const runner = await openOnnxRunner(fx);
    const inputs = (await fx.loadSample(0)).inputs;
    await expect(measureLatency(runner, inputs, { iterations: 0 })).rejects.toThrow('measureLatency: option "iterations" expected an integer >= 1, received 0');
    await expect(measureLatency(runner, inputs, { warmup: -1 })).rejects.toThrow('measureLatency: option "warmup" expected an integer >= 0, received -1');
    await expect(measureLatency(runner, inputs, { budgetMs: -5 })).rejects.toThrow('measureLatency: option "budgetMs" expected a finite number of ms > 0, received -5');
    await expect(measureLatency(runner, inputs, { budgetLevel: 'error' as 'warn' })).rejects.toThrow('measureLatency: option "budgetLevel" expected "warn" or "fail", received "error"');
    await expect(measureLatency(runner, inputs, { timeBudgetMs: 0 })).rejects.toThrow('measureLatency: option "timeBudgetMs" expected a finite number of ms > 0, or null (no time budget), received 0');
    await expect(measureLatency(runner, inputs, { minIterations: 0 })).rejects.toThrow('measureLatency: option "minIterations" expected an integer >= 1, received 0');
    await expect(measureLatency(runner, inputs, { iterations: 5, minIterations: 6, timeBudgetMs: 100 })).rejects.toThrow('measureLatency: option "minIterations" expected an integer <= iterations (5), received 6');
  });
});
