/**
 * Matcher records -> Tier 4 dict entries. A test that checks an export with the matchers
 * (`toMatchParity`, `toHaveShape`, `toHaveDtype`, `toBeFinite`, labelled with `model` and
 * `format`) contributes to that model's Tier 4 dict just like `runTier4` does: a format entry is
 * made from the recorded numbers when no `runTier4` report covers the format, and a failing or
 * warning matcher check worsens the status of a format that a `runTier4` report does cover.
 * `latency` records (the `latency` test fixture of `vitest-tier4/test`) fill a synthesized format's
 * latency fields, and their budget verdict counts like any check's status.
 */
import type { ParityResult } from '../parity/types.js';
import { ParityAggregate, emptyFormatReport, latencyBlock as toLatencyBlock, latencyFields, worseStatus as worse } from '../tier4/aggregate.js';
import type { Tier4FormatReport, Tier4Latency, Tier4ModelInfo, Tier4Report, Tier4SampleReport, Tier4Status } from '../tier4/index.js';

/** A labelled matcher record with the test it came from. */
export interface LabelledMatcherRecord {
  kind: 'parity' | 'shape' | 'dtype' | 'finite' | string;
  status: Tier4Status;
  model: string;
  format: string;
  output: string | null;
  sample: string | number | null;
  /** `summary` of the record (a ParityResult for `parity`). */
  summary: unknown;
  /** `<module> > <test name>`. */
  test: string;
}

const RANK: Record<Tier4Status, number> = { ok: 0, warn: 1, fail: 2 };

function isParity(summary: unknown): summary is ParityResult {
  return typeof summary === 'object' && summary !== null && typeof (summary as ParityResult).max_abs_diff === 'number';
}

/** A `latency` record's summary (from the `latency` test fixture): the Tier 4 latency block. */
function isLatency(summary: unknown): summary is Tier4Latency {
  const s = summary as Partial<Tier4Latency> | null;
  return typeof s === 'object' && s !== null && typeof s.mean_ms === 'number' && typeof s.std_ms === 'number' && typeof s.iterations === 'number';
}

/** The latency record to show for a format: the one at the smallest batch size, the first on a tie. */
function pickLatency(records: readonly LabelledMatcherRecord[]): Tier4Latency | null {
  let best: Tier4Latency | null = null;
  for (const record of records) {
    if (record.kind !== 'latency' || !isLatency(record.summary)) continue;
    if (best === null || record.summary.batch_size < best.batch_size) best = record.summary;
  }
  return best;
}

/** Only the Tier4Latency fields of a recorded summary (drops `status`, `message`). */
function latencyBlock(l: Tier4Latency): Tier4Latency {
  return toLatencyBlock(l, { id: l.sample, batchSize: l.batch_size });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A format entry built only from matcher records (and `latency` records of the `latency` test fixture). */
export function formatFromMatchers(records: readonly LabelledMatcherRecord[]): {
  entry: Tier4FormatReport;
  samples: Record<string, Tier4SampleReport>;
} {
  let status: Tier4Status = 'ok';
  let tolerance: ParityResult['tolerance'] | null = null;
  let reason: string | null = null;
  const agg = new ParityAggregate();
  const samples: Record<string, Tier4SampleReport> = {};

  for (const record of records) {
    status = worse(status, record.status);
    if (record.status !== 'ok' && reason === null) {
      reason = `${record.kind} check ${record.status} in ${record.test}`;
    }
    const sampleId = record.sample === null ? 'unlabelled' : String(record.sample);
    const output = record.output ?? 'output';
    if (record.kind === 'shape') agg.addShape(record.status === 'fail' ? 'fail' : 'ok');
    if (record.kind !== 'parity' || !isParity(record.summary)) continue;
    const r = record.summary;
    // the matcher's own verdict (a `.not` record passes with a failing result)
    agg.add(sampleId, output, { ...r, status: record.status });
    tolerance ??= r.tolerance;
    const shapeOk = sameShape(r.actual_shape, r.reference_shape);
    agg.addShape(shapeOk ? 'ok' : 'fail');
    const sample = (samples[sampleId] ??= { batch_size: r.reference_shape[0] ?? 1, outputs: {}, error: null });
    sample.outputs[output] = {
      parity: r,
      shape: {
        status: shapeOk ? 'ok' : 'fail',
        actual: [...r.actual_shape],
        expected: [...r.reference_shape],
        reference: [...r.reference_shape],
        bindings: {},
        reason: shapeOk ? null : `shape [${r.actual_shape.join(', ')}] differs from the reference [${r.reference_shape.join(', ')}]`,
      },
    };
  }

  const latency = pickLatency(records);
  const preset = tolerance?.preset === 'quantized' ? 'quantized' : 'fp32';
  const statistic = tolerance ? (typeof tolerance.statistic === 'string' ? tolerance.statistic : `quantile ${tolerance.statistic.quantile}`) : 'elementwise';
  const entry: Tier4FormatReport = {
    ...emptyFormatReport({ threshold: tolerance?.atol ?? 0, rtol: tolerance?.rtol ?? 0, preset, statistic, artifact: null }),
    ...agg.fields(),
    ...latencyFields(latency ? latencyBlock(latency) : null),
    status,
    reason,
  };
  return { entry, samples };
}

function groupByFormat(records: readonly LabelledMatcherRecord[]): Map<string, LabelledMatcherRecord[]> {
  const byFormat = new Map<string, LabelledMatcherRecord[]>();
  for (const record of records) {
    const list = byFormat.get(record.format) ?? [];
    list.push(record);
    byFormat.set(record.format, list);
  }
  return byFormat;
}

function statusOfFormats(formats: Record<string, Tier4FormatReport>): Tier4Status {
  let status: Tier4Status = 'ok';
  for (const entry of Object.values(formats)) status = worse(status, entry.status);
  return status;
}

/** A whole Tier 4 dict for a model that only matchers checked. */
export function reportFromMatchers(model: string, records: readonly LabelledMatcherRecord[]): Tier4Report {
  const formats: Record<string, Tier4FormatReport> = {};
  const parityReport: Tier4Report['parity_report'] = {};
  const outputs = new Map<string, { name: string; dtype: string; shape: Array<number | string> }>();
  let samples = 0;
  for (const [format, list] of groupByFormat(records)) {
    const { entry, samples: perSample } = formatFromMatchers(list);
    formats[format] = entry;
    parityReport[format] = perSample;
    samples = Math.max(samples, entry.samples_checked);
    for (const record of list) {
      if (record.kind === 'parity' && isParity(record.summary) && record.output && !outputs.has(record.output)) {
        outputs.set(record.output, { name: record.output, dtype: record.summary.reference_dtype, shape: [...record.summary.reference_shape] });
      }
    }
  }
  const info: Tier4ModelInfo = {
    name: model,
    task_type: 'unknown',
    modality: 'unknown',
    export_dir: '',
    inputs: [],
    outputs: [...outputs.values()],
    quantization: null,
    quantization_info: null,
    formats_requested: Object.keys(formats),
    formats_written: Object.keys(formats),
    formats_failed: {},
    opset: null,
    torch_version: null,
    onnx_version: null,
    exported_at: null,
    model_source: null,
    num_samples: samples,
  };
  return {
    status: statusOfFormats(formats),
    formats,
    parity_report: parityReport,
    warnings: [
      Object.values(formats).some((f) => f.latency !== null)
        ? 'built from matcher and latency records only (no runTier4 report for this model): no export metadata'
        : 'built from matcher records only (no runTier4 report for this model): no latency, no export metadata',
    ],
    model: info,
  };
}

/**
 * Folds matcher records into a `runTier4` dict of the same model: formats the dict lacks get an
 * entry made from the records; a format it has keeps its numbers but its status becomes the worse
 * of its own and the matchers', with a warning naming the test.
 */
export function applyMatcherRecords(report: Tier4Report, records: readonly LabelledMatcherRecord[]): Tier4Report {
  const formats = { ...report.formats };
  const parityReport = { ...report.parity_report };
  const warnings = [...report.warnings];
  for (const [format, list] of groupByFormat(records)) {
    const existing = formats[format];
    if (!existing) {
      const { entry, samples } = formatFromMatchers(list);
      formats[format] = entry;
      parityReport[format] = samples;
      continue;
    }
    let status = existing.status;
    const measured = existing.latency === null ? pickLatency(list) : null;
    if (measured) {
      // runTier4 ran without latency; the `latency` fixture timed this format: show its figures
      formats[format] = { ...existing, ...latencyFields(latencyBlock(measured)) };
    }
    for (const record of list) {
      if (RANK[record.status] > RANK[existing.status]) {
        warnings.push(`${format}: ${record.kind} check ${record.status} in ${record.test}`);
      }
      status = worse(status, record.status);
    }
    if (status !== existing.status) {
      formats[format] = { ...formats[format]!, status, reason: existing.reason ?? `a matcher check of ${format} gave ${status}` };
    }
  }
  return { ...report, status: worse(report.status, statusOfFormats(formats)), formats, parity_report: parityReport, warnings };
}
