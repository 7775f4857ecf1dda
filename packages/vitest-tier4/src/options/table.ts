/**
 * The one definition of every option of runTier4, the tier4() plugin, `tier4 validate`,
 * `tier4 layers` and a tiers config entry: one rule per option (the kinds and the message form are
 * vitest-tier4-fixtures' option rules, which buildFixture's options use too).
 *
 * Each table is typed against the option interface it checks (`satisfies RulesOf<...>`), so an
 * option added to an interface without a rule, or a rule without an option, does not compile.
 * `check.ts` applies the tables to API objects (runTier4, the plugin), `cli.ts` to command-line
 * text, `config.ts` to a tiers config entry; all three throw the same message for the same value:
 *
 * ```text
 * runTier4: option "numSamples" expected an integer >= 1, received 0
 * tier4: option "--samples" expected an integer >= 1, received 0
 * tier4: invalid config /ci/tiers.json: option "exports[1].samples" expected an integer >= 1, received 0
 * ```
 */
import {
  booleanRule,
  integerRule,
  MILLISECONDS,
  nameListRule,
  nonEmptyStringRule,
  numberRule,
  oneOfRule,
  type OptionRule,
} from 'vitest-tier4-fixtures';
import { QUANTIZATION_RULES, type QuantizationMetric } from '../quantization/thresholds.js';
import { registeredFormats } from '../runtimes/registry.js';
import type { Tier4QuantizationOptions } from '../quantization/step.js';
import type { Tier4ReporterOptions } from '../reporter/index.js';
import type { Tier4GateOptions } from '../tier4/gates.js';
import type { RunTier4Options, Tier4LatencyOptions } from '../tier4/run/options.js';
import type { Tier4ThresholdPreset } from '../tier4/types.js';

/** A rule for each key of `T`, checking that key's value type. */
export type RulesOf<T> = { readonly [K in keyof Required<T>]-?: OptionRule<NonNullable<T[K]>> };

/** What a gate or a budget does when it does not hold: `"warn" or "fail"`. */
export const LEVEL = oneOfRule(['warn', 'fail'] as const);

/** A tolerance (an atol): `a finite number >= 0`. */
export const TOLERANCE = numberRule({ min: 0 });

/**
 * The scale-free gate in dB: any number, or -Infinity (`off` on a command line, `"off"` in a tiers
 * config) to turn it off; NaN and +Infinity are refused.
 */
export const MIN_SQNR_DB: OptionRule<number> = {
  expected: 'a number of dB, or -Infinity ("off") to turn the gate off',
  test: (v): v is number => typeof v === 'number' && !Number.isNaN(v) && v !== Infinity,
  fromText: (text) => (text.trim().toLowerCase() === 'off' ? -Infinity : /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : text),
};

/** Every key of the `thresholds` option: the preset thresholds and the quantization metrics. */
export type ThresholdKey = Tier4ThresholdPreset | QuantizationMetric;

function metricRule(metric: QuantizationMetric): OptionRule<number> {
  const [min, max] = QUANTIZATION_RULES[metric].range;
  if (min === -Infinity && max === Infinity) return numberRule();
  return max === Infinity ? numberRule({ min }) : numberRule({ min, max });
}

/**
 * `thresholds`: `fp32` and `quantized` (the preset's atol, docs/tolerances.md#presets) and the
 * quantization metrics with their ranges (`cosine` -1 to 1, `top1_agreement` 0 to 1, ...;
 * quantization/thresholds.ts holds their bounds and units).
 */
export const THRESHOLD_RULES: Readonly<Record<ThresholdKey, OptionRule<number>>> = {
  fp32: TOLERANCE,
  quantized: TOLERANCE,
  sqnr_db: metricRule('sqnr_db'),
  cosine: metricRule('cosine'),
  top1_agreement: metricRule('top1_agreement'),
  relative_error: metricRule('relative_error'),
  kl_divergence: metricRule('kl_divergence'),
};

/** The keys of `thresholds`, in the order messages list them. */
export const THRESHOLD_KEYS = Object.keys(THRESHOLD_RULES) as ThresholdKey[];

/** `thresholds` as a whole, for its not-an-object message. */
export const THRESHOLDS_EXPECTED = 'an object such as { fp32: 1e-4, quantized: 1e-2, sqnr_db: 20 }';

/** `outputThresholds`: output name -> a tolerance. */
export const OUTPUT_THRESHOLDS_EXPECTED = 'an object of output name -> threshold such as { uncertainties: 1e-3 }';

/** A time budget in ms, or null for none (`latency.timeBudgetMs`). */
const TIME_BUDGET: OptionRule<number> = {
  expected: 'a finite number of ms > 0, or null (no time budget)',
  // null passes: it turns the budget off (the rule's type is the option's non-null part, as RulesOf asks)
  test: (v): v is number => v === null || (typeof v === 'number' && Number.isFinite(v) && v > 0),
  fromText: (text) => (text.trim().toLowerCase() === 'null' || text.trim().toLowerCase() === 'off' ? null : /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : text),
};

/** `latency`: measured iterations, warm-up, the time budget and its fewest iterations, the budget on the mean and its level. */
export const LATENCY_RULES = {
  iterations: integerRule(1),
  warmup: integerRule(0),
  timeBudgetMs: TIME_BUDGET,
  minIterations: integerRule(1),
  budgetMs: numberRule({ above: 0, unit: 'ms' }),
  budgetLevel: LEVEL,
} as const satisfies RulesOf<Tier4LatencyOptions>;

/** `latency` as a whole. */
export const LATENCY_EXPECTED = 'false or an object such as { iterations: 100, warmup: 10, timeBudgetMs: 250, minIterations: 10, budgetMs: 20, budgetLevel: "fail" }';

/** `gates`: min speed-up against eager PyTorch, max artifact size, and their levels (tier4/gates.ts). */
export const GATE_RULES = {
  minSpeedup: numberRule({ above: 0 }),
  minSpeedupLevel: LEVEL,
  maxArtifactBytes: numberRule({ above: 0, unit: 'bytes' }),
  maxArtifactLevel: LEVEL,
} as const satisfies RulesOf<Tier4GateOptions>;

/** `gates` as a whole. */
export const GATES_EXPECTED = 'an object such as { minSpeedup: 1.5, minSpeedupLevel: "fail", maxArtifactBytes: 50e6 }';

/** The artifact size gate in MB (10^6 bytes), as `--max-artifact-mb` and a tiers config's `gates.maxArtifactMB` take it. */
export const MAX_ARTIFACT_MB = numberRule({ above: 0, unit: 'MB' });

/** `quantization`: memory measurement, per-layer SQNR, the verbose section, the memory probe's time limit. */
export const QUANTIZATION_OPTION_RULES = {
  memory: booleanRule,
  perLayer: booleanRule,
  verbose: booleanRule,
  timeoutMs: MILLISECONDS,
} as const satisfies RulesOf<Tier4QuantizationOptions>;

/** `quantization` as a whole. */
export const QUANTIZATION_OPTIONS_EXPECTED = 'an object such as { memory: false, perLayer: false }';

/** A list of output names (`allowNonFinite`); may be empty. */
const OUTPUT_NAMES: OptionRule<string[]> = {
  expected: 'an array of output names',
  test: (v): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== ''),
  fromText: (text) => text.split(',').map((s) => s.trim()).filter((s) => s.length > 0),
};

/** The scalar options of runTier4 (the nested ones have their tables above; exportDir, pool and log are checked in check.ts). */
export const RUN_OPTION_RULES = {
  numSamples: integerRule(1),
  /** The formats with a registered runner (runtimes/registry.ts), read when checked. */
  formats: nameListRule('format names', registeredFormats),
  minSqnrDb: MIN_SQNR_DB,
  python: nonEmptyStringRule('a non-empty interpreter path or command name (string)'),
  timeoutMs: MILLISECONDS,
  threads: integerRule(1),
  trustModelSource: booleanRule,
  localise: booleanRule,
  allowNonFinite: OUTPUT_NAMES,
  json: nonEmptyStringRule('a non-empty file path (string)'),
  signal: { expected: 'an AbortSignal', test: (v: unknown): v is AbortSignal => v instanceof AbortSignal },
  log: { expected: 'a function (line: string) => void', test: (v: unknown): v is (line: string) => void => typeof v === 'function' },
} as const satisfies Partial<RulesOf<RunTier4Options>>;

/** A file the reporter writes, or `false` for none. */
const FILE_OR_FALSE: OptionRule<string | false> = {
  expected: 'a non-empty file path (string) or false',
  test: (v): v is string | false => v === false || (typeof v === 'string' && v !== ''),
};

/** The reporter's options (its `thresholds` are runTier4's, checked by checkThresholds). */
export const REPORTER_OPTION_RULES = {
  outputFile: FILE_OR_FALSE,
  htmlFile: FILE_OR_FALSE,
  quiet: booleanRule,
  githubSummary: {
    expected: 'true, false or a non-empty file path (string)',
    test: (v: unknown): v is boolean | string => typeof v === 'boolean' || (typeof v === 'string' && v !== ''),
  },
  failOnStatus: booleanRule,
} as const satisfies RulesOf<Omit<Tier4ReporterOptions, 'thresholds'>>;

/** `tier4 layers`: the tolerance of every layer and the reference sample. */
export const LAYERS_OPTION_RULES = {
  tolerance: TOLERANCE,
  minSqnrDb: MIN_SQNR_DB,
  sample: integerRule(0),
  timeoutMs: MILLISECONDS,
  python: RUN_OPTION_RULES.python,
} as const;
