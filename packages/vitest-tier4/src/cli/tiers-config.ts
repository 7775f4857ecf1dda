/**
 * The tiers config of `tier4 validate --config tiers.json`: several export dirs, each with its own
 * thresholds, samples and gates (docs/cli.md, "Several exports: --config").
 *
 * ```json
 * { "exports": [
 *     { "dir": "exports/cnn", "thresholds": { "fp32": 1e-4 }, "samples": 10,
 *       "gates": { "minSpeedup": 1.5, "minSpeedupLevel": "fail", "maxArtifactMB": 50 } },
 *     { "dir": "exports/lm-int8", "name": "lm int8", "latency": { "iterations": 20, "budgetMs": 5 } }
 * ] }
 * ```
 *
 * `dir` is relative to the config file. Options given on the command line apply to every entry
 * that does not set its own: an entry's key replaces the command line's, and inside
 * `thresholds`, `outputThresholds`, `latency` and `gates` key by key. Every key is checked by the
 * rule runTier4's option has (options/table.ts), and every error has the one option message form,
 * with the file as its place: `<file>: option "exports[1].samples" expected an integer >= 1, received 0`.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { checkKeys, checkOption, optionError, type OptionRule } from 'vitest-tier4-fixtures';
import { checkLatency, checkOutputThresholds, checkTable, checkThresholds } from '../options/check.js';
import { GATE_RULES, GATES_EXPECTED, MAX_ARTIFACT_MB, RUN_OPTION_RULES } from '../options/table.js';
import type { Tier4GateOptions } from '../tier4/gates.js';
import type { RunTier4Options } from '../tier4/run.js';

/** One resolved entry of the config. */
export interface TiersEntry {
  /** `name` of the entry, or its `dir` as written. */
  label: string;
  /** Absolute export dir. */
  dir: string;
  /** runTier4 options of this entry, merged with the command line's. */
  options: Omit<RunTier4Options, 'exportDir'>;
}

/** A config file that cannot be used: the message names the file and the key. */
export class TiersConfigError extends Error {
  override readonly name = 'TiersConfigError';
  /**
   * @param file - the config file.
   * @param key - the offending key, e.g. `exports[1].samples` (`(file)` for the file itself).
   * @param message - the whole message, starting with the file.
   */
  constructor(
    readonly file: string,
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The keys of an entry and their rules: runTier4's (options/table.ts), spelled as a config writes
 * them (`samples` for numSamples, `gates.maxArtifactMB` in MB for maxArtifactBytes).
 */
const ENTRY_RULES = {
  samples: RUN_OPTION_RULES.numSamples,
  formats: RUN_OPTION_RULES.formats,
  minSqnrDb: RUN_OPTION_RULES.minSqnrDb,
  threads: RUN_OPTION_RULES.threads,
  timeoutMs: RUN_OPTION_RULES.timeoutMs,
  allowNonFinite: RUN_OPTION_RULES.allowNonFinite,
  trustModelSource: RUN_OPTION_RULES.trustModelSource,
} as const;
const ENTRY_KEYS = ['dir', 'name', 'thresholds', 'outputThresholds', 'latency', 'gates', ...Object.keys(ENTRY_RULES)];
const CONFIG_GATE_RULES = {
  minSpeedup: GATE_RULES.minSpeedup,
  minSpeedupLevel: GATE_RULES.minSpeedupLevel,
  maxArtifactMB: MAX_ARTIFACT_MB,
  maxArtifactLevel: GATE_RULES.maxArtifactLevel,
} as const;

/** Runs a check with the file as `where`, turning its TypeError into a {@link TiersConfigError}. */
function inFile<T>(file: string, key: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof TypeError) throw new TiersConfigError(file, key, err.message);
    throw err;
  }
}

/** The runTier4 options of one entry, checked by the one option table. */
function entryOptions(file: string, raw: Record<string, unknown>, at: string): Omit<RunTier4Options, 'exportDir'> {
  return inFile(file, at, () => {
    const o: Omit<RunTier4Options, 'exportDir'> = {};
    // JSON has no -Infinity: "off" turns the scale-free gate off, as --min-sqnr off does
    const given: Record<string, unknown> = { ...raw, ...(raw.minSqnrDb === 'off' ? { minSqnrDb: -Infinity } : {}) };
    for (const [key, rule] of Object.entries(ENTRY_RULES) as Array<[string, OptionRule]>) {
      if (given[key] !== undefined) checkOption(file, `${at}.${key}`, rule, given[key]);
    }
    if (given.samples !== undefined) o.numSamples = given.samples as number;
    if (given.formats !== undefined) o.formats = [...(given.formats as string[])];
    if (given.minSqnrDb !== undefined) o.minSqnrDb = given.minSqnrDb as number;
    if (given.threads !== undefined) o.threads = given.threads as number;
    if (given.timeoutMs !== undefined) o.timeoutMs = given.timeoutMs as number;
    if (given.allowNonFinite !== undefined) o.allowNonFinite = [...(given.allowNonFinite as string[])];
    if (given.trustModelSource !== undefined) o.trustModelSource = given.trustModelSource as boolean;
    if (raw.thresholds !== undefined) {
      checkThresholds(file, `${at}.thresholds`, raw.thresholds);
      o.thresholds = { ...raw.thresholds };
    }
    if (raw.outputThresholds !== undefined) {
      checkOutputThresholds(file, `${at}.outputThresholds`, raw.outputThresholds);
      o.outputThresholds = { ...raw.outputThresholds };
    }
    if (raw.latency !== undefined) {
      checkLatency(file, `${at}.latency`, raw.latency);
      o.latency = raw.latency === false ? false : { ...raw.latency };
    }
    if (raw.gates !== undefined) {
      checkTable(file, `${at}.gates`, raw.gates, CONFIG_GATE_RULES, GATES_EXPECTED.replace('maxArtifactBytes: 50e6', 'maxArtifactMB: 50'));
      const { maxArtifactMB, ...rest } = raw.gates as Tier4GateOptions & { maxArtifactMB?: number };
      o.gates = { ...rest, ...(maxArtifactMB !== undefined ? { maxArtifactBytes: maxArtifactMB * 1e6 } : {}) };
    }
    return o;
  });
}

/**
 * Merges an entry's options over the command line's: the entry's keys win, key by key inside
 * `thresholds`, `outputThresholds`, `latency` and `gates` (`latency: false` on either side wins
 * over measuring only when the entry sets it, or the command line does and the entry sets nothing).
 */
export function mergeOptions(
  cli: Omit<RunTier4Options, 'exportDir'>,
  entry: Omit<RunTier4Options, 'exportDir'>,
): Omit<RunTier4Options, 'exportDir'> {
  const merged: Omit<RunTier4Options, 'exportDir'> = { ...cli, ...entry };
  if (cli.thresholds || entry.thresholds) merged.thresholds = { ...cli.thresholds, ...entry.thresholds };
  if (cli.outputThresholds || entry.outputThresholds) merged.outputThresholds = { ...cli.outputThresholds, ...entry.outputThresholds };
  if (cli.gates || entry.gates) merged.gates = { ...cli.gates, ...entry.gates };
  if (entry.latency === undefined) {
    if (cli.latency !== undefined) merged.latency = cli.latency;
  } else if (entry.latency !== false && cli.latency !== undefined && cli.latency !== false) {
    merged.latency = { ...cli.latency, ...entry.latency };
  }
  return merged;
}

/**
 * Reads and checks a tiers config and resolves its entries (their dirs relative to the file).
 *
 * @param file - the config file (relative to the cwd).
 * @param cli - options given on the command line (applied where an entry sets none).
 * @throws TiersConfigError naming the file and the key.
 */
export async function loadTiersConfig(file: string, cli: Omit<RunTier4Options, 'exportDir'>): Promise<TiersEntry[]> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TiersConfigError(path, '(file)', `${path}: ${code === 'ENOENT' ? 'expected a JSON file, found none' : `cannot be read (${(err as Error).message})`}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TiersConfigError(path, '(file)', `${path}: expected JSON, received text that does not parse (${(err as Error).message})`);
  }
  const root = inFile(path, '(root)', (): Record<string, unknown> => {
    checkKeys(path, '', json, ['exports'], 'an object { "exports": [...] }');
    return json;
  });
  const list = root.exports;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TiersConfigError(path, 'exports', optionError(path, 'exports', 'a non-empty array of { "dir": "...", ... }', list).message);
  }
  const base = dirname(path);
  const entries: TiersEntry[] = [];
  const labels = new Set<string>();
  for (const [i, item] of (list as unknown[]).entries()) {
    const at = `exports[${i}]`;
    const raw = inFile(path, at, (): Record<string, unknown> => {
      const entry: unknown = item;
      checkKeys(path, at, entry, ENTRY_KEYS, 'an object { "dir": "...", ... }');
      if (typeof entry.dir !== 'string' || entry.dir.length === 0) throw optionError(path, `${at}.dir`, 'the path of an export dir (relative to the config file)', entry.dir);
      if (entry.name !== undefined && (typeof entry.name !== 'string' || entry.name.length === 0)) throw optionError(path, `${at}.name`, 'a non-empty string', entry.name);
      return entry;
    });
    const written = raw.dir as string;
    const dir = resolve(base, written);
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
      throw new TiersConfigError(path, `${at}.dir`, `${optionError(path, `${at}.dir`, 'an export dir', written).message} (${dir} is not a directory)`);
    }
    const label = (raw.name as string | undefined) ?? written;
    if (labels.has(label)) {
      throw new TiersConfigError(path, `${at}.name`, `${optionError(path, `${at}.name`, 'a name no other entry has', label).message} (give the entries distinct "name"s)`);
    }
    labels.add(label);
    entries.push({ label, dir, options: mergeOptions(cli, entryOptions(path, raw, at)) });
  }
  return entries;
}
