/**
 * What the HTML and Markdown reports render: one shape for both sources of a verdict, the reporter's run
 * report (`tier4-report.json`: many models, test counts) and a single Tier 4 dict (`tier4 validate`,
 * `runTier4`). Pure.
 */
import type { Tier4RunReport, Tier4TestCounts } from '../reporter/types.js';
import type { Tier4Report, Tier4Status } from '../tier4/types.js';
import type { Tier4Environment } from './environment.js';

/** The input of the renderers. */
export interface Tier4ReportDocument {
  /** Page title, e.g. `Tier 4 report`. */
  title: string;
  /** Overall verdict. */
  status: Tier4Status;
  /** Why the status is what it is (the run report's reasons, or the dict's warnings). */
  reasons: string[];
  /** One Tier 4 dict per model key. */
  models: Record<string, Tier4Report>;
  /** How the tests ended (run reports only). */
  tests: Tier4TestCounts | null;
  /** When the verdict was produced (ISO 8601), or null. */
  generated_at: string | null;
  /** Versions and machine, or null when unknown. */
  environment: Tier4Environment | null;
  /** What produced the verdict: `vitest` (the reporter) or `tier4 validate` / `runTier4`. */
  source: string;
}

function isRunReport(value: unknown): value is Tier4RunReport {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'vitest-tier4-run';
}

function isTier4Report(value: unknown): value is Tier4Report {
  const v = value as Partial<Tier4Report> | null;
  return typeof v === 'object' && v !== null && typeof v.formats === 'object' && typeof v.model === 'object' && v.model !== null;
}

/** The key a single dict is shown under: its model name, suffixed with its quantization. */
function keyOf(report: Tier4Report): string {
  const name = report.model.name || 'model';
  return report.model.quantization ? `${name}-${report.model.quantization}` : name;
}

/**
 * The document for a run report or a single Tier 4 dict.
 *
 * @param input - a `Tier4RunReport` (kind `vitest-tier4-run`) or a `Tier4Report`.
 * @param extra - what the input does not carry itself (the environment, the time, the source).
 * @throws TypeError when `input` is neither.
 */
export function toReportDocument(
  input: Tier4RunReport | Tier4Report,
  extra: { environment?: Tier4Environment | null; generatedAt?: string; source?: string } = {},
): Tier4ReportDocument {
  if (isRunReport(input)) {
    const own = input.environment;
    return {
      title: 'Tier 4 report',
      status: input.status,
      reasons: [...input.reasons],
      models: input.models,
      tests: input.tests,
      generated_at: input.generated_at,
      environment: extra.environment ?? own ?? null,
      source: extra.source ?? `vitest ${input.vitest_version}${input.merged ? ' (merged shards)' : ''}`,
    };
  }
  if (isTier4Report(input)) {
    return {
      title: `Tier 4 report: ${keyOf(input)}`,
      status: input.status,
      reasons: [...input.warnings],
      models: { [keyOf(input)]: input },
      tests: null,
      generated_at: extra.generatedAt ?? null,
      environment: extra.environment ?? null,
      source: extra.source ?? 'runTier4',
    };
  }
  const got = input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input;
  throw new TypeError(
    `toReportDocument: expected a Tier 4 run report (kind 'vitest-tier4-run') or a Tier 4 dict (formats, model), received ${got}`,
  );
}
