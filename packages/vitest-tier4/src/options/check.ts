/**
 * The one validator of the option objects: runTier4 calls {@link checkRunTier4Options} before
 * anything runs, the tier4() plugin calls {@link checkThresholds} (and buildFixture's own check on
 * its fixture requests) when the config loads, `tier4 validate` and a tiers config build their
 * options with the same rules (cli.ts, config.ts) and then run this check once more through runTier4.
 *
 * `where` is the caller in messages (`runTier4`, `tier4()`, a config file, `''` on a command line),
 * `name` the option as it is spelled there (`thresholds`, `exports[0].thresholds`, `--threshold`).
 */
import { checkKeys, checkOption, optionError, unknownOptionError, type OptionRule } from 'vitest-tier4-fixtures';
import type { QuantizationThresholds } from '../quantization/thresholds.js';
import type { Tier4QuantizationOptions } from '../quantization/step.js';
import type { Tier4GateOptions } from '../tier4/gates.js';
import type { RunTier4Options, Tier4LatencyOptions } from '../tier4/run/options.js';
import type { Tier4ThresholdPreset } from '../tier4/types.js';
import {
  GATE_RULES,
  GATES_EXPECTED,
  LATENCY_EXPECTED,
  LATENCY_RULES,
  OUTPUT_THRESHOLDS_EXPECTED,
  QUANTIZATION_OPTION_RULES,
  QUANTIZATION_OPTIONS_EXPECTED,
  REPORTER_OPTION_RULES,
  RUN_OPTION_RULES,
  THRESHOLD_KEYS,
  THRESHOLD_RULES,
  THRESHOLDS_EXPECTED,
  TOLERANCE,
} from './table.js';

/** The `thresholds` option: presets and quantization metrics in one object. */
export type Tier4Thresholds = Partial<Record<Tier4ThresholdPreset, number>> & QuantizationThresholds;

/**
 * Checks the entries of `value` against `rules` (unknown keys get a did-you-mean); undefined
 * entries are left out, as an option not given.
 *
 * @param separator - between `name` and a key (`.`; a command line's `--threshold fp32` uses a space).
 */
export function checkTable(
  where: string,
  name: string,
  value: unknown,
  rules: Readonly<Record<string, OptionRule>>,
  expected: string,
  separator = '.',
): asserts value is Record<string, unknown> {
  checkKeys(where, name, value, Object.keys(rules), expected, separator);
  for (const [key, v] of Object.entries(value)) {
    if (v !== undefined) checkOption(where, name === '' ? key : `${name}${separator}${key}`, rules[key]!, v);
  }
}

/** Checks a `thresholds` object (`{ fp32: 1e-4, sqnr_db: 20 }`). */
export function checkThresholds(where: string, name: string, value: unknown, separator = '.'): asserts value is Tier4Thresholds {
  checkTable(where, name, value, THRESHOLD_RULES, THRESHOLDS_EXPECTED, separator);
}

/**
 * Checks an `outputThresholds` object; with `outputs`, also that each name is an output of the
 * export (runTier4 knows them once the export dir is open).
 */
export function checkOutputThresholds(where: string, name: string, value: unknown, outputs: readonly string[] | null = null, separator = '.'): asserts value is Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw optionError(where, name, OUTPUT_THRESHOLDS_EXPECTED, value);
  for (const [output, t] of Object.entries(value as Record<string, unknown>)) {
    const at = `${name}${separator}${output}`;
    checkOption(where, at, TOLERANCE, t);
    if (outputs && !outputs.includes(output)) throw optionError(where, at, `the name of an output of the export (${outputs.join(', ')})`, output);
  }
}

/** Checks `latency`: `false` or `{ iterations, warmup, budgetMs, budgetLevel }`. */
export function checkLatency(where: string, name: string, value: unknown): asserts value is false | Tier4LatencyOptions {
  if (value === false) return;
  checkTable(where, name, value, LATENCY_RULES, LATENCY_EXPECTED);
}

/** Checks `gates`: `{ minSpeedup, minSpeedupLevel, maxArtifactBytes, maxArtifactLevel }`. */
export function checkGates(where: string, name: string, value: unknown): asserts value is Tier4GateOptions {
  checkTable(where, name, value, GATE_RULES, GATES_EXPECTED);
}

/** Checks `quantization`: `{ memory, perLayer, verbose, timeoutMs }` (its thresholds are keys of `thresholds`). */
export function checkQuantizationOptions(where: string, name: string, value: unknown): asserts value is Tier4QuantizationOptions {
  if (typeof value === 'object' && value !== null && 'thresholds' in value) {
    const at = `${where === '' ? '' : `${where}: `}unknown option "${name}.thresholds"`;
    throw new TypeError(`${at} (quantization thresholds are keys of the thresholds option, e.g. thresholds: { quantized: 1e-2, sqnr_db: 20 })`);
  }
  checkTable(where, name, value, QUANTIZATION_OPTION_RULES, QUANTIZATION_OPTIONS_EXPECTED);
}

/**
 * Checks the reporter's options (`Tier4Reporter`, and the plugin's `reporter` object): the files,
 * the switches and the thresholds; unknown names are refused.
 *
 * @param name - the options' name in messages (`''` for the reporter's own, `reporter` in the plugin).
 * @param allowed - the option names accepted there (default: all).
 */
export function checkReporterOptions(where: string, name: string, value: unknown, allowed: readonly string[] = [...Object.keys(REPORTER_OPTION_RULES), 'thresholds']): void {
  const expected = 'an object such as { outputFile: "tier4-report.json", quiet: true }';
  const rules: Record<string, OptionRule> = {};
  for (const key of allowed) rules[key] = key === 'thresholds' ? ANY : REPORTER_OPTION_RULES[key as keyof typeof REPORTER_OPTION_RULES];
  if (name === '' && (typeof value !== 'object' || value === null || Array.isArray(value))) throw optionError(where, '(options)', expected, value);
  checkTable(where, name, value, rules, expected);
  if (allowed.includes('thresholds') && value.thresholds !== undefined) checkThresholds(where, name === '' ? 'thresholds' : `${name}.thresholds`, value.thresholds);
}

/** Passes anything (a key checked by its own function after the table). */
const ANY: OptionRule = { expected: 'anything', test: (_v): _v is unknown => true };

/** Every option of runTier4 (tsc refuses a key RunTier4Options lacks and a key it has that is not listed). */
const RUN_TIER4_KEYS: Record<keyof RunTier4Options, true> = {
  exportDir: true,
  formats: true,
  numSamples: true,
  thresholds: true,
  outputThresholds: true,
  gates: true,
  minSqnrDb: true,
  latency: true,
  python: true,
  pool: true,
  timeoutMs: true,
  threads: true,
  trustModelSource: true,
  localise: true,
  allowNonFinite: true,
  json: true,
  signal: true,
  quantization: true,
  log: true,
};

/** Every option name of runTier4, in the order an unknown-option message lists them. */
export const RUN_TIER4_OPTION_NAMES = Object.keys(RUN_TIER4_KEYS) as ReadonlyArray<keyof RunTier4Options>;

function isExportDir(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { dir?: unknown }).dir === 'string' && typeof (v as { metadata?: unknown }).metadata === 'object';
}

/**
 * Checks every option of runTier4 against the tables, before anything runs (a bad option is a
 * TypeError at call time, never a warning in the dict).
 *
 * @param where - the caller in messages (default `runTier4`).
 * @throws TypeError: `runTier4: option "numSamples" expected an integer >= 1, received 0`.
 */
export function checkRunTier4Options(options: unknown, where = 'runTier4'): asserts options is RunTier4Options {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw optionError(where, '(options)', 'an object { exportDir, ... }', options);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(RUN_TIER4_OPTION_NAMES as readonly string[]).includes(key)) throw unknownOptionError(where, key, RUN_TIER4_OPTION_NAMES);
  }
  if (!(typeof o.exportDir === 'string' && o.exportDir.length > 0) && !isExportDir(o.exportDir)) {
    throw optionError(where, 'exportDir', 'the path of an export directory or an ExportDir from openExportDir()', o.exportDir);
  }
  for (const [key, rule] of Object.entries(RUN_OPTION_RULES) as Array<[string, OptionRule]>) {
    if (o[key] !== undefined) checkOption(where, key, rule, o[key]);
  }
  if (o.thresholds !== undefined) checkThresholds(where, 'thresholds', o.thresholds);
  if (o.outputThresholds !== undefined) checkOutputThresholds(where, 'outputThresholds', o.outputThresholds);
  if (o.gates !== undefined) checkGates(where, 'gates', o.gates);
  if (o.latency !== undefined) checkLatency(where, 'latency', o.latency);
  if (o.quantization !== undefined) checkQuantizationOptions(where, 'quantization', o.quantization);
  if (o.pool !== undefined && o.pool !== false && (typeof o.pool !== 'object' || o.pool === null)) {
    throw optionError(where, 'pool', 'false (a private Python worker) or the run\'s worker pool', o.pool);
  }
}

/** The threshold keys, for messages and docs. */
export { THRESHOLD_KEYS };
