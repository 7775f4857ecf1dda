/**
 * `tier4 validate --config tiers.json`: every export dir of the config validated in one run, one
 * summary table, one JSON (schema/tier4-tiers-report.schema.json), the exit code of the worst entry.
 */
import { markdownTable } from 'markdown-table';
import { formatValue } from '../parity/format.js';
import { describeGates } from '../tier4/gates.js';
import { ExportDirReadError, runTier4, worseStatus } from '../tier4/run.js';
import type { Tier4Report, Tier4Status } from '../tier4/types.js';
import { writeTier4Report } from '../tier4/write.js';
import { verdictLine } from './table.js';
import type { TiersEntry } from './tiers-config.js';

/** One entry's outcome in the tiers JSON. */
export interface TiersEntryResult {
  /** The entry's `name` (or `dir` as written in the config). */
  name: string;
  /** Absolute export dir. */
  dir: string;
  /** The entry's status; `fail` also when its export dir could not be read. */
  status: Tier4Status;
  /** Exit code this entry alone would give (0 ok/warn, 1 fail, 2 unreadable export dir or bad options). */
  exit_code: number;
  /** Why the entry could not be validated, or null. */
  error: string | null;
  /** The Tier 4 dict, or null when the entry could not be validated. */
  report: Tier4Report | null;
}

/** The JSON `tier4 validate --config` writes. */
export interface TiersReport {
  kind: 'vitest-tier4-tiers';
  version: 1;
  /** Absolute path of the config file. */
  config: string;
  /** The worst entry status. */
  status: Tier4Status;
  /** The exit code of the run: the worst entry's. */
  exit_code: number;
  exports: TiersEntryResult[];
}

/** Hooks of {@link runTiers}. */
export interface RunTiersHooks {
  signal?: AbortSignal;
  log?: (line: string) => void;
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? String(err);

/**
 * Validates every entry in turn (one Python worker at a time: the machine's cores go to the
 * measured model).
 *
 * @param config - absolute path of the config file (recorded in the result).
 * @param entries - from {@link loadTiersConfig}.
 */
export async function runTiers(config: string, entries: readonly TiersEntry[], hooks: RunTiersHooks = {}): Promise<TiersReport> {
  const results: TiersEntryResult[] = [];
  for (const entry of entries) {
    hooks.signal?.throwIfAborted();
    hooks.log?.(`${entry.label}: validating ${entry.dir}`);
    try {
      const report = await runTier4({
        ...entry.options,
        exportDir: entry.dir,
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        ...(hooks.log ? { log: (line: string) => hooks.log!(`${entry.label}: ${line}`) } : {}),
      });
      results.push({ name: entry.label, dir: entry.dir, status: report.status, exit_code: report.status === 'fail' ? 1 : 0, error: null, report });
    } catch (err) {
      if (hooks.signal?.aborted) throw err;
      const usage = err instanceof ExportDirReadError || (err instanceof TypeError && /^runTier4: /.test(err.message));
      if (!usage) throw err;
      const reason = err instanceof ExportDirReadError ? `cannot read export dir: ${firstLine(err)}` : firstLine(err).replace(/^runTier4: /, '');
      results.push({ name: entry.label, dir: entry.dir, status: 'fail', exit_code: 2, error: reason, report: null });
    }
  }
  const status = results.reduce<Tier4Status>((s, r) => worseStatus(s, r.status), 'ok');
  const exitCode = Math.max(0, ...results.map((r) => r.exit_code));
  return { kind: 'vitest-tier4-tiers', version: 1, config, status, exit_code: exitCode, exports: results };
}

const num = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : formatValue(x));
const ms = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x < 1 ? x.toFixed(3) : x.toFixed(2));

/** The one table of a tiers run: a row per (export, format), then a verdict line per export. */
export function renderTiersTable(result: TiersReport): string {
  const rows: string[][] = [['export', 'model', 'format', 'status', 'parity', 'max abs diff', 'threshold', 'latency ms', 'speed-up', 'gates']];
  for (const r of result.exports) {
    if (!r.report) {
      rows.push([r.name, '-', '-', 'FAIL', '-', '-', '-', '-', '-', '-']);
      continue;
    }
    for (const [format, f] of Object.entries(r.report.formats)) {
      rows.push([
        r.name,
        r.report.model.name,
        format,
        f.status.toUpperCase() + (f.skipped ? ' (skipped)' : ''),
        f.parity ?? '-',
        num(f.max_abs_diff),
        formatValue(f.threshold),
        ms(f.latency_ms),
        f.speedup_vs_pytorch === null ? '-' : `${f.speedup_vs_pytorch.toFixed(2)}x`,
        f.gates && f.gates.length > 0 ? describeGates(f.gates) : '-',
      ]);
    }
  }
  const lines = [`Tier 4: ${result.exports.length} export(s) from ${result.config}`, '', markdownTable(rows, { align: ['l', 'l', 'l', 'l', 'l', 'r', 'r', 'r', 'r', 'l'] }), ''];
  for (const r of result.exports) {
    lines.push(r.report ? `  ${r.name}: ${verdictLine(r.report)}` : `  ${r.name}: tier4: FAIL ${r.error ?? 'not validated'}`);
  }
  const count = (s: Tier4Status): number => result.exports.filter((r) => r.status === s).length;
  lines.push(
    '',
    `tier4: ${result.status.toUpperCase()} ${result.exports.length} export(s): ${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail (exit code ${result.exit_code})`,
  );
  return lines.join('\n');
}

/** Writes the tiers JSON (atomically, through the one report writer). */
export async function writeTiersReport(path: string, result: TiersReport): Promise<string> {
  return writeTier4Report(path, result);
}
