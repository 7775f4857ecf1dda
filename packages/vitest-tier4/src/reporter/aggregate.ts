/**
 * Pure aggregation of what the tests recorded into one {@link Tier4RunReport}.
 * No Vitest, no I/O: the reporter feeds it plain data, so sharded+merged and unsharded runs that
 * recorded the same things give the same result.
 */
import type { Tier4Report } from '../tier4/index.js';
import { applyMatcherRecords, reportFromMatchers, type LabelledMatcherRecord } from './synthesize.js';
import type { Tier4CheckEntry, Tier4RunReport, Tier4RunStatus, Tier4TestCounts } from './types.js';

/** One test case as the reporter saw it at the end of the run. */
export interface CollectedTest {
  /** Module path relative to the Vitest root, `/` separators. */
  module: string;
  /** Full test name (suites joined with ` > `). */
  name: string;
  state: 'passed' | 'failed' | 'skipped' | 'pending';
  /** `testCase.meta().tier4?.records` as found (validated here, never trusted). */
  records: readonly unknown[];
}

/** Inputs of {@link buildRunReport} other than the tests. */
export interface BuildRunReportContext {
  unhandledErrors: number;
  /** Modules that failed outside their tests (import error, failing `beforeAll`), relative paths. */
  failedModules?: readonly string[];
  /** `onTestRunEnd`'s reason. */
  reason: 'passed' | 'failed' | 'interrupted';
  thresholds: Record<string, number> | null;
  merged: boolean;
  vitestVersion: string;
  /** Clock for `generated_at`. */
  now?: Date;
}

const RANK: Record<Tier4RunStatus, number> = { ok: 0, warn: 1, fail: 2 };

/** The worse of two statuses (`fail` > `warn` > `ok`). */
export function worstStatus(a: Tier4RunStatus, b: Tier4RunStatus): Tier4RunStatus {
  return RANK[b] > RANK[a] ? b : a;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asStatus(value: unknown): Tier4RunStatus | null {
  return value === 'ok' || value === 'warn' || value === 'fail' ? value : null;
}

function asString(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * The key a Tier 4 dict is filed under in `models`: the record's explicit `model` label when it
 * has one, else `task_name` from the export's metadata, suffixed with the quantization
 * (`lm_stub-dynamic`) so a quantized export never overwrites its fp32 sibling.
 */
export function modelKeyOf(label: unknown, report: Tier4Report): string {
  const explicit = asString(label);
  if (explicit) return explicit;
  const model: unknown = (report as unknown as { model?: unknown }).model;
  const name = isObject(model) ? (asString(model['name']) ?? asString(model['task_name'])) : null;
  const quantization = isObject(model) ? asString(model['quantization']) : null;
  const base = name ?? 'model';
  return quantization ? `${base}-${quantization}` : base;
}

type Loose = Record<string, unknown>;

/**
 * Merge two Tier 4 dicts of the same model (two tests validated it). Formats are united; a format
 * present in both keeps the worse entry (the first one on a tie), together with its parity
 * report; warnings are united; the status is the worse of both.
 */
export function mergeTier4Reports(first: Tier4Report, second: Tier4Report): Tier4Report {
  const a = first as unknown as Loose;
  const b = second as unknown as Loose;
  const formats: Loose = { ...(isObject(a['formats']) ? a['formats'] : {}) };
  const parity: Loose = { ...(isObject(a['parity_report']) ? a['parity_report'] : {}) };
  const bFormats = isObject(b['formats']) ? b['formats'] : {};
  const bParity = isObject(b['parity_report']) ? b['parity_report'] : {};
  for (const [name, entry] of Object.entries(bFormats)) {
    const existing = formats[name];
    const existingStatus = isObject(existing) ? (asStatus(existing['status']) ?? 'ok') : null;
    const newStatus = isObject(entry) ? (asStatus(entry['status']) ?? 'ok') : 'ok';
    if (existingStatus === null || RANK[newStatus] > RANK[existingStatus]) {
      formats[name] = entry;
      if (name in bParity) parity[name] = bParity[name];
    }
  }
  for (const [name, entry] of Object.entries(bParity)) if (!(name in parity)) parity[name] = entry;
  const warnings = [
    ...new Set([
      ...(Array.isArray(a['warnings']) ? a['warnings'] : []),
      ...(Array.isArray(b['warnings']) ? b['warnings'] : []),
    ]),
  ];
  const status = worstStatus(asStatus(a['status']) ?? 'ok', asStatus(b['status']) ?? 'ok');
  return { ...a, status, formats, parity_report: parity, warnings } as unknown as Tier4Report;
}

function reportFromRecord(record: Record<string, unknown>): Tier4Report | null {
  const report = record['report'];
  if (!isObject(report) || asStatus(report['status']) === null || !isObject(report['formats'])) return null;
  return report as unknown as Tier4Report;
}

/**
 * Build the run report from the collected tests. Order-independent: tests are sorted by module
 * path then by their position, so the file is the same whichever shard ran which module.
 */
export function buildRunReport(tests: readonly CollectedTest[], context: BuildRunReportContext): Tier4RunReport {
  const counts: Tier4TestCounts = { total: 0, passed: 0, failed: 0, skipped: 0 };
  const checks: Tier4CheckEntry[] = [];
  const models: Record<string, Tier4Report> = {};
  const failReasons: string[] = [];
  const warnReasons: string[] = [];
  const labelled = new Map<string, LabelledMatcherRecord[]>();
  const sorted = tests
    .map((test, index) => ({ test, index }))
    .sort((x, y) => (x.test.module < y.test.module ? -1 : x.test.module > y.test.module ? 1 : x.index - y.index))
    .map(({ test }) => test);

  for (const test of sorted) {
    counts.total += 1;
    if (test.state === 'passed') counts.passed += 1;
    else if (test.state === 'failed') counts.failed += 1;
    else counts.skipped += 1;
    const where = `${test.module} > ${test.name}`;
    if (test.state === 'failed') failReasons.push(`test failed: ${where}`);

    for (const raw of test.records) {
      if (!isObject(raw)) continue;
      const kind = asString(raw['kind']);
      if (!kind) continue;
      if (kind === 'tier4') {
        const report = reportFromRecord(raw);
        if (!report) continue;
        const key = modelKeyOf(raw['model'], report);
        models[key] = models[key] ? mergeTier4Reports(models[key], report) : report;
        const status = asStatus((report as unknown as Loose)['status']) ?? 'ok';
        checks.push({ kind, status, model: key, format: null, output: null, sample: null, test: where, test_state: test.state, counted: true });
        continue;
      }
      // A matcher record. Under `.not` the matcher's own verdict is what the test expected, so the
      // test's outcome (already counted) is the truth and the record is informational.
      const negated = raw['negated'] === true || raw['not'] === true;
      const recorded = asStatus(raw['status']) ?? (raw['pass'] === false ? 'fail' : 'ok');
      const status: Tier4RunStatus = negated ? (test.state === 'failed' ? 'fail' : 'ok') : recorded;
      // Only failures that failed their test count: a failing matcher (its failure throws) in a
      // test that passed was expected or caught by it (`expect(() => expect(a).toMatchParity(b)).toThrow()`).
      // A failing record made without an assertion (recordTier4 by hand) still counts.
      const counted = !(status === 'fail' && test.state === 'passed' && raw['asserted'] === true);
      const rawSample = raw['sample'];
      const sample = typeof rawSample === 'string' || typeof rawSample === 'number' ? rawSample : null;
      const model = asString(raw['model']);
      const format = asString(raw['format']);
      const output = asString(raw['output']);
      checks.push({ kind, status, model, format, output, sample, test: where, test_state: test.state, counted });
      if (model && format && !negated && counted) {
        const list = labelled.get(model) ?? [];
        list.push({ kind, status, model, format, output, sample, summary: raw['summary'], test: where });
        labelled.set(model, list);
      }
    }
  }

  for (const [model, records] of labelled) {
    models[model] = models[model] ? applyMatcherRecords(models[model], records) : reportFromMatchers(model, records);
  }

  for (const check of checks) {
    if (!check.counted) continue;
    const label = [check.model, check.format, check.output].filter(Boolean).join('/');
    const what = `${check.kind}${label ? ` ${label}` : ''} (${check.test})`;
    if (check.status === 'fail') failReasons.push(`Tier 4 check failed: ${what}`);
    else if (check.status === 'warn') warnReasons.push(`Tier 4 check warned: ${what}`);
  }
  for (const [key, report] of Object.entries(models)) {
    const loose = report as unknown as Loose;
    const status = asStatus(loose['status']) ?? 'ok';
    const warnings = Array.isArray(loose['warnings']) ? loose['warnings'].filter((w) => typeof w === 'string') : [];
    if (status === 'fail') {
      // which formats failed and why, as a warn line says its warnings
      const formats = isObject(loose['formats']) ? Object.entries(loose['formats'] as Record<string, Loose>) : [];
      const why = formats.filter(([, f]) => f['status'] === 'fail' && typeof f['reason'] === 'string').map(([name, f]) => `${name}: ${String(f['reason'])}`);
      failReasons.push(`model ${key}: Tier 4 status fail${why.length ? ` (${why.join('; ')})` : ''}`);
    }
    if (status === 'warn') {
      warnReasons.push(`model ${key}: Tier 4 status warn${warnings.length ? ` (${warnings.join('; ')})` : ''}`);
    }
  }
  for (const module of [...(context.failedModules ?? [])].sort()) failReasons.push(`test module failed: ${module}`);
  if (context.unhandledErrors > 0) failReasons.push(`${context.unhandledErrors} unhandled error(s) during the run`);
  if (context.reason === 'interrupted') failReasons.push('the test run was interrupted before it finished');
  // Vitest says the run failed but no test, module or error above explains it: the run stopped
  // before its tests (a globalSetup that threw, e.g. a fixture build; no test files found).
  if (context.reason === 'failed' && failReasons.length === 0) {
    failReasons.push(
      counts.total === 0
        ? "Vitest reported the run as failed before any test ran (a failing globalSetup such as a fixture build, or no test files found: see Vitest's error output)"
        : "Vitest reported the run as failed (see Vitest's error output)",
    );
  }
  if (checks.length === 0) warnReasons.push('no Tier 4 check was recorded by any test');

  const status: Tier4RunStatus = failReasons.length > 0 ? 'fail' : warnReasons.length > 0 ? 'warn' : 'ok';
  return {
    kind: 'vitest-tier4-run',
    version: 1,
    status,
    reasons: [...failReasons, ...warnReasons],
    models: Object.fromEntries(Object.keys(models).sort().map((k) => [k, models[k] as Tier4Report])),
    checks,
    tests: counts,
    unhandled_errors: context.unhandledErrors,
    thresholds: context.thresholds,
    merged: context.merged,
    generated_at: (context.now ?? new Date()).toISOString(),
    vitest_version: context.vitestVersion,
  };
}
