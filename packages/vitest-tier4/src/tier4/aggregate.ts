/**
 * One format's figures from its parity results: the one aggregator behind `formats.<format>` of the
 * Tier 4 dict, used by runTier4 (over the samples it ran) and by the reporter (over the matcher
 * records of a test run). It also builds the empty format entry and the latency block, so both
 * producers fill every field of the schema-derived {@link Tier4FormatReport} without a cast.
 */
import type { LatencyResult } from '../latency/measure.js';
import { pickLatencyStats } from '../latency/stats.js';
import { formatIndex, formatValue } from '../parity/format.js';
import type { ParityResultJson } from '../parity/types.js';
import type { Tier4FormatReport, Tier4Latency, Tier4Status, Tier4ThresholdPreset, Tier4Worst } from './types.js';

const STATUS_RANK: Record<Tier4Status, number> = { ok: 0, warn: 1, fail: 2 };

/** The worse of two statuses. */
export function worseStatus(a: Tier4Status, b: Tier4Status): Tier4Status {
  return STATUS_RANK[b] > STATUS_RANK[a] ? b : a;
}

/** A format entry with nothing measured yet: every field of {@link Tier4FormatReport}. */
export function emptyFormatReport(init: {
  threshold: number;
  /** The preset's rtol (what `threshold_rtol` records). */
  rtol: number;
  preset: Tier4ThresholdPreset;
  statistic: string;
  artifact: string | null;
}): Tier4FormatReport {
  return {
    status: 'ok',
    parity: null,
    max_abs_diff: null,
    mean_abs_diff: null,
    max_rel_diff: null,
    threshold: init.threshold,
    threshold_rtol: init.rtol,
    threshold_preset: init.preset,
    threshold_statistic: init.statistic,
    relative_error: null,
    sqnr_db: null,
    cosine: null,
    min_sqnr_db: null,
    agreement: null,
    artifact_check: null,
    timeout: null,
    threads: null,
    pytorch_threads: null,
    shape: null,
    latency_ms: null,
    latency_std_ms: null,
    latency_p50_ms: null,
    latency_p99_ms: null,
    speedup_vs_pytorch: null,
    speedup_vs_pytorch_p50: null,
    latency: null,
    pytorch_latency: null,
    speedup_clock: null,
    samples_checked: 0,
    worst: null,
    runtime: null,
    artifact: init.artifact,
    skipped: false,
    reason: null,
  };
}

/** The latency block of the dict from a measurement (or a recorded block: extra fields are dropped). */
export function latencyBlock(
  l: Pick<LatencyResult, keyof ReturnType<typeof pickLatencyStats> | 'warmup' | 'time_budget_ms' | 'min_iterations' | 'max_iterations' | 'clock' | 'budget_ms' | 'budget_level'> & {
    budget_status?: Tier4Status | null;
    status?: Tier4Status;
  },
  sample: { id: string; batchSize: number },
): Tier4Latency {
  return {
    ...pickLatencyStats(l),
    warmup: l.warmup,
    time_budget_ms: l.time_budget_ms,
    min_iterations: l.min_iterations,
    max_iterations: l.max_iterations,
    clock: l.clock,
    sample: sample.id,
    batch_size: sample.batchSize,
    budget_ms: l.budget_ms,
    budget_level: l.budget_level,
    budget_status: l.budget_status !== undefined ? l.budget_status : l.budget_ms === null ? null : (l.status ?? null),
  };
}

/** The latency fields of a format entry, from its latency block. */
export function latencyFields(l: Tier4Latency | null): Pick<Tier4FormatReport, 'latency' | 'latency_ms' | 'latency_std_ms' | 'latency_p50_ms' | 'latency_p99_ms'> {
  return {
    latency: l,
    latency_ms: l?.mean_ms ?? null,
    latency_std_ms: l?.std_ms ?? null,
    latency_p50_ms: l?.p50_ms ?? null,
    latency_p99_ms: l?.p99_ms ?? null,
  };
}

/** How bad a failing parity result is, to pick the worst one for the reason (structural failures first). */
function failRank(p: ParityResultJson): number {
  if (p.numel === 0 || p.nan_mismatches > 0 || p.inf_mismatches > 0) return Number.POSITIVE_INFINITY;
  return p.statistic_value;
}

/** One line saying why one output of one sample failed parity. */
export function parityReason(output: string, sample: string, p: ParityResultJson): string {
  if (p.reason && p.numel === 0) return `output '${output}' (${sample}): ${p.reason}`;
  const where = `at ${formatIndex(p.max_abs_index)} (actual ${formatValue(p.max_abs_actual)}, reference ${formatValue(p.max_abs_reference)})`;
  const stat = p.tolerance.statistic;
  const head =
    stat === 'elementwise'
      ? `${p.mismatched}/${p.numel} elements over tolerance (${p.tolerance.description})`
      : `${typeof stat === 'string' ? stat : `quantile ${stat.quantile}`} abs diff ${formatValue(p.statistic_value)} > ${formatValue(p.threshold)} (${p.tolerance.description})`;
  return `output '${output}' (${sample}): ${head}; max abs diff ${formatValue(p.max_abs_diff)} ${where}` + (p.reason ? `; ${p.reason}` : '');
}

/**
 * Accumulates the parity results of one format: worst status, greatest absolute and relative
 * difference, the element-weighted mean absolute difference, where the worst difference is, and the
 * worst failure (for the reason).
 */
export class ParityAggregate {
  private status: Tier4Status | null = null;
  private shapeStatus: 'ok' | 'fail' | null = null;
  private maxAbs: number | null = null;
  private maxRel: number | null = null;
  private absSum = 0;
  private numel = 0;
  private worstAt: Tier4Worst | null = null;
  private worstFail: { rank: number; text: string } | null = null;
  private readonly failedSamples = new Set<string>();
  private readonly checked = new Set<string>();

  /**
   * Adds the parity result of `output` on `sample`; `reason` replaces {@link parityReason}'s text when
   * the result fails (runTier4 names NaN/Inf outputs its own way). A result read back from a dict
   * (infinite SQNR as null) is accepted as is: none of the figures taken here is one of those.
   */
  add(sample: string, output: string, p: ParityResultJson, reason?: string): void {
    this.checked.add(sample);
    this.status = this.status === null ? p.status : worseStatus(this.status, p.status);
    if (p.status === 'fail') {
      this.failedSamples.add(sample);
      const rank = failRank(p);
      if (this.worstFail === null || rank > this.worstFail.rank) this.worstFail = { rank, text: reason ?? parityReason(output, sample, p) };
    }
    // a result that compared no element (a shape mismatch, an empty tensor) has no difference to
    // report: its zeros must not read as a perfect match
    if (p.numel === 0) return;
    this.absSum += p.mean_abs_diff * p.numel;
    this.numel += p.numel;
    this.maxRel = this.maxRel === null ? p.max_rel_diff : Math.max(this.maxRel, p.max_rel_diff);
    if (this.maxAbs === null || p.max_abs_diff > this.maxAbs) {
      this.maxAbs = p.max_abs_diff;
      this.worstAt = {
        sample,
        output,
        index: p.max_abs_index,
        actual: p.max_abs_actual,
        reference: p.max_abs_reference,
        max_abs_diff: p.max_abs_diff,
      };
    }
  }

  /** Counts `sample` as checked even when none of its outputs could be compared (a missing output). */
  checkedSample(sample: string): void {
    this.checked.add(sample);
  }

  /** A sample that could not be run: parity fails. */
  runFailed(): void {
    this.status = 'fail';
  }

  /** `sample` fails whatever its parity (e.g. a non-finite reference output nobody allowed). */
  sampleFailed(sample: string): void {
    this.status = 'fail';
    this.failedSamples.add(sample);
  }

  /** Adds a shape verdict. */
  addShape(status: 'ok' | 'fail'): void {
    this.shapeStatus = this.shapeStatus === 'fail' || status === 'fail' ? 'fail' : 'ok';
  }

  /** Samples with at least one compared output (or counted by {@link checkedSample}). */
  get samplesChecked(): number {
    return this.checked.size;
  }

  /** The worst parity status so far, or null when nothing was compared. */
  get parity(): Tier4Status | null {
    return this.status;
  }

  /** The aggregate fields of a format entry. */
  fields(): Pick<Tier4FormatReport, 'parity' | 'shape' | 'max_abs_diff' | 'mean_abs_diff' | 'max_rel_diff' | 'worst' | 'samples_checked'> {
    // null, not 0, when no element was compared (every sample of the wrong shape, say)
    return {
      parity: this.status,
      shape: this.shapeStatus,
      max_abs_diff: this.maxAbs,
      mean_abs_diff: this.numel > 0 ? this.absSum / this.numel : null,
      max_rel_diff: this.maxRel,
      worst: this.worstAt,
      samples_checked: this.checked.size,
    };
  }

  /** `parity failed in n/m sample(s); worst: ...`, or null when no result failed. */
  failure(): string | null {
    if (this.worstFail === null) return null;
    return `parity failed in ${this.failedSamples.size}/${this.checked.size} sample(s); worst: ${this.worstFail.text}`;
  }
}
