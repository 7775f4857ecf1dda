/**
 * Step 1 of runTier4: open the export dir and plan the run. Reads metadata.json and the checked
 * reference samples (an unreadable one is an {@link ExportDirReadError}), resolves the thresholds,
 * the preset and the tolerance, and lists the formats to validate. Nothing runs a model yet.
 */
import { checkSampleBatch, measuredBatchSize } from '../../runtimes/inputs.js';
import { openExportDir, type ExportDir, type ExportMetadata, type Sample } from 'vitest-tier4-fixtures';
import { eagerBaselineFormat, hasRunner } from '../../runtimes/registry.js';
import { splitThresholds, type QuantizationThresholds } from '../../quantization/thresholds.js';
import { DEFAULT_MIN_SQNR_DB } from '../agreement.js';
import { checkOutputThresholds } from '../../options/check.js';
import { DEFAULT_TIER4_THRESHOLDS, thresholdStatistic, thresholdTolerance, type ThresholdTolerance } from '../outputs.js';
import { CrossFormatAgreement } from '../diagnose-stale.js';
import { WorkerTimeouts } from '../timeouts.js';
import { referenceScales } from '../scale-verdict.js';
import type { Tier4FormatReport, Tier4Report, Tier4ThresholdPreset } from '../types.js';
import { ExportDirReadError } from './errors.js';
import { latencyPolicy } from '../../latency/measure.js';
import { DEFAULT_TIER4_SAMPLES, defaultTier4Threads, type RunTier4Options, type Tier4LatencyOptions } from './options.js';

/** The latency options with their defaults filled in (the measurement rule by `latencyPolicy`). */
export interface PlannedLatency {
  iterations: number;
  warmup: number;
  minIterations: number;
  timeBudgetMs: number | null;
  budgetMs?: number;
  budgetLevel?: 'warn' | 'fail';
}

/** runTier4's latency options with the defaults of measureLatency's rule (the formats and the eager baseline share it). */
function plannedLatency(l: Tier4LatencyOptions): PlannedLatency {
  const policy = latencyPolicy(l, 'runTier4', 'latency');
  return {
    iterations: policy.maxIterations,
    warmup: policy.warmup,
    minIterations: policy.minIterations,
    timeBudgetMs: policy.timeBudgetMs,
    ...(l.budgetMs !== undefined ? { budgetMs: l.budgetMs } : {}),
    ...(l.budgetLevel !== undefined ? { budgetLevel: l.budgetLevel } : {}),
  };
}

/** What every later step reads (the plan) and adds to (warnings, formats, parity report). */
export interface RunPlan {
  options: RunTier4Options;
  log: (line: string) => void;
  ed: ExportDir;
  md: ExportMetadata;
  /** The preset of this export: `quantized` when metadata.json names a quantization. */
  preset: Tier4ThresholdPreset;
  /** The preset's threshold (after the user's thresholds). */
  threshold: number;
  /** The preset's tolerance with the threshold as its atol (one meaning per preset, docs/tolerances.md#presets). */
  tolerance: ThresholdTolerance;
  /** `elementwise` (fp32) or `mean` (quantized). */
  statistic: string;
  /** The quantization metrics' thresholds (from `thresholds`). */
  quantizationThresholds: QuantizationThresholds;
  /** The fp32 scale-free gate in dB (`-Infinity` for quantized exports: their SQNR threshold judges). */
  minSqnr: number;
  threads: number;
  /** The Python worker's request limits and the timeouts met (tier4/timeouts.ts). */
  timeouts: WorkerTimeouts;
  /** The first format's outputs and every later format's agreement with them (stale references, tier4/diagnose-stale.ts). */
  cross: CrossFormatAgreement;
  latency: PlannedLatency | null;
  /** The eager baseline runner's format (the reference of the speed-up), or null. */
  baseline: string | null;
  /** The formats to validate, in order. */
  requested: string[];
  /** The samples to check; each `batchSize` is measured on its inputs (runtimes/inputs.ts), not read from metadata.json. */
  samples: Sample[];
  /** Why a sample cannot be run as metadata.json describes it (a recorded batch_size its inputs do not have, an input of another dtype or shape), by sample id. */
  sampleErrors: Map<string, string>;
  scales: ReturnType<typeof referenceScales>;
  warnings: string[];
  formats: Record<string, Tier4FormatReport>;
  parityReport: Tier4Report['parity_report'];
}

/** Opens the export dir and builds the {@link RunPlan}; `options` were checked by `checkOptions`. */
export async function planRun(options: RunTier4Options): Promise<RunPlan> {
  const log = options.log ?? (() => undefined);
  let ed: ExportDir;
  try {
    ed = typeof options.exportDir === 'string' ? await openExportDir(options.exportDir) : options.exportDir;
  } catch (err) {
    throw new ExportDirReadError(String(options.exportDir), err);
  }
  const md = ed.metadata;
  if (options.outputThresholds !== undefined) {
    checkOutputThresholds('runTier4', 'outputThresholds', options.outputThresholds, md.outputs.map((o) => o.name));
  }
  const split = splitThresholds((options.thresholds ?? {}) as Record<string, number>);
  const thresholds = { ...DEFAULT_TIER4_THRESHOLDS, ...split.presets } as Record<Tier4ThresholdPreset, number>;
  const preset: Tier4ThresholdPreset = md.quantization ? 'quantized' : 'fp32';
  const threshold = thresholds[preset];
  // one meaning per preset: the threshold replaces the preset's atol, rtol stays (docs/tolerances.md#presets)
  const tolerance: ThresholdTolerance = thresholdTolerance(preset, threshold);
  const statistic = thresholdStatistic(preset);
  // quantized exports: their quantization thresholds (sqnr_db >= 20 by default) judge SQNR
  const minSqnr = preset === 'fp32' ? (options.minSqnrDb ?? DEFAULT_MIN_SQNR_DB) : -Infinity;
  const latency = options.latency === false ? null : plannedLatency(options.latency ?? {});

  const warnings: string[] = [];
  // the eager baseline is the reference of the speed-up, not a deployment format
  const baseline = eagerBaselineFormat();
  const requested = options.formats ?? md.formats_requested.filter((f) => f !== baseline && hasRunner(f));
  const numSamples = options.numSamples ?? DEFAULT_TIER4_SAMPLES;
  const count = Math.min(numSamples, ed.sampleCount);
  if (ed.sampleCount < numSamples) {
    warnings.push(`only ${ed.sampleCount} reference sample(s) in the export; checked ${count} instead of ${numSamples}`);
  }
  const samples: Sample[] = [];
  const sampleErrors = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    let sample: Sample;
    try {
      sample = await ed.loadSample(i);
    } catch (err) {
      throw new ExportDirReadError(ed.dir, err);
    }
    try {
      checkSampleBatch(md.inputs, sample);
    } catch (err) {
      sampleErrors.set(sample.id, (err as Error).message);
    }
    samples.push({ ...sample, batchSize: measuredBatchSize(md.inputs, sample.inputs) ?? sample.batchSize });
  }
  return {
    options,
    log,
    ed,
    md,
    preset,
    threshold,
    tolerance,
    statistic,
    quantizationThresholds: split.quantization,
    minSqnr,
    threads: options.threads ?? defaultTier4Threads(),
    timeouts: new WorkerTimeouts(options.timeoutMs),
    cross: new CrossFormatAgreement(),
    latency,
    baseline,
    requested,
    samples,
    sampleErrors,
    scales: referenceScales(samples),
    warnings,
    formats: {},
    parityReport: {},
  };
}
