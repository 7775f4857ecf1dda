/**
 * `vitest-tier4/reporter`: the Tier 4 reporter for Vitest 4.1.
 *
 * Reads what the matchers and `runTier4` recorded in each test's `meta().tier4`, and every test's
 * outcome, and turns them into one Tier 4 verdict for the whole run: a JSON file (one Tier 4 dict
 * per model plus an overall status), a short table in the terminal and, on GitHub Actions, the same
 * table in the job summary. Everything is computed in `onTestRunEnd`, so a `--merge-reports` run
 * (which replays the shards' meta and calls `onTestRunEnd` once) gives the same verdict as one
 * unsharded run. A shard run (`--shard`, or the blob reporter in use) never writes a verdict.
 */
import { checkReporterOptions } from '../options/check.js';
import type { Tier4Thresholds } from '../options/check.js';
import { appendFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Reporter, SerializedError, TestCase, TestModule, TestRunEndReason, Vitest } from 'vitest/node';
import { collectEnvironment } from '../report/environment.js';
import { htmlPathFor, writeTier4Html } from '../report/write.js';
import { profileMark } from '../profile/marks.js';
// the two writers themselves, not tier4/index.js: that one brings runTier4 and its runners (protobufjs,
// ~100 modules) into the main process, which only writes the verdict
import { assertWritableFile } from '../tier4/atomic-file.js';
import { writeTier4Report } from '../tier4/write.js';
import { buildRunReport, type CollectedTest } from './aggregate.js';
import { renderMarkdownSummary, renderTerminalSummary } from './table.js';
import type { Tier4RunReport } from './types.js';

export type { Tier4CheckEntry, Tier4RunReport, Tier4RunStatus, Tier4TestCounts } from './types.js';
export { buildRunReport, mergeTier4Reports, modelKeyOf, worstStatus } from './aggregate.js';
export type { BuildRunReportContext, CollectedTest } from './aggregate.js';
export { renderMarkdownSummary, renderTerminalSummary } from './table.js';

/** Default report file name, resolved against the Vitest root. */
export const DEFAULT_REPORT_FILE = 'tier4-report.json';

/** Options of {@link Tier4Reporter} (all optional). */
export interface Tier4ReporterOptions {
  /**
   * Where to write the run report. Relative paths are resolved against the Vitest root
   * (`config.root`); missing directories are created. `false` writes no file.
   * @default 'tier4-report.json'
   */
  outputFile?: string | false;
  /**
   * Where to write the self-contained HTML report (charts of the error distributions and latencies,
   * see docs/html-report.md). Relative paths are resolved against the Vitest root. `false` writes
   * none. Default: next to `outputFile` with `.html` for `.json` (`tier4-report.html`); none when
   * `outputFile` is `false`.
   */
  htmlFile?: string | false;
  /** Default thresholds in force (e.g. `{ fp32: 1e-4, quantized: 1e-2 }`; runTier4's keys), copied into the report for the record. */
  thresholds?: Tier4Thresholds;
  /** Print nothing (the file and the step summary are still written). @default false */
  quiet?: boolean;
  /**
   * Append the summary as Markdown to this file. `true` uses the `GITHUB_STEP_SUMMARY`
   * environment variable when it is set; `false` never appends.
   * @default true
   */
  githubSummary?: boolean | string;
  /**
   * Set `process.exitCode = 1` when the Tier 4 status is `fail` and Vitest has not already
   * set a failing exit code (e.g. a `runTier4` verdict of `fail` inside a test that did not assert it).
   * @default true
   */
  failOnStatus?: boolean;
}

/** Why a run is only part of the whole (then no verdict is written), or `null` for a final run. */
export function partialRunReason(vitest: Pick<Vitest, 'config'>): string | null {
  const config = vitest.config;
  if (config.mergeReports) return null;
  if (config.shard) return `shard ${config.shard.index}/${config.shard.count}`;
  return usesBlobReporter(vitest) ? 'blob reporter in use' : null;
}

/** Whether Vitest's blob reporter is among this run's reporters. */
export function usesBlobReporter(vitest: Pick<Vitest, 'config'>): boolean {
  return (vitest.config.reporters ?? []).some((entry: unknown) => {
    const name = Array.isArray(entry) ? entry[0] : entry;
    if (name === 'blob') return true;
    return typeof name === 'object' && name !== null && (name as object).constructor?.name === 'BlobReporter';
  });
}

/**
 * The reporter that writes machine-readable output to stdout in this run (`json` or `junit` without
 * an output file, `tap`, `tap-flat`), or `null`. The Tier 4 summary then goes to stderr, so that
 * `vitest run --reporter=json > results.json` stays valid JSON with the plugin installed.
 */
export function stdoutTakenBy(vitest: Pick<Vitest, 'config'>): string | null {
  const config = vitest.config;
  for (const entry of config.reporters ?? []) {
    const name: unknown = Array.isArray(entry) ? entry[0] : entry;
    if (name === 'tap' || name === 'tap-flat') return name;
    if (name !== 'json' && name !== 'junit') continue;
    const own = Array.isArray(entry) ? (entry[1] as { outputFile?: unknown } | undefined)?.outputFile : undefined;
    const shared = typeof config.outputFile === 'string' ? config.outputFile : config.outputFile?.[name];
    if (!own && !shared) return name;
  }
  return null;
}

function testState(testCase: TestCase): CollectedTest['state'] {
  return testCase.result().state;
}

function recordsOf(testCase: TestCase): readonly unknown[] {
  const meta = testCase.meta() as { tier4?: { records?: unknown } };
  const records = meta.tier4?.records;
  return Array.isArray(records) ? records : [];
}

/**
 * The Tier 4 reporter. Register it by name (`reporters: ['default', ['vitest-tier4/reporter', { outputFile: 'out/tier4.json' }]]`)
 * or let the `tier4()` plugin add it.
 */
export default class Tier4Reporter implements Reporter {
  /** The resolved options (defaults applied). */
  readonly options: Required<Omit<Tier4ReporterOptions, 'thresholds'>> & { thresholds: Record<string, number> | null };
  private ctx: Vitest | undefined;
  /** The last report built (also when it was not written); `undefined` before the first run end or in a shard run. */
  lastReport: Tier4RunReport | undefined;
  /** Absolute path of the last file written, if any. */
  lastWrittenPath: string | undefined;
  /** Absolute path of the last HTML report written, if any. */
  lastHtmlPath: string | undefined;

  constructor(options: Tier4ReporterOptions = {}) {
    checkReporterOptions('Tier4Reporter', '', options);
    const outputFile = options.outputFile ?? DEFAULT_REPORT_FILE;
    this.options = {
      outputFile,
      htmlFile: options.htmlFile ?? (outputFile === false ? false : htmlPathFor(outputFile)),
      thresholds: options.thresholds ? ({ ...options.thresholds } as Record<string, number>) : null,
      quiet: options.quiet ?? false,
      githubSummary: options.githubSummary ?? true,
      failOnStatus: options.failOnStatus ?? true,
    };
  }

  /** Keeps the Vitest instance (root, config, logger). */
  onInit(vitest: Vitest): void {
    this.ctx = vitest;
    this.lastReport = undefined;
    this.lastWrittenPath = undefined;
    this.lastHtmlPath = undefined;
  }

  /** The absolute report path for the current root, or `null` when writing is disabled. */
  resolveOutputFile(): string | null {
    if (this.options.outputFile === false) return null;
    const root = this.ctx?.config.root ?? process.cwd();
    return isAbsolute(this.options.outputFile) ? this.options.outputFile : resolve(root, this.options.outputFile);
  }

  /** The absolute HTML report path for the current root, or `null` when it is disabled. */
  resolveHtmlFile(): string | null {
    if (this.options.htmlFile === false) return null;
    const root = this.ctx?.config.root ?? process.cwd();
    return isAbsolute(this.options.htmlFile) ? this.options.htmlFile : resolve(root, this.options.htmlFile);
  }

  /** Builds the verdict from the finished modules and writes/prints it (or defers it in a shard run). */
  async onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): Promise<void> {
    const ctx = this.ctx;
    const root = ctx?.config.root ?? process.cwd();
    const toStderr = ctx ? stdoutTakenBy(ctx) !== null : false;
    const log = (text: string): void => {
      if (this.options.quiet) return;
      if (ctx) {
        if (toStderr) ctx.logger.error(text);
        else ctx.logger.log(text);
      } else console.log(text);
    };
    if (ctx) {
      const partial = partialRunReason(ctx);
      if (partial) {
        const how = usesBlobReporter(ctx)
          ? 'run `vitest run --merge-reports` to get it.'
          : 'to get one, run the shards with `--reporter=blob`, then `vitest run --merge-reports`.';
        log(`\n vitest-tier4: ${partial}: this is part of a sharded run, so no Tier 4 verdict is written here; ${how}\n`);
        return;
      }
    }

    profileMark('report:start');
    const tests: CollectedTest[] = [];
    const failedModules: string[] = [];
    // In watch mode a rerun hands over only the rerun modules; the verdict covers every known one.
    const modules = ctx?.config.watch ? ctx.state.getTestModules() : testModules;
    for (const module of modules) {
      const rel = relative(root, module.moduleId).split(sep).join('/');
      if (module.errors().length > 0) failedModules.push(rel);
      for (const testCase of module.children.allTests()) {
        tests.push({ module: rel, name: testCase.fullName, state: testState(testCase), records: recordsOf(testCase) });
      }
    }
    const report = buildRunReport(tests, {
      unhandledErrors: unhandledErrors.length,
      reason,
      failedModules,
      thresholds: this.options.thresholds,
      merged: Boolean(ctx?.config.mergeReports),
      vitestVersion: ctx?.version ?? 'unknown',
    });
    // where the verdict was produced: in the JSON, and shown by the HTML report
    report.environment = collectEnvironment(ctx?.version ?? null);
    this.lastReport = report;

    const path = this.resolveOutputFile();
    let writeError: Error | undefined;
    let jsonWritten: string | null = null;
    if (path) {
      try {
        // writeTier4Report creates the parent directories itself (one level at a time, naming the path on failure).
        await writeTier4Report(path, report);
        this.lastWrittenPath = path;
        jsonWritten = path;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        writeError = new Error(`vitest-tier4: could not write the Tier 4 report to ${path} (option outputFile / reportPath): ${message}`, { cause: error });
      }
    }
    const htmlPath = this.resolveHtmlFile();
    let htmlWritten: string | null = null;
    if (htmlPath && !writeError) {
      try {
        await writeTier4Html(htmlPath, report);
        this.lastHtmlPath = htmlPath;
        htmlWritten = htmlPath;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        writeError = new Error(`vitest-tier4: could not write the HTML report to ${htmlPath} (option htmlFile): ${message}`, { cause: error });
      }
    }
    profileMark('report:written');
    // The table is printed even when a file could not be written; the error follows it.
    log(renderTerminalSummary(report, jsonWritten, htmlWritten));

    const summaryFile =
      this.options.githubSummary === true
        ? process.env['GITHUB_STEP_SUMMARY']
        : this.options.githubSummary === false
          ? undefined
          : this.options.githubSummary;
    if (summaryFile) {
      try {
        // appended to a regular file only (a FIFO would block forever, a device is not a summary)
        await assertWritableFile(summaryFile, 'the step summary', 'summary.md');
        await appendFile(summaryFile, renderMarkdownSummary(report, jsonWritten, htmlWritten), 'utf8');
      } catch (error) {
        // The verdict is already written; a missing summary must not turn it into a reporter crash.
        const message = error instanceof Error ? error.message : String(error);
        const warn = `vitest-tier4: could not append the summary to ${summaryFile}: ${message}`;
        if (ctx) ctx.logger.warn(warn);
        else console.warn(warn);
      }
    }

    if (this.options.failOnStatus && report.status === 'fail' && !process.exitCode) process.exitCode = 1;
    if (writeError) {
      process.exitCode = 1;
      throw writeError;
    }
  }
}

export { Tier4Reporter };
