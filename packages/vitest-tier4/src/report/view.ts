/**
 * The figures the reports show, derived from one Tier 4 dict: per format and output the summed
 * |a - r| distribution with its tolerance and worst elements, and the latency rows. Pure.
 */
import { addNormSums, scaleFreeStats } from '../parity/scale-free.js';
import type { AbsDiffHistogram, NormSums, ParityResultJson as ParityResult, ScaleFreeStats } from '../parity/types.js';
import { ParityAggregate } from '../tier4/aggregate.js';
import type { Tier4Latency, Tier4Report } from '../tier4/types.js';
import { sumHistograms } from './charts/abs-diff.js';
import type { LatencyRow } from './charts/latency.js';

/** The worst element of one sample of one output. */
export interface WorstElement {
  sample: string;
  index: number[] | null;
  actual: number | null;
  reference: number | null;
  abs_diff: number;
  rel_diff: number;
  status: string;
}

/** One output of one format, over every sample checked. */
export interface ParityGroup {
  format: string;
  output: string;
  /** Summed over samples; null when no sample recorded one (a dict from before histograms existed). */
  histogram: AbsDiffHistogram | null;
  /** Elements compared, over samples. */
  numel: number;
  /** Elements violating the elementwise rule, over samples. */
  mismatched: number;
  nan_mismatches: number;
  inf_mismatches: number;
  /** Mean |a - r| over samples (weighted by elements); null when no element was compared (every sample of the wrong shape). */
  mean_abs_diff: number | null;
  /** Greatest |a - r| over samples; null when no element was compared. */
  max_abs_diff: number | null;
  /** The tolerance on |a - r| to mark: atol for elementwise, the threshold for mean/quantile statistics. */
  tolerance: number | null;
  /** `elementwise`, `mean` or `quantile 0.99`. */
  statistic: string;
  /** `preset fp32 (atol 1e-4, rtol 0)`. */
  tolerance_description: string;
  /** Samples whose check passed. */
  samples_ok: number;
  /** Samples compared. */
  samples: number;
  /** The worst element of each sample, worst first. */
  worst: WorstElement[];
  /** Relative error, SQNR and cosine over every sample (from the summed norms), or null when not recorded. */
  scale_free: ScaleFreeStats | null;
}

function statisticName(stat: ParityResult['tolerance']['statistic']): string {
  return typeof stat === 'object' ? `quantile ${stat.quantile}` : stat;
}

/** Parity groups of a dict, in format then output order. Skipped formats have none. */
export function parityGroups(report: Tier4Report): ParityGroup[] {
  const groups: ParityGroup[] = [];
  for (const [format, samples] of Object.entries(report.parity_report ?? {})) {
    const byOutput = new Map<string, Array<{ sample: string; p: ParityResult }>>();
    for (const [sample, sr] of Object.entries(samples)) {
      for (const [output, or] of Object.entries(sr.outputs ?? {})) {
        if (!or.parity) continue;
        const list = byOutput.get(output) ?? [];
        list.push({ sample, p: or.parity });
        byOutput.set(output, list);
      }
    }
    for (const [output, list] of byOutput) {
      const first = list[0]!.p;
      const histograms = list.map((x) => x.p.abs_diff_histogram).filter((h): h is AbsDiffHistogram => h !== undefined);
      const numel = list.reduce((s, x) => s + x.p.numel, 0);
      const statistic = statisticName(first.tolerance.statistic);
      const norms = list.map((x) => (x.p as Partial<ParityResult>).norms).filter((n): n is NormSums => typeof n === 'object' && n !== null);
      const summed = norms.length === list.length ? norms.reduce((acc, n) => addNormSums(acc, n), { sum_sq_reference: 0, sum_sq_diff: 0, sum_ref_diff: 0, count: 0 }) : null;
      // the format entry's aggregator: the same mean and maximum, null when no element was compared
      const agg = new ParityAggregate();
      for (const { sample, p } of list) agg.add(sample, output, p);
      const { mean_abs_diff, max_abs_diff } = agg.fields();
      groups.push({
        format,
        output,
        histogram: histograms.length > 0 ? sumHistograms(histograms) : null,
        numel,
        mismatched: list.reduce((s, x) => s + x.p.mismatched, 0),
        nan_mismatches: list.reduce((s, x) => s + x.p.nan_mismatches, 0),
        inf_mismatches: list.reduce((s, x) => s + x.p.inf_mismatches, 0),
        mean_abs_diff,
        max_abs_diff,
        tolerance: statistic === 'elementwise' ? first.tolerance.atol : first.threshold,
        statistic,
        tolerance_description: first.tolerance.description,
        samples_ok: list.filter((x) => x.p.status !== 'fail').length,
        samples: list.length,
        worst: list
          .map(({ sample, p }) => ({
            sample,
            index: p.max_abs_index,
            actual: p.max_abs_actual,
            reference: p.max_abs_reference,
            abs_diff: p.max_abs_diff,
            rel_diff: p.max_rel_diff,
            status: p.status,
          }))
          .sort((a, b) => b.abs_diff - a.abs_diff || a.sample.localeCompare(b.sample)),
        scale_free: summed ? scaleFreeStats(summed) : null,
      });
    }
  }
  return groups;
}

const sameStats = (a: Tier4Latency, b: Tier4Latency): boolean =>
  a.mean_ms === b.mean_ms && a.p50_ms === b.p50_ms && a.p99_ms === b.p99_ms && a.iterations === b.iterations && a.sample === b.sample;

/**
 * Latency rows: each format with latency, then eager PyTorch once (or once per format when the
 * formats were compared with different baseline measurements).
 */
export function latencyRows(report: Tier4Report): LatencyRow[] {
  const rows: LatencyRow[] = [];
  const baselines: Array<{ label: string; stats: Tier4Latency }> = [];
  for (const [format, f] of Object.entries(report.formats)) {
    if (f.latency) {
      rows.push({ label: format, kind: 'format', stats: f.latency, speedup: f.speedup_vs_pytorch, speedup_p50: f.speedup_vs_pytorch_p50 ?? null });
    }
    if (f.pytorch_latency && !baselines.some((b) => sameStats(b.stats, f.pytorch_latency as Tier4Latency))) {
      baselines.push({ label: format, stats: f.pytorch_latency });
    }
  }
  baselines.forEach((b) => {
    rows.push({ label: baselines.length === 1 ? 'eager PyTorch' : `eager (${b.label})`, kind: 'eager', stats: b.stats, speedup: null, speedup_p50: null });
  });
  return rows;
}
