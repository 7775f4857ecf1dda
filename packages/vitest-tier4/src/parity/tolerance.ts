/**
 * Tolerance presets and resolution of every ToleranceSpec form into one ResolvedTolerance.
 */
import type { DType, ErrorStatistic, PresetName, ResolvedTolerance, ToleranceSpec } from './types.js';

/** Definition of a preset. */
export interface PresetDefinition {
  atol: number;
  rtol: number;
  statistic: ErrorStatistic;
  /** Why these numbers (shown in docs/tolerances.md). */
  why: string;
}

/**
 * The built-in presets. The number in a preset map (`{ fp32: 1e-5 }`) replaces the preset's atol; rtol and
 * statistic stay. Integer and boolean tensors always compare exactly under a preset.
 */
export const PRESETS: Readonly<Record<PresetName, Readonly<PresetDefinition>>> = {
  fp32: {
    atol: 1e-4,
    rtol: 1e-4,
    statistic: 'elementwise',
    why: 'fp32 exports differ from eager PyTorch by op fusion and summation order; per-layer sweeps measured worst ~1e-4 absolute, and 1e-4 relative (about 840 float32 ulps) absorbs reordered reductions on large logits',
  },
  fp16: {
    atol: 1e-3,
    rtol: 1e-2,
    statistic: 'elementwise',
    why: 'binary16 has an 11-bit significand (eps 9.8e-4): every layer rounds once, so a whole model against an fp32 reference drifts by ~1e-2 relative',
  },
  bf16: {
    atol: 1e-2,
    rtol: 5e-2,
    statistic: 'elementwise',
    why: 'bfloat16 keeps only 8 significand bits (eps 7.8e-3): a single op already needs 1.6e-2 relative (torch.testing), a model several times that',
  },
  quantized: {
    atol: 1e-2,
    rtol: 0,
    statistic: 'mean',
    why: 'int8 quantization error is spread over every element: the mean |a - r| is the stable measure (a 1-block LM stub: max 0.044, mean 0.008 on logits of range 2.3), the max is still reported',
  },
  exact: {
    atol: 0,
    rtol: 0,
    statistic: 'elementwise',
    why: 'bit-for-bit equal values (NaN still matches NaN); for integer outputs, ids, masks and deterministic kernels',
  },
};

/** Names of the presets. */
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** The default tolerance: the fp32 preset. */
export const DEFAULT_PRESET: PresetName = 'fp32';

function isPresetName(v: unknown): v is PresetName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(PRESETS, v);
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const ax = Math.abs(x);
  if (ax >= 1e-3 && ax < 1e6) return String(x);
  return x.toExponential().replace('e+', 'e');
}

/** Formats a tolerance number compactly (`1e-4`, `0.01`, `0`). */
export function formatTolNumber(x: number): string {
  return fmt(x);
}

function checkNonNegative(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
    throw new TypeError(`tolerance: expected ${name} to be a finite number >= 0, received ${typeof value === 'number' ? String(value) : typeof value}`);
  }
  return value;
}

/** Validates an ErrorStatistic. */
export function checkStatistic(value: unknown, name = 'statistic'): ErrorStatistic {
  if (value === 'elementwise' || value === 'mean') return value;
  if (typeof value === 'object' && value !== null && 'quantile' in value) {
    const q = (value as { quantile: unknown }).quantile;
    if (typeof q === 'number' && q >= 0 && q <= 1) return { quantile: q };
  }
  throw new TypeError(`tolerance: expected ${name} to be 'elementwise', 'mean' or { quantile: q } with 0 <= q <= 1, received ${JSON.stringify(value)}`);
}

/** Validates an allowed mismatch fraction. */
export function checkFraction(value: unknown, name = 'allowedMismatchFraction'): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new TypeError(`tolerance: expected ${name} to be a number in [0, 1], received ${typeof value === 'number' ? String(value) : typeof value}`);
  }
  return value;
}

/** Describes a statistic in words. */
export function describeStatistic(s: ErrorStatistic): string {
  if (s === 'elementwise') return 'elementwise';
  if (s === 'mean') return 'mean';
  return `quantile ${s.quantile}`;
}

function describe(preset: PresetName | null, atol: number, rtol: number, statistic: ErrorStatistic, frac: number): string {
  const parts = [`atol ${fmt(atol)}`, `rtol ${fmt(rtol)}`];
  if (statistic !== 'elementwise') parts.push(`statistic ${describeStatistic(statistic)}`);
  if (frac > 0) parts.push(`allowed mismatch ${fmt(frac * 100)}%`);
  return preset === null ? parts.join(', ') : `preset ${preset} (${parts.join(', ')})`;
}

/**
 * Resolves any ToleranceSpec into a ResolvedTolerance.
 *
 * - `undefined` → preset fp32; a number → `{ atol: n, rtol: 0 }`; a preset name → the preset;
 * - `{ atol, rtol }` → explicit (a missing one is 0), or on top of `preset` when given (a missing one keeps the preset's);
 * - a preset map `{ fp32: 1e-5 }` → the preset with atol replaced.
 *
 * @param spec - The tolerance.
 * @param _dtype - Reserved: the reference dtype (presets are the same for every float dtype today).
 * @throws TypeError naming the offending field.
 */
export function resolveTolerance(spec?: ToleranceSpec | null, _dtype?: DType): ResolvedTolerance {
  if (spec === undefined || spec === null) return fromPreset(DEFAULT_PRESET);
  if (typeof spec === 'number') {
    const atol = checkNonNegative(spec, 'atol');
    return make(null, atol, 0, 'elementwise', 0);
  }
  if (typeof spec === 'string') {
    if (!isPresetName(spec)) {
      throw new TypeError(`tolerance: unknown preset '${spec}' (expected one of ${PRESET_NAMES.join(', ')})`);
    }
    return fromPreset(spec);
  }
  if (typeof spec !== 'object') {
    throw new TypeError(`tolerance: expected a number, a preset name, { atol, rtol } or { <preset>: atol }, received ${typeof spec}`);
  }
  const obj = spec as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  const presetKeys = keys.filter(isPresetName);
  const known = new Set(['atol', 'rtol', 'preset', 'statistic', 'allowedMismatchFraction']);
  const unknown = keys.filter((k) => !known.has(k) && !isPresetName(k));
  if (unknown.length > 0) {
    throw new TypeError(
      `tolerance: unknown key '${unknown[0]}' (expected atol, rtol, preset, statistic, allowedMismatchFraction or a preset name: ${PRESET_NAMES.join(', ')})`,
    );
  }
  if (presetKeys.length > 1) {
    throw new TypeError(`tolerance: a preset map names one preset, received ${presetKeys.join(', ')}`);
  }
  let preset: PresetName | null = null;
  if (presetKeys.length === 1) {
    preset = presetKeys[0] as PresetName;
    if (obj.preset !== undefined) throw new TypeError(`tolerance: give either a preset map { ${preset}: n } or preset: '...', not both`);
  } else if (obj.preset !== undefined) {
    if (!isPresetName(obj.preset)) {
      throw new TypeError(`tolerance: unknown preset '${String(obj.preset)}' (expected one of ${PRESET_NAMES.join(', ')})`);
    }
    preset = obj.preset;
  }
  const base = preset === null ? null : PRESETS[preset];
  let atol = base ? base.atol : 0;
  let rtol = base ? base.rtol : 0;
  if (preset !== null && presetKeys.length === 1) atol = checkNonNegative(obj[preset], preset);
  if (obj.atol !== undefined) atol = checkNonNegative(obj.atol, 'atol');
  if (obj.rtol !== undefined) rtol = checkNonNegative(obj.rtol, 'rtol');
  if (preset === null && obj.atol === undefined && obj.rtol === undefined) {
    throw new TypeError('tolerance: an object tolerance needs atol, rtol, preset or a preset map such as { fp32: 1e-4 }');
  }
  const statistic = obj.statistic !== undefined ? checkStatistic(obj.statistic) : base ? base.statistic : 'elementwise';
  const frac = obj.allowedMismatchFraction !== undefined ? checkFraction(obj.allowedMismatchFraction) : 0;
  return make(preset, atol, rtol, statistic, frac);
}

/**
 * The tolerance of preset `name` with its absolute threshold replaced by `atol` (what the preset map
 * `{ [name]: atol }` means): rtol and statistic stay the preset's. The one meaning of a preset's
 * threshold: `toMatchParity(ref, { fp32: 1e-5 })`, runTier4's `thresholds.fp32`, `tier4 validate
 * --threshold fp32=1e-5` and the reporter all resolve it here, so they print the same description
 * (`preset fp32 (atol 1e-5, rtol 1e-4)`).
 *
 * @param name - The preset.
 * @param atol - Its threshold (default: the preset's atol).
 * @throws TypeError when `name` is not a preset or `atol` is not a finite number >= 0.
 */
export function presetTolerance(name: PresetName, atol?: number): ResolvedTolerance {
  if (!isPresetName(name)) throw new TypeError(`tolerance: unknown preset '${String(name)}' (expected one of ${PRESET_NAMES.join(', ')})`);
  const p = PRESETS[name];
  return make(name, atol === undefined ? p.atol : checkNonNegative(atol, name), p.rtol, p.statistic, 0);
}

function fromPreset(name: PresetName): ResolvedTolerance {
  const p = PRESETS[name];
  return make(name, p.atol, p.rtol, p.statistic, 0);
}

function make(preset: PresetName | null, atol: number, rtol: number, statistic: ErrorStatistic, frac: number): ResolvedTolerance {
  return {
    preset,
    atol,
    rtol,
    statistic: typeof statistic === 'string' ? statistic : { quantile: statistic.quantile },
    allowed_mismatch_fraction: frac,
    exact_integers: preset !== null,
    description: describe(preset, atol, rtol, statistic, frac),
  };
}

/** Returns a copy of `tol` with statistic / allowed fraction overridden (and the description updated). */
export function withOverrides(tol: ResolvedTolerance, statistic?: ErrorStatistic, frac?: number): ResolvedTolerance {
  const s = statistic !== undefined ? checkStatistic(statistic) : tol.statistic;
  const f = frac !== undefined ? checkFraction(frac) : tol.allowed_mismatch_fraction;
  return { ...make(tol.preset, tol.atol, tol.rtol, s, f), exact_integers: tol.exact_integers };
}
