/**
 * `vitest-tier4/plugin`: the one line in `vitest.config.ts`.
 *
 * ```ts
 * import { defineConfig } from 'vitest/config';
 * import { tier4 } from 'vitest-tier4/plugin';
 * export default defineConfig({ plugins: [tier4({ fixtures: { cnn: { model: 'simple_cnn' } } })] });
 * ```
 *
 * Through Vitest's `configureVitest` hook it registers, for every project it is used in:
 * the matchers' setup file (`vitest-tier4/setup`), the Tier 4 reporter (`vitest-tier4/reporter`)
 * and, when fixtures are requested, a globalSetup that builds them once per run with
 * `buildFixture` and hands their paths to tests with `provide('tier4Fixtures', ...)`. Its Vite
 * `config` hook sets the default test timeout and lists the packages' built `dist/` folders in
 * `test.server.deps.external` (./externals.ts), so a linked install is loaded by Node, not Vite.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vitest/config';
import type { Vitest } from 'vitest/node';
import {
  booleanRule,
  checkBuildOptions,
  checkOption,
  integerRule,
  MILLISECONDS,
  nonEmptyStringRule,
  optionError,
  unknownOptionError,
  type OptionRule,
} from 'vitest-tier4-fixtures';
import { checkReporterOptions, checkTable, checkThresholds, type Tier4Thresholds } from '../options/check.js';
import type { Tier4ReporterOptions } from '../reporter/index.js';
import { defaultPoolSize } from '../runtimes/pool/size.js';
import { packageExternals } from './externals.js';
import type { Tier4FixtureRequest } from './provided.js';

export type { Tier4FixtureRequest, Tier4ProvidedFixture } from './provided.js';

/** Options of {@link tier4}. */
export interface Tier4PluginOptions {
  /**
   * Default thresholds, e.g. `{ fp32: 1e-4, quantized: 1e-2, sqnr_db: 20 }`: the keys and rules of
   * runTier4's `thresholds` (checked when the config loads, so a typo such as `fp16` is an error
   * here, not a surprise in a test). Provided to tests as `inject('tier4Thresholds')` and
   * `tier4.thresholds`, used by the `validate` test fixture of `vitest-tier4/test` (tests calling
   * `runTier4` themselves pass them on), and written into the report.
   */
  thresholds?: Tier4Thresholds;
  /** Where the reporter writes the run report, relative to the Vitest root. @default 'tier4-report.json' */
  reportPath?: string;
  /**
   * Fixtures to build before the tests (once per run, cached across runs), by the name tests
   * use to ask for them: `{ cnn: { model: 'simple_cnn' }, lmQ: { model: 'lm_stub', quantization: 'dynamic', formats: ['torchscript'] } }`.
   */
  fixtures?: Record<string, Tier4FixtureRequest>;
  /** `false` leaves the reporter out; an object passes more reporter options. @default true */
  reporter?: boolean | Omit<Tier4ReporterOptions, 'outputFile' | 'thresholds'>;
  /** `false` leaves the matchers' setup file out (e.g. when you list `vitest-tier4/setup` yourself). @default true */
  setup?: boolean;
  /**
   * Test timeout in ms used when your config sets no `test.testTimeout`: export tests start Python,
   * load models and time 100 forward passes, which Vitest's 5 s default does not allow for on a
   * busy machine. `false` keeps Vitest's default. A `testTimeout` in your config or on the command
   * line always wins. @default 60_000
   */
  testTimeout?: number | false;
  /**
   * The run's Python worker pool (docs/runtimes.md, "The worker pool"): every validation of the run
   * (the TorchScript runner and eager baseline of each `runTier4` / `validate`) leases one of at most
   * `size` warm Python processes, shared across test files and models and closed at the end, and
   * latency measurements of concurrent validations never overlap. `warm` starts the first worker
   * with the run (default: when fixtures are requested). `false`: every validation starts its own
   * Python worker. @default { size: min(4, CPU count) }
   */
  workerPool?: false | { size?: number; warm?: boolean };
}

/** The test timeout the plugin sets when the config has none. */
export const DEFAULT_TEST_TIMEOUT_MS = 60_000;

/**
 * Absolute path of a sibling built file: the `.js` next to this module in `dist/`, or the `.ts`
 * source when this module itself runs from source (the package's own tests).
 */
function sibling(relativeJs: string): string {
  const js = fileURLToPath(new URL(relativeJs, import.meta.url));
  if (existsSync(js)) return js;
  const ts = js.replace(/\.js$/, '.ts');
  return existsSync(ts) ? ts : js;
}

/** Absolute path of the matchers' setup file the plugin registers. */
export const setupFilePath = (): string => sibling('../setup.js');
/** Absolute path of the reporter module the plugin registers. */
export const reporterPath = (): string => sibling('../reporter/index.js');
/** Absolute path of the globalSetup module that builds the requested fixtures. */
export const globalSetupPath = (): string => sibling('./global-setup.js');
/** Absolute path of the globalSetup module that runs the Python worker pool. */
export const poolSetupPath = (): string => sibling('./pool-setup.js');

function isTier4Reporter(entry: unknown): boolean {
  const name = Array.isArray(entry) ? entry[0] : entry;
  if (typeof name === 'string') {
    const n = name.replace(/\\/g, '/');
    return n === 'vitest-tier4/reporter' || n === reporterPath().replace(/\\/g, '/');
  }
  return typeof name === 'object' && name !== null && (name as object).constructor?.name === 'Tier4Reporter';
}

/** The plugin's own options and their rules (the one option table's kinds; docs/plugin.md). */
const PLUGIN_OPTION_NAMES = ['thresholds', 'reportPath', 'fixtures', 'reporter', 'setup', 'testTimeout', 'workerPool'] as const satisfies ReadonlyArray<keyof Tier4PluginOptions>;
const TEST_TIMEOUT: OptionRule<number | false> = {
  expected: 'a finite number of ms > 0, or false',
  test: (v): v is number | false => v === false || MILLISECONDS.test(v),
};
const WORKER_POOL_RULES = { size: integerRule(1), warm: booleanRule } as const;

/**
 * Checks the options when the config loads, with the rules every other entry point uses:
 * `thresholds` as runTier4's (options/check.ts), each fixture request as buildFixture's own
 * check (its model file is checked when it is built, against the project root).
 */
function validate(options: Tier4PluginOptions): void {
  const where = 'tier4()';
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw optionError(where, '(options)', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!(PLUGIN_OPTION_NAMES as readonly string[]).includes(key)) throw unknownOptionError(where, key, PLUGIN_OPTION_NAMES);
  }
  if (options.thresholds !== undefined) checkThresholds(where, 'thresholds', options.thresholds);
  if (options.testTimeout !== undefined) checkOption(where, 'testTimeout', TEST_TIMEOUT, options.testTimeout);
  const wp = options.workerPool;
  if (wp !== undefined && wp !== false) checkTable(where, 'workerPool', wp, WORKER_POOL_RULES, 'false or an object such as { size: 2, warm: true }');
  if (options.reportPath !== undefined) checkOption(where, 'reportPath', nonEmptyStringRule('a non-empty file path (string)'), options.reportPath);
  if (options.setup !== undefined) checkOption(where, 'setup', booleanRule, options.setup);
  // the reporter's own rules (its outputFile and thresholds are the plugin's reportPath and thresholds)
  if (options.reporter !== undefined && typeof options.reporter !== 'boolean') {
    checkReporterOptions(where, 'reporter', options.reporter, ['htmlFile', 'quiet', 'githubSummary', 'failOnStatus']);
  }
  if (options.fixtures !== undefined) {
    if (typeof options.fixtures !== 'object' || options.fixtures === null || Array.isArray(options.fixtures)) {
      throw optionError(where, 'fixtures', 'an object of { name: { model, ... } }', options.fixtures);
    }
    for (const [name, request] of Object.entries(options.fixtures)) {
      checkBuildOptions(request, where, { prefix: `fixtures.${name}.`, files: false });
    }
  }
}

/**
 * A JSON copy of the fixture requests with each user model's relative `model.file` resolved
 * against the project root, like every other path in `vitest.config.ts` (not against the
 * directory `vitest` happens to be started from).
 */
export function resolveModelFiles(fixtures: Record<string, Tier4FixtureRequest>, root: string): Record<string, Tier4FixtureRequest> {
  const copy = JSON.parse(JSON.stringify(fixtures)) as Record<string, Tier4FixtureRequest>;
  for (const request of Object.values(copy)) {
    if (typeof request.model === 'object' && !isAbsolute(request.model.file)) {
      request.model = { ...request.model, file: resolve(root, request.model.file) };
    }
  }
  return copy;
}

/** Adds the Tier 4 reporter to the run's reporters once (also with several projects). */
function addReporter(vitest: Vitest, options: Tier4PluginOptions): void {
  if (options.reporter === false || vitest.config.mode === 'benchmark') return;
  const reporters = vitest.config.reporters as unknown[];
  const extra = typeof options.reporter === 'object' && options.reporter !== null ? options.reporter : {};
  const reporterOptions: Tier4ReporterOptions = { ...extra };
  if (options.reportPath !== undefined) reporterOptions.outputFile = options.reportPath;
  if (options.thresholds !== undefined) reporterOptions.thresholds = { ...options.thresholds };
  const existing = reporters.findIndex(isTier4Reporter);
  if (existing === -1) {
    reporters.push([reporterPath(), reporterOptions]);
    return;
  }
  // Already listed by hand or on the command line (`--reporter=vitest-tier4/reporter`): keep that
  // entry, with the plugin's options under the ones given there.
  const entry = reporters[existing];
  if (Array.isArray(entry)) {
    reporters[existing] = [entry[0], { ...reporterOptions, ...((entry[1] as Tier4ReporterOptions | undefined) ?? {}) }];
  }
}

/**
 * The vitest-tier4 Vite plugin for Vitest 4.1: registers the matchers, the Tier 4 reporter and
 * the fixture build. See docs/plugin.md for wiring each piece by hand instead.
 *
 * @param options - thresholds, report path, fixtures to build, reporter and setup switches.
 * @throws TypeError naming the option when an option is invalid.
 */
export function tier4(options: Tier4PluginOptions = {}): Plugin {
  validate(options);
  const fixtures = options.fixtures ?? {};
  return {
    name: 'vitest-tier4',
    config(userConfig) {
      // Vite merges these into the user's config: the arrays are concatenated, so the user's own
      // server.deps.external entries stay, and their server.deps.inline still wins (Vitest checks it first)
      const test: { testTimeout?: number; server: { deps: { external: RegExp[] } } } = { server: { deps: { external: packageExternals() } } };
      if (options.testTimeout !== false && userConfig.test?.testTimeout === undefined) test.testTimeout = options.testTimeout ?? DEFAULT_TEST_TIMEOUT_MS;
      return { test };
    },
    configureVitest({ vitest, project }) {
      const config = project.config;
      if (options.setup !== false) {
        const setup = setupFilePath();
        if (!config.setupFiles.includes(setup)) config.setupFiles.push(setup);
      }
      project.provide('tier4Thresholds', options.thresholds ? { ...options.thresholds } : null);
      const hasFixtures = Object.keys(fixtures).length > 0;
      const list = (Array.isArray(config.globalSetup) ? config.globalSetup : [config.globalSetup].filter(Boolean)) as string[];
      if (options.workerPool !== false) {
        const wp = options.workerPool ?? {};
        project.provide('tier4WorkerPool', { size: wp.size ?? defaultPoolSize(), warm: wp.warm ?? hasFixtures });
        // first: the first worker starts while the fixtures are checked and the test files load
        const poolSetup = poolSetupPath();
        if (!list.includes(poolSetup)) list.unshift(poolSetup);
      } else {
        project.provide('tier4WorkerPool', null);
      }
      config.globalSetup = list;
      if (hasFixtures) {
        project.provide('tier4FixtureRequests', resolveModelFiles(fixtures, config.root));
        const globalSetup = globalSetupPath();
        if (!list.includes(globalSetup)) list.push(globalSetup);
      } else {
        project.provide('tier4Fixtures', {});
      }
      addReporter(vitest, options);
    },
  };
}

export default tier4;
