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
 * `thresholds`, `outputThresholds`, `latency` and `gates` key by key. Every error names the
 * file, the key (`exports[1].samples`), what was expected and what was received.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { hasRunner, registeredFormats } from '../runtimes/registry.js';
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
   * @param problem - what was expected and what was received.
   */
  constructor(
    readonly file: string,
    readonly key: string,
    problem: string,
  ) {
    super(`${file}: ${key}: ${problem}`);
  }
}

const ENTRY_KEYS = ['dir', 'name', 'thresholds', 'outputThresholds', 'samples', 'formats', 'latency', 'gates', 'trustModelSource'] as const;
const LATENCY_KEYS = ['iterations', 'warmup', 'budgetMs', 'budgetLevel'] as const;
const GATE_KEYS = ['minSpeedup', 'minSpeedupLevel', 'maxArtifactMB', 'maxArtifactLevel'] as const;

function received(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array ${JSON.stringify(v).slice(0, 60)}`;
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 60)}`;
}

class Checker {
  constructor(readonly file: string) {}
  fail(key: string, expected: string, value: unknown): never {
    throw new TiersConfigError(this.file, key, `expected ${expected}, received ${received(value)}`);
  }
  object(v: unknown, key: string, allowed: readonly string[]): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(key, 'an object', v);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) throw new TiersConfigError(this.file, `${key}.${k}`, `unknown key; expected one of ${allowed.join(', ')}`);
    }
    return o;
  }
  int(v: unknown, key: string, min: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) this.fail(key, `an integer >= ${min}`, v);
    return v;
  }
  positive(v: unknown, key: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) this.fail(key, 'a number > 0', v);
    return v;
  }
  nonNegative(v: unknown, key: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) this.fail(key, 'a number >= 0', v);
    return v;
  }
  level(v: unknown, key: string): 'warn' | 'fail' {
    if (v !== 'warn' && v !== 'fail') this.fail(key, "'warn' or 'fail'", v);
    return v;
  }
}

function entryOptions(c: Checker, raw: Record<string, unknown>, at: string): Omit<RunTier4Options, 'exportDir'> {
  const o: Omit<RunTier4Options, 'exportDir'> = {};
  if (raw.samples !== undefined) o.numSamples = c.int(raw.samples, `${at}.samples`, 1);
  if (raw.thresholds !== undefined) {
    const t = c.object(raw.thresholds, `${at}.thresholds`, ['fp32', 'quantized']);
    o.thresholds = {};
    for (const [k, v] of Object.entries(t)) o.thresholds[k as 'fp32' | 'quantized'] = c.nonNegative(v, `${at}.thresholds.${k}`);
  }
  if (raw.outputThresholds !== undefined) {
    const t = raw.outputThresholds;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) c.fail(`${at}.outputThresholds`, 'an object of output name -> threshold', t);
    o.outputThresholds = {};
    for (const [k, v] of Object.entries(t as Record<string, unknown>)) o.outputThresholds[k] = c.nonNegative(v, `${at}.outputThresholds.${k}`);
  }
  if (raw.formats !== undefined) {
    const f = raw.formats;
    if (!Array.isArray(f) || f.length === 0 || f.some((x) => typeof x !== 'string' || x.length === 0)) {
      c.fail(`${at}.formats`, 'a non-empty array of format names like ["onnx", "torchscript"]', f);
    }
    (f as string[]).forEach((name, i) => {
      if (!hasRunner(name)) c.fail(`${at}.formats[${i}]`, `a format with a runner (${registeredFormats().join(', ')})`, name);
    });
    o.formats = [...(f as string[])];
  }
  if (raw.latency !== undefined) {
    if (raw.latency === false) o.latency = false;
    else {
      const l = c.object(raw.latency, `${at}.latency`, LATENCY_KEYS);
      o.latency = {
        ...(l.iterations !== undefined ? { iterations: c.int(l.iterations, `${at}.latency.iterations`, 1) } : {}),
        ...(l.warmup !== undefined ? { warmup: c.int(l.warmup, `${at}.latency.warmup`, 0) } : {}),
        ...(l.budgetMs !== undefined ? { budgetMs: c.positive(l.budgetMs, `${at}.latency.budgetMs`) } : {}),
        ...(l.budgetLevel !== undefined ? { budgetLevel: c.level(l.budgetLevel, `${at}.latency.budgetLevel`) } : {}),
      };
    }
  }
  if (raw.gates !== undefined) {
    const g = c.object(raw.gates, `${at}.gates`, GATE_KEYS);
    const gates: Tier4GateOptions = {};
    if (g.minSpeedup !== undefined) gates.minSpeedup = c.positive(g.minSpeedup, `${at}.gates.minSpeedup`);
    if (g.minSpeedupLevel !== undefined) gates.minSpeedupLevel = c.level(g.minSpeedupLevel, `${at}.gates.minSpeedupLevel`);
    if (g.maxArtifactMB !== undefined) gates.maxArtifactBytes = c.positive(g.maxArtifactMB, `${at}.gates.maxArtifactMB`) * 1e6;
    if (g.maxArtifactLevel !== undefined) gates.maxArtifactLevel = c.level(g.maxArtifactLevel, `${at}.gates.maxArtifactLevel`);
    o.gates = gates;
  }
  if (raw.trustModelSource !== undefined) {
    if (typeof raw.trustModelSource !== 'boolean') c.fail(`${at}.trustModelSource`, 'true or false', raw.trustModelSource);
    o.trustModelSource = raw.trustModelSource;
  }
  return o;
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
    throw new TiersConfigError(path, '(file)', code === 'ENOENT' ? 'expected a JSON file, found none' : `cannot be read (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TiersConfigError(path, '(file)', `expected JSON, received text that does not parse (${(err as Error).message})`);
  }
  const c = new Checker(path);
  const root = c.object(json, '(root)', ['exports']);
  const list = root.exports;
  if (!Array.isArray(list) || list.length === 0) c.fail('exports', 'a non-empty array of { "dir": "...", ... }', list);
  const base = dirname(path);
  const entries: TiersEntry[] = [];
  const labels = new Set<string>();
  for (const [i, item] of (list as unknown[]).entries()) {
    const at = `exports[${i}]`;
    const raw = c.object(item, at, ENTRY_KEYS);
    if (typeof raw.dir !== 'string' || raw.dir.length === 0) c.fail(`${at}.dir`, 'the path of an export dir (relative to the config file)', raw.dir);
    if (raw.name !== undefined && (typeof raw.name !== 'string' || raw.name.length === 0)) c.fail(`${at}.name`, 'a non-empty string', raw.name);
    const written = raw.dir as string;
    const dir = resolve(base, written);
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
      throw new TiersConfigError(path, `${at}.dir`, `expected an export dir, received "${written}" (${dir} is not a directory)`);
    }
    const label = (raw.name as string | undefined) ?? written;
    if (labels.has(label)) throw new TiersConfigError(path, `${at}.name`, `expected a name no other entry has, received "${label}" (give the entries distinct "name"s)`);
    labels.add(label);
    entries.push({ label, dir, options: mergeOptions(cli, entryOptions(c, raw, at)) });
  }
  return entries;
}
