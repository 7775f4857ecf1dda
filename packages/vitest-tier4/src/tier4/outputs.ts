/**
 * Per-output thresholds and the per-output summary of a format: a model with several outputs
 * (`positions` and `uncertainties`) is judged output by output, each against its own threshold
 * when one is given (`outputThresholds`), the preset's otherwise.
 *
 * Pure: no I/O.
 */
import { describeStatistic, PRESETS, presetTolerance, resolveTolerance } from '../parity/tolerance.js';
import type { ParityResult } from '../parity/types.js';
import type { Tier4OutputSummary, Tier4Status, Tier4ThresholdPreset } from './types.js';

/**
 * The tolerance runTier4 judges with: the parity core's preset (docs/tolerances.md#presets) with its
 * atol replaced by the threshold, as `toMatchParity(ref, { fp32: threshold })` judges.
 */
export interface ThresholdTolerance {
  preset: Tier4ThresholdPreset;
  atol: number;
  rtol: number;
}

/** Default thresholds of runTier4: each preset's atol (fp32 1e-4 per element, quantized 1e-2 on the mean). */
export const DEFAULT_TIER4_THRESHOLDS: Readonly<Record<Tier4ThresholdPreset, number>> = {
  fp32: PRESETS.fp32.atol,
  quantized: PRESETS.quantized.atol,
};

/**
 * The tolerance of a format judged under `preset` with threshold `atol`: the preset's rtol, what
 * `{ [preset]: atol }` means to the matchers.
 */
export function thresholdTolerance(preset: Tier4ThresholdPreset, atol: number): ThresholdTolerance {
  const t = presetTolerance(preset, atol);
  return { preset, atol: t.atol, rtol: t.rtol };
}

/**
 * The description a format's tolerance is printed with, from its report fields: the same text as
 * the matchers' `Tolerance:` line and the reasons (`preset fp32 (atol 1e-4, rtol 1e-4)`).
 */
export function describeFormatTolerance(f: { threshold_preset: Tier4ThresholdPreset; threshold: number; threshold_rtol: number }): string {
  return resolveTolerance({ preset: f.threshold_preset, atol: f.threshold, rtol: f.threshold_rtol }).description;
}

/** What the threshold of `preset` bounds: `elementwise` (fp32) or `mean` (quantized). */
export function thresholdStatistic(preset: Tier4ThresholdPreset): string {
  return describeStatistic(PRESETS[preset].statistic);
}

const RANK: Record<Tier4Status, number> = { ok: 0, warn: 1, fail: 2 };

/** The tolerance of output `name`: the preset's, with `atol` replaced by the output's own threshold when given. */
export function toleranceFor(name: string, base: ThresholdTolerance, outputThresholds: Readonly<Record<string, number>> | undefined): ThresholdTolerance {
  const own = outputThresholds?.[name];
  return own === undefined ? base : { ...base, atol: own };
}

/** Accumulates one format's parity results output by output. */
export class OutputTally {
  private readonly byName = new Map<string, { status: Tier4Status; threshold: number; max: number; absSum: number; numel: number; failed: Set<string>; worst: string | null }>();

  /**
   * @param name - the output.
   * @param sample - the sample id.
   * @param p - its parity result.
   * @param threshold - the threshold it was judged against.
   */
  add(name: string, sample: string, p: ParityResult, threshold: number): void {
    let t = this.byName.get(name);
    if (!t) {
      t = { status: 'ok', threshold, max: 0, absSum: 0, numel: 0, failed: new Set(), worst: null };
      this.byName.set(name, t);
    }
    if (RANK[p.status] > RANK[t.status]) t.status = p.status;
    if (p.status === 'fail') t.failed.add(sample);
    if (t.worst === null || p.max_abs_diff > t.max) t.worst = sample;
    t.max = Math.max(t.max, p.max_abs_diff);
    if (p.numel > 0) {
      t.absSum += p.mean_abs_diff * p.numel;
      t.numel += p.numel;
    }
  }

  /** A failure (missing output, run error) on a sample without a parity result. */
  fail(name: string, sample: string, threshold: number): void {
    let t = this.byName.get(name);
    if (!t) {
      t = { status: 'fail', threshold, max: 0, absSum: 0, numel: 0, failed: new Set(), worst: null };
      this.byName.set(name, t);
    }
    t.status = 'fail';
    t.failed.add(sample);
  }

  /** The summary per output, in the order first seen. */
  summary(): Record<string, Tier4OutputSummary> {
    const out: Record<string, Tier4OutputSummary> = {};
    for (const [name, t] of this.byName) {
      out[name] = {
        status: t.status,
        threshold: t.threshold,
        max_abs_diff: t.numel > 0 || t.worst !== null ? t.max : null,
        mean_abs_diff: t.numel > 0 ? t.absSum / t.numel : null,
        samples_failed: t.failed.size,
        worst_sample: t.worst,
      };
    }
    return out;
  }
}
