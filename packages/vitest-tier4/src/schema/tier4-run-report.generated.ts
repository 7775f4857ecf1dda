// Generated from packages/vitest-tier4/schema/tier4-run-report.schema.json by
// scripts/schema-types.mjs (json-schema-to-typescript). Do not edit: change the schema, then run
// `pnpm run schema:types` (`pnpm run check` fails while this file is stale).
import type { Tier4Report } from './tier4-report.generated.js';

/**
 * Overall verdict of a Tier 4 run: `fail` if any Tier 4 check or any test failed; `warn` if a format was skipped, a latency budget exceeded or a warn-level tolerance used; `ok` otherwise.
 */
export type Tier4RunStatus = 'ok' | 'warn' | 'fail';

/**
 * The file the vitest-tier4 reporter writes after a Vitest run (tier4-report.json by default): the verdict of one whole Vitest run, an overall status and one Tier 4 dict per model (each exactly the Tier 4 report that `runTier4` and `tier4 validate` write). See docs/reporter.md.
 */
export interface Tier4RunReport {
  /**
   * Identifies this file kind and its version.
   */
  kind: 'vitest-tier4-run';
  version: 1;
  status: Tier4RunStatus;
  /**
   * Why the status is what it is: one line per reason, fail reasons first; empty when `ok`.
   */
  reasons: string[];
  /**
   * One Tier 4 dict per model key (model name, suffixed with the quantization for quantized exports).
   */
  models: {
    [k: string]: Tier4Report;
  };
  /**
   * Every Tier 4 check the tests recorded, in a stable order (module path, then test order).
   */
  checks: Tier4CheckEntry[];
  tests: Tier4TestCounts;
  /**
   * Errors Vitest reported outside any test (they make the run fail).
   */
  unhandled_errors: number;
  /**
   * Default thresholds configured through the plugin or reporter options (informational).
   */
  thresholds: {
    [k: string]: number;
  } | null;
  /**
   * true when written by a --merge-reports run.
   */
  merged: boolean;
  /**
   * ISO 8601 time (UTC) the file was generated.
   */
  generated_at: string;
  /**
   * Vitest version that ran the tests.
   */
  vitest_version: string;
  environment?: Tier4Environment;
}
/**
 * One Tier 4 check recorded by a matcher or by `runTier4` inside a test, flattened for the report. Tensors never appear here: only the numbers the matcher recorded.
 */
export interface Tier4CheckEntry {
  /**
   * `parity`, `shape`, `dtype`, `finite` (a matcher) or `tier4` (a whole `runTier4` report).
   */
  kind: string;
  status: Tier4RunStatus;
  /**
   * Model key the check was attributed to, or `null` when the check named no model.
   */
  model: string | null;
  format: string | null;
  output: string | null;
  sample: string | number | null;
  /**
   * The test that recorded it: `<module path relative to the root> > <full test name>`.
   */
  test: string;
  /**
   * The test's own outcome.
   */
  test_state: 'passed' | 'failed' | 'skipped' | 'pending';
  /**
   * Whether the check counts toward the verdict. `false` for a matcher check (a record with `asserted: true`) that failed in a test that passed: the test expected or caught the failure (`expect(() => expect(a).toMatchParity(b)).toThrow()`, a `try`/`catch`), so only failures that failed their test count. A failing record made without an assertion (`recordTier4` by hand) counts. `status` still says what the check found.
   */
  counted: boolean;
}
/**
 * How the tests of the run ended (every test case of every module, whether it recorded Tier 4 data or not).
 */
export interface Tier4TestCounts {
  /**
   * Number of test cases seen.
   */
  total: number;
  passed: number;
  failed: number;
  /**
   * Skipped or todo tests.
   */
  skipped: number;
}
/**
 * Where the verdict was produced (Node, the machine, onnxruntime-node, Vitest, vitest-tier4); the HTML report shows it. Absent in files written before vitest-tier4 recorded it. The Python side (torch, onnx) is in each model's dict.
 */
export interface Tier4Environment {
  /**
   * `process.version`, e.g. `v20.20.2`.
   */
  node: string;
  /**
   * Platform, architecture and kernel release, e.g. `linux x64 (6.1.0)`.
   */
  os: string;
  /**
   * CPU model and logical core count, e.g. `AMD EPYC 7B13 × 2`.
   */
  cpu: string;
  /**
   * Total memory in bytes.
   */
  memory_bytes: number;
  /**
   * onnxruntime-node version, or null when it cannot be resolved.
   */
  onnxruntime_node: string | null;
  /**
   * Vitest version, or null outside Vitest.
   */
  vitest: string | null;
  /**
   * vitest-tier4 version.
   */
  vitest_tier4: string | null;
}
