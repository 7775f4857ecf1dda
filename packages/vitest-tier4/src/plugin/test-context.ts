/**
 * `vitest-tier4/test`: `test.extend` fixtures over what the `tier4()` plugin built.
 *
 * ```ts
 * import { tier4Test as test } from 'vitest-tier4/test';
 * test('onnx logits have the right shape', async ({ tier4 }) => {
 *   const onnx = await tier4.onnx('cnn');             // session created once per worker
 *   const sample = await (await tier4.exportDir('cnn')).loadSample(0);
 *   const { outputs } = await onnx.run(sample.inputs);
 *   expect(outputs.logits).toHaveShape([sample.batchSize, 10]);
 * });
 * test('per layer', async ({ layers }) => {
 *   expect(await layers('cnn')).toHaveNoLayerDivergence();   // where the ONNX export diverges, if it does
 * });
 * test('Tier 4', async ({ validate, latency }) => {
 *   expect((await validate('cnn')).status).toBe('ok');          // runTier4, recorded for the reporter
 *   expect((await latency('cnn', { budgetMs: 20 })).status).toBe('ok');
 * });
 *
 * const cnnTest = createTier4Test('cnn');              // one fixture, destructured directly
 * cnnTest('...', async ({ exportDir, onnx, session }) => { ... });
 * ```
 *
 * This module imports the `vitest` runtime: use it in test files only (not in config or globalSetup).
 */
import type { InferenceSession } from 'onnxruntime-node';
import { inject, test } from 'vitest';
import { openExportDir, type ExportDir } from 'vitest-tier4-fixtures';
import { compareLayers, type CompareLayersOptions } from '../layers/compare.js';
import type { LayersReport } from '../layers/types.js';
import { checkSampleBatch, measuredBatchSize } from '../runtimes/inputs.js';
import { openOnnxRunner } from '../runtimes/onnx.js';
import { validationWorkers } from '../runtimes/pool/validation-workers.js';
import { sharedPythonWorker } from '../runtimes/python-worker.js';
import type { ModelRunner } from '../runtimes/types.js';
import { recordTier4Report, runTier4, type RunTier4Options, type Tier4Latency, type Tier4Report } from '../tier4/index.js';
import { measureLatency, type MeasureLatencyOptions } from '../latency/index.js';
import { annotateTask, type TaskWithContext } from '../meta/annotate.js';
import { recordTier4 } from '../meta/index.js';
import { checkAnnotation, reportAnnotations, TIER4_ANNOTATION_TYPE } from '../report/annotation.js';
import type { Tier4Record } from '../meta/index.js';
// The matcher types (toMatchParity, toHaveShape, ...) for a test file that imports only
// 'vitest-tier4/test': the tier4() plugin registers the matchers, this brings their types.
import '../matchers/vitest-augment.js';
import '../meta/augment.js';
import type { Tier4ProvidedFixture } from './provided.js';

export type { Tier4ProvidedFixture } from './provided.js';

/** What the worker-scoped `tier4` test fixture offers. */
export interface Tier4TestHelpers {
  /** Every fixture the plugin built, by name. */
  readonly fixtures: Readonly<Record<string, Tier4ProvidedFixture>>;
  /** Default thresholds given to the plugin, or `null`. */
  readonly thresholds: Readonly<Record<string, number>> | null;
  /** The provided record of fixture `name` (paths, formats, sample count). @throws Error naming the known fixtures. */
  info(name: string): Tier4ProvidedFixture;
  /** The opened export dir of fixture `name` (metadata, paths, sample loader); opened once per worker. */
  exportDir(name: string): Promise<ExportDir>;
  /**
   * An ONNX runner for fixture `name`. Its onnxruntime session is created once per worker (the
   * runners' session cache) and shared by every test of the worker.
   * @throws Error when the fixture has no ONNX file (e.g. a dynamically quantized export).
   */
  onnx(name: string): Promise<ModelRunner>;
  /**
   * The raw onnxruntime-node `InferenceSession` of fixture `name`'s ONNX file, for tests that want
   * onnxruntime's own API (`session.run(feeds)` with `ort.Tensor`s, `inputNames`, `outputMetadata`).
   * Created once per worker on first use and released when the worker ends; do not release it yourself.
   * @throws Error when the fixture has no ONNX file.
   */
  session(name: string): Promise<InferenceSession>;
}

/** Creates an onnxruntime-node session (the native binding is loaded on first use only). */
async function createInferenceSession(path: string): Promise<InferenceSession> {
  const ort = await import('onnxruntime-node');
  const { InferenceSession: Session } = ((ort as unknown as { default?: typeof ort }).default ?? ort);
  try {
    return await Session.create(path);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`vitest-tier4: cannot create an onnxruntime session for ${path}: ${message.trim().split('\n')[0]}`, { cause: error });
  }
}

/**
 * The promise cached under `key`, created once by `create`; a rejected promise is forgotten so that
 * a later call tries again (a failure is not cached for the rest of the worker's life).
 */
function memoised<T>(cache: Map<string, Promise<T>>, key: string, create: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = create();
    cache.set(key, value);
    value.catch(() => cache.delete(key));
  }
  return value;
}

function providedFixtures(): Record<string, Tier4ProvidedFixture> {
  const value = inject('tier4Fixtures') as Record<string, Tier4ProvidedFixture> | undefined;
  return value ?? {};
}

/** Builds the helpers over the provided fixtures (memoised per worker by the fixture scope). */
export function createTier4Helpers(
  fixtures: Record<string, Tier4ProvidedFixture> = providedFixtures(),
  thresholds: Record<string, number> | null = (inject('tier4Thresholds') as Record<string, number> | null | undefined) ?? null,
): Tier4TestHelpers & {
  /** Closes every runner and session the helpers opened. */
  close(): Promise<void>;
} {
  const dirs = new Map<string, Promise<ExportDir>>();
  const runners = new Map<string, Promise<ModelRunner>>();
  const sessions = new Map<string, Promise<InferenceSession>>();
  const onnxPath = (name: string): string => {
    const fixture = info(name);
    if (!fixture.paths.onnx) {
      const failed = fixture.formats_failed['onnx'];
      throw new Error(
        `vitest-tier4: fixture '${name}' has no ONNX file (formats written: ${fixture.formats_written.join(', ') || 'none'}` +
          `${failed ? `; ONNX export failed: ${failed.split('\n')[0]}` : ''})`,
      );
    }
    return fixture.paths.onnx;
  };
  const info = (name: string): Tier4ProvidedFixture => {
    const fixture = fixtures[name];
    if (!fixture) {
      const known = Object.keys(fixtures);
      throw new Error(
        `vitest-tier4: no fixture named '${name}'; the tier4() plugin built ${
          known.length ? known.map((k) => `'${k}'`).join(', ') : 'none (add it to the plugin option `fixtures`)'
        }`,
      );
    }
    return fixture;
  };
  return {
    fixtures,
    thresholds,
    info,
    exportDir(name) {
      const fixture = info(name);
      return memoised(dirs, name, () => openExportDir(fixture.dir));
    },
    onnx(name) {
      const path = onnxPath(name);
      return memoised(runners, name, () => openOnnxRunner(path));
    },
    session(name) {
      const path = onnxPath(name);
      return memoised(sessions, name, () => createInferenceSession(path));
    },
    async close() {
      const all = [...runners.values()];
      const raw = [...sessions.values()];
      runners.clear();
      sessions.clear();
      await Promise.all([
        ...all.map(async (r) => (await r.catch(() => undefined))?.close()),
        ...raw.map(async (s) => (await s.catch(() => undefined))?.release()),
      ]);
    },
  };
}

/** Options of {@link Tier4Validate}: `runTier4`'s options without `exportDir` (the fixture gives it). */
export type Tier4ValidateOptions = Omit<RunTier4Options, 'exportDir'>;

/**
 * Runs `runTier4` on fixture `name` with the plugin's `thresholds` (under any `options.thresholds`)
 * and the test's abort signal (a test timeout stops it and its Python worker), with
 * `trustModelSource: true` (the fixture's model is the user's own configuration, so its eager
 * baseline may be rebuilt; docs/trust-model.md), and records the
 * report on the running test for the Tier 4 reporter. Resolves to the report; it
 * does not assert: `expect(report.status).toBe('ok')` (an un-asserted `fail` still fails the run
 * through the reporter's `failOnStatus`).
 */
export type Tier4Validate = (name: string, options?: Tier4ValidateOptions) => Promise<Tier4Report>;

/** Options of {@link Tier4Layers}: `compareLayers`' options without `exportDir` and `worker`. */
export type Tier4LayersOptions = Omit<CompareLayersOptions, 'exportDir' | 'worker'>;

/**
 * Compares fixture `name`'s model.onnx with its eager model layer by layer (`compareLayers`,
 * docs/layers.md) with the test's abort signal and `trustModelSource: true` (the fixture's model is
 * the user's own configuration), in the process's shared Python worker. Resolves to the per-layer
 * report; assert on it with `expect(report).toHaveNoLayerDivergence()`.
 */
export type Tier4Layers = (name: string, options?: Tier4LayersOptions) => Promise<LayersReport>;

/** Options of {@link Tier4MeasureLatency}: `measureLatency`'s options plus which sample to time. */
export interface Tier4LatencyOptions extends MeasureLatencyOptions {
  /** Time the first sample of this batch size (e.g. `4`); default: sample 0 (batch 1 in the built-ins). */
  batchSize?: number;
  /** Or: time this sample index. */
  sample?: number;
}

/** What {@link Tier4MeasureLatency} records on the test (kind `latency`) and resolves to. */
export type Tier4LatencyRecordSummary = Tier4Latency & { status: 'ok' | 'warn' | 'fail'; message: string | null };

/**
 * Times fixture `name`'s ONNX runner (the per-worker session) on one reference sample with
 * `measureLatency`, and records the figures and the budget verdict on the running test (record kind
 * `latency`, labelled with the model and format `onnx`), so the Tier 4 reporter shows the latency and
 * turns an exceeded `warn`-level budget into a `warn` verdict. Resolves to the recorded summary; does
 * not assert (a `fail`-level overrun still fails the verdict).
 */
export type Tier4MeasureLatency = (name: string, options?: Tier4LatencyOptions) => Promise<Tier4LatencyRecordSummary>;

/** The model key the reporter files a fixture under (like runTier4's: name, plus the quantization). */
function modelLabel(fixture: Tier4ProvidedFixture): string {
  return fixture.quantization ? `${fixture.task_name}-${fixture.quantization}` : fixture.task_name;
}

/**
 * `test` extended with a worker-scoped `tier4` fixture ({@link Tier4TestHelpers}): the fixtures the
 * plugin built (via `inject('tier4Fixtures')`), their export dirs, ONNX runners and sessions; and a
 * test-scoped `validate` ({@link Tier4Validate}).
 */
export const tier4Test = test
  // Vitest parses the fixture's first parameter and requires an object pattern (even an empty one).
  // eslint-disable-next-line no-empty-pattern
  .extend('tier4', { scope: 'worker' }, async ({}, { onCleanup }) => {
    const helpers = createTier4Helpers();
    onCleanup(() => helpers.close());
    return helpers as Tier4TestHelpers;
  })
  .extend('validate', async ({ tier4, task, signal }): Promise<Tier4Validate> => {
    return async (name, options = {}) => {
      const fixture = tier4.info(name);
      const thresholds = { ...(tier4.thresholds ?? {}), ...(options.thresholds ?? {}) } as RunTier4Options['thresholds'];
      // the test's signal: a test timeout or a cancelled run stops runTier4 and its Python worker
      // trustModelSource: the plugin's fixtures are the user's own vitest.config (docs/trust-model.md)
      const report = await runTier4({ signal, trustModelSource: true, ...options, exportDir: fixture.dir, thresholds });
      await recordTier4Report(report, task);
      // a verdict that is not ok: its key numbers on the test, for Vitest's UI, JUnit and GitHub Actions
      for (const a of reportAnnotations(report, modelLabel(fixture))) await annotateTask(task as TaskWithContext, a.message, a.type);
      return report;
    };
  })
  .extend('layers', async ({ tier4, signal }): Promise<Tier4Layers> => {
    return async (name, options = {}) => {
      const fixture = tier4.info(name);
      const worker = await sharedPythonWorker(options.python ? { python: options.python } : {});
      return compareLayers({ signal, trustModelSource: true, ...options, exportDir: fixture.dir, worker });
    };
  })
  .extend('latency', async ({ tier4, task, signal }): Promise<Tier4MeasureLatency> => {
    return async (name, options = {}) => {
      const fixture = tier4.info(name);
      const { batchSize, sample: index, ...measure } = options;
      const dir = await tier4.exportDir(name);
      let sampleIndex = index ?? 0;
      if (batchSize !== undefined) {
        const samples = await dir.loadSamples();
        const batches = samples.map((s) => measuredBatchSize(dir.metadata.inputs, s.inputs) ?? s.batchSize);
        sampleIndex = batches.indexOf(batchSize);
        if (sampleIndex === -1) {
          const sizes = [...new Set(batches)].join(', ');
          throw new Error(`vitest-tier4: latency('${name}'): no sample of batch size ${batchSize} (the export has batch sizes ${sizes})`);
        }
      }
      const sample = await dir.loadSample(sampleIndex);
      // the batch its inputs have: a metadata.json that records another is an error, not the reported batch size
      const batch = checkSampleBatch(dir.metadata.inputs, sample);
      const runner = await tier4.onnx(name);
      // a timed phase: exclusive on the run's timing gate, like runTier4's (no other validation runs a model meanwhile)
      const { samples_ms: _samples, ...result } = await validationWorkers({ signal }).gated('exclusive', () =>
        measureLatency(runner, sample.inputs, { signal, ...measure }),
      );
      const summary: Tier4LatencyRecordSummary = {
        ...result,
        sample: sample.id,
        batch_size: batch,
        budget_status: result.budget_ms === null ? null : result.status,
      };
      const record = {
        kind: 'latency',
        pass: summary.status !== 'fail',
        status: summary.status,
        negated: false,
        model: modelLabel(fixture),
        format: 'onnx',
        sample: sample.id,
        summary,
      };
      // `latency` is not (yet) a member of the meta room's Tier4Record union; the reporter reads any kind.
      recordTier4(task, record as unknown as Tier4Record);
      if (summary.status !== 'ok') await annotateTask(task as TaskWithContext, checkAnnotation(record), TIER4_ANNOTATION_TYPE);
      return summary;
    };
  });

/**
 * `tier4Test` further extended for one fixture: `fixture` (its provided record), `exportDir` (the
 * opened export dir), `onnx` (its ONNX runner, session created once per worker) and `session` (the
 * raw onnxruntime-node `InferenceSession`, created once per worker). Fixtures are lazy: `onnx` and
 * `session` are only created for tests that destructure them.
 *
 * @param name - a fixture name from the plugin's `fixtures` option.
 */
export function createTier4Test(name: string) {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`createTier4Test(name): name must be a fixture name from the tier4() plugin options, received ${JSON.stringify(name)}`);
  }
  return tier4Test
    .extend('fixture', { scope: 'worker' }, async ({ tier4 }) => tier4.info(name))
    .extend('exportDir', { scope: 'worker' }, async ({ tier4 }) => tier4.exportDir(name))
    .extend('onnx', { scope: 'worker' }, async ({ tier4 }) => tier4.onnx(name))
    .extend('session', { scope: 'worker' }, async ({ tier4 }) => tier4.session(name));
}
