import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { globalSetupPath, poolSetupPath, reporterPath, resolveModelFiles, setupFilePath, tier4 } from '../../src/plugin/index.js';
import type { Tier4RunReport } from '../../src/reporter/index.js';
import { fixtureRoot, readJson, runProject, tempDir } from '../reporter/helpers.js';

describe('tier4() options', () => {
  test('returns a Vite plugin named vitest-tier4 with a configureVitest hook', () => {
    const plugin = tier4();
    expect(plugin.name).toBe('vitest-tier4');
    expect(typeof plugin.configureVitest).toBe('function');
  });

  test.each([
    [null, 'tier4(): option "(options)" expected an object, received null'],
    [{ thresholds: { fp32: -1 } }, 'tier4(): option "thresholds.fp32" expected a finite number >= 0, received -1'],
    // the keys of runTier4's thresholds, checked when the config loads (any key was accepted)
    [{ thresholds: { fp16: 1e-3 } }, 'tier4(): unknown option "thresholds.fp16" (expected one of "fp32", "quantized", "sqnr_db", "cosine", "top1_agreement", "relative_error", "kl_divergence"; did you mean "fp32"?)'],
    [{ thresholds: { cosine: 1.5 } }, 'tier4(): option "thresholds.cosine" expected a number from -1 to 1, received 1.5'],
    [{ reportPath: '' }, 'tier4(): option "reportPath" expected a non-empty file path (string), received ""'],
    [{ testTimeout: 0 }, 'tier4(): option "testTimeout" expected a finite number of ms > 0, or false, received 0'],
    [{ fixtures: { cnn: { model: 42 } } }, 'tier4(): option "fixtures.cnn.model" expected one of "simple_cnn", "lm_stub" or { file, factory }, received 42'],
    // each fixture request is checked by buildFixture's own check, before any build
    [{ fixtures: { cnn: { model: 'simple_cnn', samples: 0 } } }, 'tier4(): option "fixtures.cnn.samples" expected an integer >= 1, received 0'],
    [{ fixtures: { cnn: { model: 'simple_cnn', sample: 2 } } }, 'tier4(): unknown option "fixtures.cnn.sample" (expected one of "model", "formats", "quantization", "samples", "layers", "seed", "opset", "cacheDir", "python", "signal", "timeoutMs", "probeTimeoutMs"; did you mean "samples"?)'],
    // the plugin's reporter object is checked by the reporter's own rules
    [{ reporter: { quiet: 'yes' } }, 'tier4(): option "reporter.quiet" expected true or false, received "yes"'],
    [{ reporter: { outputFile: 'x.json' } }, 'tier4(): unknown option "reporter.outputFile" (expected one of "htmlFile", "quiet", "githubSummary", "failOnStatus")'],
    [{ workerPool: { size: 0 } }, 'tier4(): option "workerPool.size" expected an integer >= 1, received 0'],
    [{ workerPool: { warm: 'yes' } }, 'tier4(): option "workerPool.warm" expected true or false, received "yes"'],
    [{ workerPool: 2 }, 'tier4(): option "workerPool" expected false or an object such as { size: 2, warm: true }, received 2'],
    [{ threshold: { fp32: 1e-4 } }, 'tier4(): unknown option "threshold" (expected one of "thresholds", "reportPath", "fixtures", "reporter", "setup", "testTimeout", "workerPool"; did you mean "thresholds"?)'],
  ])('rejects %j with a TypeError naming the option', (options, message) => {
    expect(() => tier4(options as never)).toThrow(new TypeError(message));
  });

  test('points at files that exist', () => {
    expect(existsSync(reporterPath())).toBe(true);
    expect(existsSync(globalSetupPath())).toBe(true);
    expect(existsSync(poolSetupPath())).toBe(true);
    expect(existsSync(setupFilePath())).toBe(true);
  });
});

describe('tier4() wires the pieces into a real Vitest run', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  test('builds the fixtures in globalSetup, provides them, registers the reporter at reportPath', async () => {
    // the address of the pool this suite's own run shares (vitest.config.ts), restored after the inner run
    const outerPool = process.env.TIER4_WORKER_POOL;
    const { dir, cleanup } = await tempDir('plugin');
    cleanups.push(cleanup);
    const reportPath = join(dir, 'nested', 'tier4.json');
    const plugin = tier4({
      thresholds: { fp32: 1e-3 },
      reportPath,
      fixtures: { cnn: { model: 'simple_cnn', formats: ['onnx'], samples: 2 } },
    });
    const { vitest, stdout, stderr } = await runProject('../../plugin/fixtures/with-fixtures', { setupFiles: [] }, { plugins: [plugin] });

    // the reporter was added once, after the default one, with the plugin's options
    const entries = vitest.config.reporters.filter((r) => Array.isArray(r) && r[0] === reporterPath());
    expect(entries).toHaveLength(1);
    expect((entries[0] as [string, unknown])[1]).toEqual({ outputFile: reportPath, thresholds: { fp32: 1e-3 } });
    expect(vitest.config.globalSetup).toContain(globalSetupPath());
    // the worker pool's globalSetup comes first (its first worker starts while fixtures are checked)
    expect(vitest.config.globalSetup[0]).toBe(poolSetupPath());
    expect(vitest.config.setupFiles).toContain(setupFilePath());
    // the run's pool is closed and its address withdrawn when the run ends
    expect(process.env.TIER4_WORKER_POOL).toBe(outerPool);

    const modules = vitest.state.getTestModules();
    expect(modules.map((m) => m.errors().map((e) => e.message)), stderr).toEqual([[]]);
    const states = modules.flatMap((m) => [...m.children.allTests()].map((t) => [t.name, t.result().state, t.result().errors?.[0]?.message]));
    expect(states).toEqual([
      ['the plugin provides the built fixtures to tests', 'passed', undefined],
      ['the ONNX runner runs a reference sample', 'passed', undefined],
      ['the session is created once per worker', 'passed', undefined],
      ['the raw onnxruntime session is created once per worker and runs a sample', 'passed', undefined],
      ['validate runs runTier4 on the fixture with the plugin thresholds and records the report', 'passed', undefined],
      ['latency times the ONNX runner on a sample and records it for the reporter', 'passed', undefined],
      ['layers compares the fixture per layer; the matcher asserts on the report', 'passed', undefined],
    ]);
    // validate() of a verdict that is not ok (the deliberately tight gate) annotates the test with its numbers and tolerance
    const validateTest = modules.flatMap((m) => [...m.children.allTests()]).find((t) => t.name.startsWith('validate runs runTier4'))!;
    expect(validateTest.annotations().map((a) => [a.type, a.message])).toEqual([
      [
        'tier4',
        expect.stringMatching(
          /^tier4 validate fail \(model simple_cnn, format onnx\): output 'logits': relative error [\d.e-]+, SQNR [\d.]+ dB, .*the scale-free gate needs SQNR >= 200\.0 dB.*; max \|a - r\| [\d.e-]+, mean [\d.e-]+ \(tolerance preset fp32 \(atol 1e-9, rtol 1e-4\)\); worst at \[\d, \d\] of logits in sample_000$/,
        ),
      ],
    ]);
    const report = await readJson<Tier4RunReport>(reportPath);
    expect(report.tests).toEqual({ total: 7, passed: 7, failed: 0, skipped: 0 });
    expect(report.thresholds).toEqual({ fp32: 1e-3 });
    expect(report.status).toBe('ok');
    // runTier4 (validate) ran without latency; the latency fixture's figures fill the format entry
    expect(report.models['simple_cnn']!.formats['onnx']).toMatchObject({ status: 'ok', threshold: 1e-3, latency: { iterations: 5, batch_size: 4 } });
    expect(stdout).toMatch(/\| simple_cnn \| onnx\s+\| ok\s+\|\s+\S+ \| [\d.]+ ± [\d.]+ ms \| ok\s+\|/);
    expect(stdout).toContain(`Tier 4 report written to ${reportPath}`);
  });

  test('reporter: false leaves the reporter out', async () => {
    const { dir, cleanup } = await tempDir('plugin-off');
    cleanups.push(cleanup);
    const reportPath = join(dir, 'tier4.json');
    const plugin = tier4({ reportPath, reporter: false, setup: false });
    const { vitest } = await runProject('../../plugin/fixtures/no-fixtures', { setupFiles: [] }, { plugins: [plugin] });
    expect(vitest.config.reporters.some((r) => Array.isArray(r) && r[0] === reporterPath())).toBe(false);
    expect(vitest.config.setupFiles).not.toContain(setupFilePath());
    expect(existsSync(reportPath)).toBe(false);
  });
});

describe('testTimeout', () => {
  test('raises the 5 s default to 60 s when the config sets none; a config value or false wins', async () => {
    const run = async (plugin: ReturnType<typeof tier4>, test: Record<string, unknown> = {}) =>
      (await runProject('../../plugin/fixtures/no-fixtures', { setupFiles: [] }, { plugins: [plugin], test })).vitest.config.testTimeout;
    const off = { reporter: false, setup: false } as const;
    expect(await run(tier4(off))).toBe(60_000);
    expect(await run(tier4({ ...off, testTimeout: 90_000 }))).toBe(90_000);
    expect(await run(tier4(off), { testTimeout: 1234 })).toBe(1234);
    expect(await run(tier4({ ...off, testTimeout: false }))).toBe(5000);
  });
});

describe('a reporter listed by hand', () => {
  test('is kept once, with the plugin options under the ones given there', async () => {
    const { dir, cleanup } = await tempDir('plugin-cli');
    try {
      const reportPath = join(dir, 'tier4.json');
      const plugin = tier4({ reportPath, thresholds: { fp32: 1e-5 }, setup: false });
      const { vitest } = await runProject(
        '../../plugin/fixtures/no-fixtures',
        { setupFiles: [], reporters: ['default', ['vitest-tier4/reporter', { quiet: true }]] },
        { plugins: [plugin] },
      );
      const entries = vitest.config.reporters.filter((r) => Array.isArray(r) && String(r[0]).includes('vitest-tier4'));
      expect(entries).toEqual([['vitest-tier4/reporter', { outputFile: reportPath, thresholds: { fp32: 1e-5 }, quiet: true }]]);
    } finally {
      await cleanup();
    }
  });
});

describe('fixture requests', () => {
  test('a user model file is resolved against the project root, not the current directory', () => {
    const requests = { mine: { model: { file: 'models/my_model.py', factory: 'make_model' }, samples: 4 }, cnn: { model: 'simple_cnn' } };
    expect(resolveModelFiles(requests, '/repo/app')).toEqual({
      mine: { model: { file: '/repo/app/models/my_model.py', factory: 'make_model' }, samples: 4 },
      cnn: { model: 'simple_cnn' },
    });
    expect(resolveModelFiles({ abs: { model: { file: '/elsewhere/m.py', factory: 'f' } } }, '/repo/app').abs!.model).toEqual({ file: '/elsewhere/m.py', factory: 'f' });
    expect(requests.mine.model.file).toBe('models/my_model.py');
  });

  test('a fixture build that fails stops the run naming the fixture, and the verdict is fail, not a warning', async () => {
    const { dir, cleanup } = await tempDir('plugin-broken');
    try {
      const reportPath = join(dir, 'tier4.json');
      const plugin = tier4({ reportPath, fixtures: { mine: { model: { file: 'models/missing.py', factory: 'make_model' } } } });
      const { stderr, stdout, exitCode } = await runProject('../../plugin/fixtures/no-fixtures', { setupFiles: [] }, { plugins: [plugin] });
      const missing = join(fixtureRoot('../../plugin/fixtures/no-fixtures'), 'models', 'missing.py');
      const printed = stripVTControlCharacters(stderr + stdout);
      expect(printed).toContain(`vitest-tier4: building fixture 'mine'`);
      expect(printed).toContain(missing);
      const report = await readJson<Tier4RunReport>(reportPath);
      expect(report.status).toBe('fail');
      expect(report.reasons[0]).toMatch(/^Vitest reported the run as failed before any test ran \(a failing globalSetup/);
      expect(stdout).toContain('Tier 4 status: FAIL');
      expect(exitCode).toBe(1);
    } finally {
      await cleanup();
    }
  });
});
