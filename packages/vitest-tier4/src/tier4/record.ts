/**
 * recordTier4Report: puts a Tier 4 dict into the running Vitest test's `task.meta.tier4`, where
 * the vitest-tier4 reporter finds it. Vitest is only imported lazily (and only when no task is
 * given), so code used by the CLI never loads it.
 */
import { recordTier4, type TaskWithMeta } from '../meta/record.js';
import type { Tier4ReportRecord } from '../meta/types.js';
import type { Tier4Report } from './types.js';

/**
 * Records `{ kind: 'tier4', report }` in the current test's `task.meta.tier4.records`.
 *
 * @param report - the dict from {@link runTier4}.
 * @param task - the test to record into (the test context's `task`); default: Vitest's current
 *   test, found through Vitest's `TestRunner.getCurrentTest()`.
 * @returns the record, or `null` when called outside a running Vitest test.
 */
export async function recordTier4Report(
  report: Tier4Report,
  task?: TaskWithMeta | null,
): Promise<Tier4ReportRecord<Tier4Report> | null> {
  if (typeof report !== 'object' || report === null || typeof report.status !== 'string' || typeof report.formats !== 'object') {
    throw new TypeError(`recordTier4Report: expected a Tier 4 report { status, formats, parity_report, warnings, model }, received ${report === null ? 'null' : typeof report}`);
  }
  let target: TaskWithMeta | undefined | null = task;
  if (target === undefined) {
    try {
      // Vitest 4.1+: TestRunner.getCurrentTest() (the `vitest/suite` entry is deprecated)
      const vitest = (await import('vitest')) as { TestRunner?: { getCurrentTest?: () => TaskWithMeta | undefined } };
      target = vitest.TestRunner?.getCurrentTest?.();
    } catch {
      target = undefined; // vitest not installed, or not inside a test
    }
  }
  if (!target) return null;
  return recordTier4(target, { kind: 'tier4', report });
}
