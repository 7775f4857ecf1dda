/**
 * runTier4: export dir -> runners -> shape + parity on every sample -> latency and speed-up ->
 * the Tier 4 dict.
 */
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { openExportDir, type ExportDir, type ExportMetadata, type Sample } from 'vitest-tier4-fixtures';
import { measureLatency, type LatencyBudgetLevel } from '../latency/measure.js';
import { checkParity } from '../parity/index.js';
import { formatIndex, formatValue } from '../parity/format.js';
import type { ParityResult } from '../parity/types.js';
import { UntrustedModelSourceError, untrustedModelSourceCode } from '../runtimes/model-source.js';
import { validationWorkers, type ValidationPool } from '../runtimes/pool/validation-workers.js';
import type { WorkerChannel } from '../runtimes/worker-runner.js';
import { profileMark } from '../profile/marks.js';
import { localiseFailure, localisationBlocker, reasonWithOrigin } from './localise.js';
import { eagerBaselineFormat, hasRunner, openRunner, registeredFormats, runnerArtifact, runnerNeedsPythonWorker } from '../runtimes/registry.js';
import { feedsFor, unusedInputs } from '../runtimes/inputs.js';
import { summarizeErrorText } from '../runtimes/target.js';
import type { ModelRunner, OpenRunnerOptions } from '../runtimes/types.js';
import { compareQuantizedLayers } from '../quantization/layer-sqnr.js';
import { checkQuantizationOptions, quantizationCollector, quantizationSection, type Tier4QuantizationOptions } from '../quantization/step.js';
import { checkQuantizationThresholds, QUANTIZATION_METRICS, splitThresholds, type QuantizationThresholds } from '../quantization/thresholds.js';
import { checkGateOptions, describeGates, evaluateGates, type Tier4GateOptions } from './gates.js';
import { checkOutputThresholds, DEFAULT_TIER4_THRESHOLDS, OutputTally, thresholdStatistic, thresholdTolerance, toleranceFor, type ThresholdTolerance } from './outputs.js';
import { DEFAULT_MIN_SQNR_DB } from './agreement.js';
import { artifactMismatchMessage, checkArtifactDigest, type RecordedArtifact } from './artifact-digest.js';
import { AgreementAccumulator, judgeScale, referenceScales } from './scale-verdict.js';
import { nonFiniteParityReason, referenceNonFiniteReason } from './non-finite.js';
import { emptyFormatReport, latencyBlock, latencyFields, worseStatus } from './aggregate.js';

export { worseStatus };
import { bindInputDims, checkOutputShape } from './shape.js';
import { diagnoseTracedSize, isSizeError, type SampleOutcome } from './specialisation.js';
import type {
  Tier4FormatReport,
  Tier4ModelInfo,
  Tier4Report,
  Tier4SampleReport,
  Tier4Status,
  Tier4ThresholdPreset,
  Tier4Worst,
} from './types.js';
import { applyRunTimeout, isWorkerTimeout, timeoutAdvice, timeoutReason, timeoutStep, WorkerTimeouts } from './timeouts.js';
import { writeTier4Report } from './write.js';

export { DEFAULT_TIER4_THRESHOLDS };
/** Default intra-op threads of every runtime: the machine's available parallelism, at most 4. */
export function defaultTier4Threads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** Default number of samples checked. */
export const DEFAULT_TIER4_SAMPLES = 10;

/** Latency options of {@link runTier4}. */
export interface Tier4LatencyOptions {
  /** Measured iterations (default 100). */
  iterations?: number;
  /** Warm-up iterations (default 10). */
  warmup?: number;
  /** Budget on each format's mean latency in ms (none by default: informational). */
  budgetMs?: number;
  /** What an overrun does: `warn` (default) or `fail`. */
  budgetLevel?: LatencyBudgetLevel;
}

/** Options of {@link runTier4}. */
export interface RunTier4Options {
  /** The export dir (path or opened). */
  exportDir: string | ExportDir;
  /**
   * Formats to validate. Default: every format metadata.json requested, except `pytorch` (the
   * state dict is the reference, not a deployment format).
   */
  formats?: string[];
  /** Samples to check (the first N of the export; default 10). */
  numSamples?: number;
  /**
   * Thresholds per preset (default `{ fp32: 1e-4, quantized: 1e-2 }`) and, for quantized exports, on the
   * quantization metrics (default `{ sqnr_db: 20 }`): `sqnr_db`, `cosine`, `top1_agreement` (minimums),
   * `relative_error`, `kl_divergence` (maximums). See docs/tolerances.md.
   */
  thresholds?: Partial<Record<Tier4ThresholdPreset, number>> & QuantizationThresholds;
  /**
   * Thresholds of single outputs, replacing the preset's value for them (same statistic), e.g.
   * `{ uncertainties: 1e-3 }`; every name must be an output of the export.
   */
  outputThresholds?: Record<string, number>;
  /** Deployment gates: minimum speed-up against eager PyTorch, maximum artifact size (`tier4/gates.ts`). */
  gates?: Tier4GateOptions;
  /**
   * Scale-free gate of fp32 exports: the minimum SQNR in dB of every output over all samples (default
   * {@link DEFAULT_MIN_SQNR_DB}, 60). `-Infinity` turns it off. Quantized exports are judged on SQNR by
   * `thresholds.sqnr_db` (their quantization section).
   */
  minSqnrDb?: number;
  /** Latency measurement: `false` to skip, or options (default: 100 iterations after 10 warm-up). */
  latency?: false | Tier4LatencyOptions;
  /** Python interpreter for the TorchScript worker and the eager baseline (a private worker: no pool). */
  python?: string;
  /**
   * The Python worker pool to lease the worker from, or `false` for a private worker. Default: the
   * run's pool when the `tier4()` plugin started one (`TIER4_WORKER_POOL`) and no `python` is given.
   * Either way latency is measured under the timing gate (docs/runtimes.md, "The worker pool").
   *
   * @internal The pool types are the plugin's; outside it, `false` is the only value to pass.
   */
  pool?: ValidationPool | false;
  /**
   * Timeout of one request to the Python worker, in ms, used as given. Default: 60 000, and once a
   * forward pass of the format is measured the larger of that and 10 times it (per batch item,
   * times the batch); the latency request scales likewise. A request that exceeds its limit is the
   * format's own reason (`formats.<format>.timeout`), never a parity failure (docs/tier4-report.md).
   */
  timeoutMs?: number;
  /**
   * Intra-op threads of every runtime (onnxruntime's intraOpNumThreads, torch.set_num_threads in the
   * Python worker, so the eager baseline too), so that a speed-up compares runtimes, not thread
   * counts. Default: {@link defaultTier4Threads} (the machine's available parallelism, at most 4).
   */
  threads?: number;
  /**
   * Run the Python model source named by the export dir's metadata.json to build the eager
   * baseline of the speed-up (default `false`: an export dir is data, see docs/trust-model.md).
   * Without it, a `{ kind: 'file' }` model source is not imported: the speed-up is not measured
   * and a warning says how to enable it; everything else is validated. Built-in model sources
   * need no opt-in. The `validate` fixture of `vitest-tier4/test` sets it (the plugin's fixtures
   * are the user's own configuration).
   */
  trustModelSource?: boolean;
  /**
   * When the ONNX format fails fp32 parity, compare it layer by layer and name the layer where
   * the divergence is born (`drift_origin`, `layers`, and the reason; docs/layers.md). Runs when
   * the export stores reference activations or its model source may be run (built in, or
   * `trustModelSource`). Default true.
   */
  localise?: boolean;
  /**
   * Output names whose reference may hold NaN or Inf. By default a non-finite reference output
   * fails the export (naming the count and the first index): NaN equals NaN on both sides, so a
   * model with NaN weights would otherwise validate as `ok`.
   */
  allowNonFinite?: string[];
  /** Write the dict to this path as JSON (atomically). */
  json?: string;
  /** Aborts the run (kills the Python worker). */
  signal?: AbortSignal;
  /**
   * Quantized exports: thresholds on the quantization metrics (default `{ sqnr_db: 20 }`), memory
   * measurement, per-layer SQNR and the verbose form of `formats.<format>.quantization`
   * (docs/tier4-report.md#the-quantization-section).
   */
  quantization?: Tier4QuantizationOptions;
  /** Called with progress lines (e.g. the CLI's --verbose). */
  log?: (line: string) => void;
}

/**
 * The export dir (its metadata.json or a reference sample) cannot be read: thrown by
 * {@link runTier4} before any format runs. The message is the underlying error's; `dir` names the
 * export dir (the CLI turns this into exit code 2).
 */
export class ExportDirReadError extends Error {
  override readonly name = 'ExportDirReadError';
  /**
   * @param dir - the export dir as given.
   * @param cause - the error of `openExportDir` or `loadSample`.
   */
  constructor(
    readonly dir: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

function errorLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const line = summarizeErrorText(msg);
  // findPython's error lists the interpreters it tried on the lines after "Tried:": keep them,
  // they are what the user has to fix (the install hint stays in the full error)
  const tried = /\n\s*Tried:\s*\n((?:[ \t]*- .*(?:\n|$))+)/.exec(msg);
  if (!tried) return line;
  const items = tried[1]!.split('\n').map((l) => l.trim().replace(/^- /, '')).filter((l) => l.length > 0);
  return `${line.replace(/\.$/, '')}; tried: ${items.join('; ')}`;
}

function checkOptions(options: RunTier4Options): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`runTier4: expected an options object { exportDir, ... }, received ${options === null ? 'null' : typeof options}`);
  }
  const { exportDir, numSamples, thresholds, formats, latency } = options;
  if (options.allowNonFinite !== undefined && (!Array.isArray(options.allowNonFinite) || options.allowNonFinite.some((n) => typeof n !== 'string'))) {
    throw new TypeError(`runTier4: allowNonFinite must be an array of output names, received ${JSON.stringify(options.allowNonFinite)}`);
  }
  const isExportDir = typeof exportDir === 'object' && exportDir !== null && typeof exportDir.dir === 'string' && typeof exportDir.metadata === 'object';
  if (!(typeof exportDir === 'string' && exportDir.length > 0) && !isExportDir) {
    throw new TypeError(
      `runTier4: exportDir must be the path of an export directory or an ExportDir from openExportDir(), received ${exportDir === undefined ? 'undefined' : JSON.stringify(exportDir)}`,
    );
  }
  if (numSamples !== undefined && (!Number.isInteger(numSamples) || numSamples < 1)) {
    throw new TypeError(`runTier4: numSamples must be an integer >= 1, received ${JSON.stringify(numSamples)}`);
  }
  if (thresholds !== undefined) {
    if (typeof thresholds !== 'object' || thresholds === null) {
      throw new TypeError(`runTier4: thresholds must be an object like { fp32: 1e-4, quantized: 1e-2 }, received ${JSON.stringify(thresholds)}`);
    }
    const split = splitThresholds(thresholds as Record<string, number>);
    checkQuantizationThresholds(split.quantization, 'runTier4');
    for (const [k, v] of Object.entries(split.presets)) {
      if (k !== 'fp32' && k !== 'quantized') {
        throw new TypeError(`runTier4: unknown threshold '${k}'; expected 'fp32', 'quantized' or a quantization metric (${QUANTIZATION_METRICS.join(', ')})`);
      }
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new TypeError(`runTier4: threshold ${k} must be a finite number >= 0, received ${JSON.stringify(v)}`);
      }
    }
  }
  if (options.quantization !== undefined) checkQuantizationOptions(options.quantization, 'runTier4');
  if (options.minSqnrDb !== undefined && (typeof options.minSqnrDb !== 'number' || Number.isNaN(options.minSqnrDb) || options.minSqnrDb === Infinity)) {
    throw new TypeError(`runTier4: minSqnrDb must be a number of dB (or -Infinity to turn the gate off), received ${JSON.stringify(options.minSqnrDb)}`);
  }
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new TypeError(`runTier4: threads must be an integer >= 1, received ${JSON.stringify(options.threads)}`);
  }
  if (formats !== undefined) {
    if (!Array.isArray(formats) || formats.some((f) => typeof f !== 'string')) {
      throw new TypeError(`runTier4: formats must be an array of format names, received ${JSON.stringify(formats)}`);
    }
    if (formats.length === 0) {
      throw new TypeError(`runTier4: formats must name at least one format (e.g. ['onnx', 'torchscript']), received []; leave it out to validate every exported format`);
    }
    const unknown = formats.filter((f) => !hasRunner(f));
    if (unknown.length > 0) {
      throw new TypeError(
        `runTier4: no runner for format(s) ${unknown.map((f) => `'${f}'`).join(', ')}; available: ${registeredFormats().join(', ')}`,
      );
    }
  }
  if (options.outputThresholds !== undefined) checkOutputThresholds(options.outputThresholds, null, 'runTier4: outputThresholds');
  if (options.gates !== undefined) checkGateOptions(options.gates, 'runTier4: gates');
  if (latency !== undefined && latency !== false && (typeof latency !== 'object' || latency === null)) {
    throw new TypeError(`runTier4: latency must be false or { iterations, warmup, budgetMs, budgetLevel }, received ${JSON.stringify(latency)}`);
  }
  if (typeof latency === 'object' && latency !== null) {
    // checked here, before anything runs: a bad option must not become a "latency not measured" warning
    const { iterations, warmup, budgetMs, budgetLevel } = latency;
    if (iterations !== undefined && (!Number.isInteger(iterations) || iterations < 1)) {
      throw new TypeError(`runTier4: latency.iterations must be an integer >= 1, received ${JSON.stringify(iterations)}`);
    }
    if (warmup !== undefined && (!Number.isInteger(warmup) || warmup < 0)) {
      throw new TypeError(`runTier4: latency.warmup must be an integer >= 0, received ${JSON.stringify(warmup)}`);
    }
    if (budgetMs !== undefined && (typeof budgetMs !== 'number' || !Number.isFinite(budgetMs) || budgetMs <= 0)) {
      throw new TypeError(`runTier4: latency.budgetMs must be a positive number of ms, received ${JSON.stringify(budgetMs)}`);
    }
    if (budgetLevel !== undefined && budgetLevel !== 'warn' && budgetLevel !== 'fail') {
      throw new TypeError(`runTier4: latency.budgetLevel must be 'warn' or 'fail', received ${JSON.stringify(budgetLevel)}`);
    }
  }
}

function modelInfo(ed: ExportDir): Tier4ModelInfo {
  const md: ExportMetadata = ed.metadata;
  const failed: Record<string, string> = {};
  for (const [f, text] of Object.entries(md.formats_failed ?? {})) failed[f] = summarizeErrorText(String(text));
  return {
    name: md.task_name,
    task_type: md.task_type,
    modality: md.modality,
    export_dir: ed.dir,
    inputs: md.inputs.map((s) => ({ name: s.name, dtype: s.dtype, shape: [...s.shape] })),
    outputs: md.outputs.map((s) => ({ name: s.name, dtype: s.dtype, shape: [...s.shape] })),
    quantization: md.quantization ?? null,
    quantization_info: (md.quantization_info as Record<string, unknown> | null) ?? null,
    formats_requested: [...md.formats_requested],
    formats_written: [...md.formats_written],
    formats_failed: failed,
    opset: md.opset ?? null,
    torch_version: md.torch_version ?? null,
    onnx_version: md.onnx_version ?? null,
    exported_at: md.exported_at ?? null,
    model_source: (md.model_source as unknown as Record<string, unknown>) ?? null,
    num_samples: ed.sampleCount,
  };
}

/** How bad a failing parity result is, to pick the worst one for the reason (structural failures first). */
function failRank(p: ParityResult): number {
  if (p.numel === 0 || p.nan_mismatches > 0 || p.inf_mismatches > 0) return Number.POSITIVE_INFINITY;
  return p.statistic_value;
}

function parityReason(output: string, sample: string, p: ParityResult): string {
  if (p.reason && p.numel === 0) return `output '${output}' (${sample}): ${p.reason}`;
  const where = `at ${formatIndex(p.max_abs_index)} (actual ${formatValue(p.max_abs_actual)}, reference ${formatValue(p.max_abs_reference)})`;
  const stat = p.tolerance.statistic;
  if (stat === 'elementwise') {
    return (
      `output '${output}' (${sample}): ${p.mismatched}/${p.numel} elements over tolerance (${p.tolerance.description}); ` +
      `max abs diff ${formatValue(p.max_abs_diff)} ${where}` +
      (p.reason ? `; ${p.reason}` : '')
    );
  }
  return (
    `output '${output}' (${sample}): ${typeof stat === 'string' ? stat : `quantile ${stat.quantile}`} abs diff ${formatValue(p.statistic_value)} > ${formatValue(p.threshold)} (${p.tolerance.description}); ` +
    `max abs diff ${formatValue(p.max_abs_diff)} ${where}` +
    (p.reason ? `; ${p.reason}` : '')
  );
}

/**
 * Validates an export dir: runs every format on every checked sample, checks shapes and parity
 * against the eager PyTorch reference outputs, measures latency and the speed-up against eager
 * PyTorch, and returns the Tier 4 dict (and writes it when `json` is given).
 *
 * Verdict rules (docs/tier4-report.md): a format whose artifact is missing or failed to export
 * is skipped with a warning; no validated format gives `fail`; any parity or shape failure, or a
 * runner error, fails its format and the report; warnings without failures give `warn`.
 *
 * @throws ExportDirReadError when the export dir cannot be read (no or invalid metadata.json, a
 *   missing or corrupt reference sample), TypeError on invalid options, the signal's error when
 *   aborted. Failures of the model itself never throw: they are in the dict.
 */
export async function runTier4(options: RunTier4Options): Promise<Tier4Report> {
  checkOptions(options);
  profileMark('validation:start', { export_dir: typeof options.exportDir === 'string' ? options.exportDir : options.exportDir.dir });
  const log = options.log ?? (() => undefined);
  let ed: ExportDir;
  try {
    ed = typeof options.exportDir === 'string' ? await openExportDir(options.exportDir) : options.exportDir;
  } catch (err) {
    throw new ExportDirReadError(String(options.exportDir), err);
  }
  const md = ed.metadata;
  if (options.outputThresholds !== undefined) {
    checkOutputThresholds(options.outputThresholds, md.outputs.map((o) => o.name), 'runTier4: outputThresholds');
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
  const threads = options.threads ?? defaultTier4Threads();
  const timeouts = new WorkerTimeouts(options.timeoutMs);
  const latencyOpts = options.latency === false ? null : { iterations: 100, warmup: 10, ...(options.latency ?? {}) };

  const warnings: string[] = [];
  const formats: Record<string, Tier4FormatReport> = {};
  const parityReport: Tier4Report['parity_report'] = {};

  // the eager baseline is the reference of the speed-up, not a deployment format
  const baseline = eagerBaselineFormat();
  const requested = options.formats ?? md.formats_requested.filter((f) => f !== baseline && hasRunner(f));
  const numSamples = options.numSamples ?? DEFAULT_TIER4_SAMPLES;
  const count = Math.min(numSamples, ed.sampleCount);
  if (ed.sampleCount < numSamples) {
    warnings.push(`only ${ed.sampleCount} reference sample(s) in the export; checked ${count} instead of ${numSamples}`);
  }

  const samples: Sample[] = [];
  for (let i = 0; i < count; i++) {
    try {
      samples.push(await ed.loadSample(i));
    } catch (err) {
      throw new ExportDirReadError(ed.dir, err);
    }
  }

  const scales = referenceScales(samples);

  const workers = validationWorkers({
    ...(options.pool !== undefined ? { pool: options.pool } : {}),
    ...(options.python ? { python: options.python } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    log,
  });
  const needsWorker = runnerNeedsPythonWorker;

  const runnerOptions = async (format: string): Promise<OpenRunnerOptions & { worker?: WorkerChannel }> => ({
    threads,
    ...(options.python ? { python: options.python } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.trustModelSource === true ? { trustModelSource: true } : {}),
    ...(needsWorker(format) ? { worker: await workers.worker() } : {}),
  });

  const latencySample = samples[0];
  const timed: string[] = [];
  try {
    for (const format of requested) {
      options.signal?.throwIfAborted();
      // the export format whose file this runner executes ('onnx' for an 'onnx-web' runner)
      const artifactFormat = runnerArtifact(format);
      const artifactInfo = md.artifacts?.[artifactFormat as keyof ExportMetadata['artifacts']];
      const path = artifactFormat === 'metadata' ? undefined : ed.paths[artifactFormat as keyof ExportDir['paths']];
      const artifact = path ? relative(ed.dir, path).split('\\').join('/') : (artifactInfo?.path ?? null);
      const entry = emptyFormatReport({ threshold, rtol: tolerance.rtol, preset, statistic, artifact });
      formats[format] = entry;

      // skipped formats
      const failedText = md.formats_failed?.[artifactFormat as keyof ExportMetadata['formats_failed']];
      const via = artifactFormat === format ? '' : `${artifactFormat} `;
      let skipReason: string | null = null;
      if (failedText !== undefined) skipReason = `${via}export failed: ${summarizeErrorText(String(failedText))}`;
      else if (!md.formats_requested.includes(artifactFormat as never) && !path) skipReason = `${via}not exported (not in formats_requested)`;
      else if (!path) {
        skipReason = md.formats_written.includes(artifactFormat as never)
          ? `listed in metadata.json but ${artifactInfo?.path ?? 'its artifact'} is missing on disk`
          : 'not written by the exporter';
      }
      if (skipReason) {
        entry.status = 'warn';
        entry.skipped = true;
        entry.reason = skipReason;
        warnings.push(`${format}: skipped, ${skipReason}`);
        continue;
      }
      if (samples.length === 0) {
        entry.status = 'fail';
        entry.reason = 'the export has no reference samples';
        continue;
      }

      // the artifact is the one that was exported, or the report says it is not
      let digestWarning: string | null = null;
      if (path) {
        try {
          entry.artifact_check = await checkArtifactDigest(path, artifactInfo as RecordedArtifact | undefined, options.signal);
          digestWarning = artifactMismatchMessage(entry.artifact ?? path, entry.artifact_check);
          if (digestWarning) warnings.push(`${format}: ${digestWarning}`);
        } catch (err) {
          if (options.signal?.aborted) throw err;
          // an unreadable file is the runner's error to report
        }
      }

      // run: opening and parity hold the timing gate shared, latency exclusive
      let runner: ModelRunner | undefined;
      const report: Record<string, Tier4SampleReport> = {};
      parityReport[format] = report;
      // lease (or start) the worker before taking the gate: waiting for a Python start must not hold up others' timings
      if (needsWorker(format)) await workers.worker().catch(() => undefined);
      let ungate: (() => void) | undefined = await workers.gate('shared');
      const openUngated = (): void => {
        ungate?.();
        ungate = undefined;
      };
      try {
        log(`${format}: opening ${path}`);
        runner = await openRunner(format, ed, await runnerOptions(format));
        entry.runtime = runner.runtime;
        entry.threads = runner.threading ?? null;
      } catch (err) {
        openUngated();
        if (options.signal?.aborted) throw err;
        entry.status = 'fail';
        entry.timeout = isWorkerTimeout(err) ? timeouts.record(format, 'open', null, err, errorLine(err)) : null;
        entry.reason = entry.timeout ? timeoutReason(entry.timeout, options.timeoutMs) : `cannot open: ${errorLine(err)}`;
        log(`${format}: ${entry.reason}`);
        continue;
      }
      try {
        let parity: Tier4Status = 'ok';
        let shape: 'ok' | 'fail' = 'ok';
        let maxAbs = 0;
        let maxRel = 0;
        let absSum = 0;
        let numel = 0;
        let worst: Tier4Worst | null = null;
        let firstFail: string | null = null;
        // parity: the reason names the WORST failing (sample, output), not the first one
        let worstFail: { rank: number; text: string } | null = null;
        const collector = quantizationCollector(ed, format);
        const failedSamples = new Set<string>();
        const tally = new OutputTally();
        const outcomes: SampleOutcome[] = [];
        const agreement = new AgreementAccumulator();
        // torch.onnx.export drops inputs the graph does not use: such a sample input is not fed,
        // and the warning tells the deployment engineer the artifact's signature differs
        const feeds = feedsFor(runner.inputNames);
        const unused = unusedInputs(runner.inputNames, samples.flatMap((s) => Object.keys(s.inputs)));
        if (unused.length > 0) {
          warnings.push(
            `${format}: the model takes no input ${unused.map((n) => `'${n}'`).join(', ')} (its inputs: ${runner.inputNames.join(', ')}); ` +
              `not fed (torch.onnx.export drops inputs the graph does not use: do not send ${unused.length === 1 ? 'it' : 'them'} when serving)`,
          );
        }
        for (const sample of samples) {
          options.signal?.throwIfAborted();
          const sr: Tier4SampleReport = { batch_size: sample.batchSize, outputs: {}, error: null };
          report[sample.id] = sr;
          let outputs;
          try {
            const t0 = performance.now();
            outputs = (await runner.run(feeds(sample.inputs), timeouts.runOptions(format, sample.batchSize))).outputs;
            timeouts.observe(format, sample.id, sample.batchSize, performance.now() - t0);
          } catch (err) {
            if (options.signal?.aborted) throw err;
            sr.error = errorLine(err);
            // a timeout is its own reason (the worker was killed): the samples after it are not run
            if (isWorkerTimeout(err)) {
              entry.timeout = timeouts.record(format, 'run', sample.id, err, sr.error);
              break;
            }
            parity = 'fail';
            firstFail ??= `run failed on ${sample.id}: ${sr.error}`;
            outcomes.push({ id: sample.id, bindings: bindInputDims(md.inputs, sample.inputs), failed: true, implicates: isSizeError(err instanceof Error ? err.message : String(err)) ? 'all' : [] });
            continue;
          }
          entry.samples_checked++;
          const bindings = bindInputDims(md.inputs, sample.inputs);
          const sampleBindings = { ...bindings };
          let sampleFailed = false;
          const implicated = new Set<string>();
          const names = [...new Set([...md.outputs.map((o) => o.name), ...Object.keys(sample.outputs)])];
          for (const name of names) {
            const ref = sample.outputs[name];
            const spec = md.outputs.find((o) => o.name === name);
            const act = outputs[name];
            if (!ref) continue; // declared output without a reference file: nothing to compare
            if (!act) {
              sr.outputs[name] = {
                parity: null,
                shape: {
                  status: 'fail',
                  actual: [],
                  expected: spec ? [...spec.shape] : [...ref.shape],
                  reference: [...ref.shape],
                  bindings: { ...bindings },
                  reason: `output '${name}' missing; the format returned [${Object.keys(outputs).join(', ')}]`,
                },
              };
              shape = 'fail';
              firstFail ??= `${sample.id}: output '${name}' missing; the format returned [${Object.keys(outputs).join(', ')}]`;
              tally.fail(name, sample.id, toleranceFor(name, tolerance, options.outputThresholds).atol);
              sampleFailed = true;
              continue;
            }
            const sc = checkOutputShape(name, act.shape, spec ? spec.shape : ref.shape, ref.shape, bindings);
            if (sc.status === 'fail') {
              shape = 'fail';
              firstFail ??= `${sample.id}: ${sc.reason}`;
              sampleFailed = true;
              // the dynamic dims whose output axes came back with another size than the sample's
              (spec?.shape ?? []).forEach((d, axis) => {
                if (typeof d === 'string' && sc.actual.length === spec!.shape.length && sc.actual[axis] !== sampleBindings[d]) implicated.add(d);
              });
            }
            const outputTolerance = toleranceFor(name, tolerance, options.outputThresholds);
            const p = checkParity(act, ref, outputTolerance, { histogram: true });
            collector?.add(name, act, ref, p);
            tally.add(name, sample.id, p, outputTolerance.atol);
            if (p.status === 'fail') sampleFailed = true;
            sr.outputs[name] = { parity: p, shape: sc };
            agreement.add(name, p);
            parity = worseStatus(parity, p.status);
            if (p.status === 'fail') {
              failedSamples.add(sample.id);
              const rank = failRank(p);
              const text = nonFiniteParityReason(name, sample.id, p, act) ?? parityReason(name, sample.id, p);
              if (worstFail === null || rank > worstFail.rank) worstFail = { rank, text };
            }
            // a NaN reference equals a NaN output: the export fails unless the user allows it here
            const refBad = referenceNonFiniteReason(name, sample.id, ref, options.allowNonFinite);
            if (refBad !== null) {
              parity = 'fail';
              sampleFailed = true;
              failedSamples.add(sample.id);
              firstFail ??= refBad;
            }
            if (p.numel > 0) {
              absSum += p.mean_abs_diff * p.numel;
              numel += p.numel;
            }
            maxRel = Math.max(maxRel, p.max_rel_diff);
            if (worst === null || p.max_abs_diff > worst.max_abs_diff) {
              worst = {
                sample: sample.id,
                output: name,
                index: p.max_abs_index,
                actual: p.max_abs_actual,
                reference: p.max_abs_reference,
                max_abs_diff: p.max_abs_diff,
              };
            }
            maxAbs = Math.max(maxAbs, p.max_abs_diff);
          }
          outcomes.push({ id: sample.id, bindings: sampleBindings, failed: sampleFailed, implicates: [...implicated] });
        }
        entry.outputs = tally.summary();
        entry.parity = parity;
        entry.shape = shape;
        entry.max_abs_diff = entry.samples_checked > 0 ? maxAbs : null;
        entry.max_rel_diff = entry.samples_checked > 0 ? maxRel : null;
        entry.mean_abs_diff = numel > 0 ? absSum / numel : entry.samples_checked > 0 ? 0 : null;
        entry.worst = worst;
        const scale = judgeScale(agreement, scales, tolerance, minSqnr, 'minSqnrDb, --min-sqnr', entry.samples_checked);
        entry.relative_error = scale.worst ? scale.worst.stats.relative_error : null;
        entry.sqnr_db = scale.worst ? scale.worst.stats.sqnr_db : null;
        entry.cosine = scale.worst ? scale.worst.stats.cosine : null;
        entry.min_sqnr_db = minSqnr === -Infinity ? null : minSqnr;
        entry.agreement = scale.byOutput;
        parity = worseStatus(parity, scale.status);
        entry.parity = parity;
        // a property of the reference samples, not of the format: one warning for all formats
        for (const v of scale.vacuous) if (!warnings.includes(v)) warnings.push(v);
        entry.status = worseStatus(parity, shape);
        const wf = worstFail as { rank: number; text: string } | null;
        if (wf) {
          firstFail ??= `parity failed in ${failedSamples.size}/${entry.samples_checked} sample(s); worst: ${wf.text}`;
        }
        // a graph that only works at the size it was traced with: say so, naming the dimension
        const specialised = firstFail ? diagnoseTracedSize(outcomes, md.traced_with) : null;
        const absolute = specialised ? `${specialised}; first failure: ${firstFail}` : firstFail;
        // the absolute check's failure first (it names the worst element), then the scale-free gate and vacuous checks
        entry.reason = [absolute, ...scale.reasons, digestWarning].filter((r): r is string => r !== null).join('; ') || null;
        if (digestWarning) entry.status = worseStatus(entry.status, 'warn');
        if (parity === 'warn' && !entry.reason) entry.reason = 'parity within the allowed mismatch fraction (warn)';
        applyRunTimeout(entry, options.timeoutMs);
        if (collector && entry.samples_checked > 0) {
          const q = await quantizationSection({
            ed,
            format,
            collector,
            options: options.quantization ?? {},
            thresholds: split.quantization,
            log,
            // int8 ONNX: the per-layer machinery of tier4 layers (the rewrite keeps every scope name)
            ...(format === 'onnx' && md.quantization === 'dynamic'
              ? {
                  perLayer: () =>
                    compareQuantizedLayers(ed, {
                      ...(options.python ? { python: options.python } : {}),
                      ...(options.quantization?.timeoutMs ? { timeoutMs: options.quantization.timeoutMs } : {}),
                      ...(options.signal ? { signal: options.signal } : {}),
                      ...(options.trustModelSource === true ? { trustModelSource: true } : {}),
                    }),
                }
              : {}),
            ...(options.python ? { python: options.python } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
          });
          entry.quantization = q;
          warnings.push(...q.warnings.map((w) => `${format}: quantization: ${w}`));
          if (q.status === 'fail') {
            entry.status = 'fail';
            entry.reason = entry.reason ? `${entry.reason}; quantization: ${q.reason}` : `quantization: ${q.reason}`;
          }
        }
        if (parity === 'fail' && format === 'onnx' && preset === 'fp32' && options.localise !== false) {
          // where is the divergence born? (docs/layers.md)
          const blocker = localisationBlocker(ed, options.trustModelSource === true);
          if (blocker) {
            warnings.push(`onnx: divergence not localised per layer: ${blocker}`);
          } else {
            try {
              log('onnx: localising the divergence per layer');
              const lr = await localiseFailure({ ed, tolerance, trustModelSource: options.trustModelSource === true, worker: await workers.worker(), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}), ...(options.signal ? { signal: options.signal } : {}) });
              entry.drift_origin = lr.drift_origin;
              entry.layers = lr;
              entry.reason = reasonWithOrigin(entry.reason, lr);
            } catch (err) {
              if (options.signal?.aborted) throw err;
              warnings.push(`onnx: divergence not localised per layer: ${errorLine(err)}`);
            }
          }
        }
        log(`${format}: parity ${parity}, shape ${shape}, max abs diff ${formatValue(entry.max_abs_diff)}`);

        openUngated();

        // latency
        if (latencyOpts && latencySample && entry.samples_checked > 0 && !entry.timeout) {
          try {
            log(`${format}: measuring latency (${latencyOpts.iterations} iterations after ${latencyOpts.warmup} warm-up)`);
            const timedRunner = runner;
            const l = await workers.gated('exclusive', () =>
              measureLatency(timedRunner, feeds(latencySample.inputs), {
                ...latencyOpts,
                ...timeouts.timeOptions(format, latencySample.batchSize, latencyOpts.iterations + latencyOpts.warmup),
                ...(options.signal ? { signal: options.signal } : {}),
              }),
            );
            Object.assign(entry, latencyFields(latencyBlock(l, latencySample)));
            timed.push(format);
            if (l.status !== 'ok') {
              entry.status = worseStatus(entry.status, l.status);
              warnings.push(`${format}: ${l.message}`);
              entry.reason ??= l.message;
            }
          } catch (err) {
            if (options.signal?.aborted) throw err;
            entry.timeout = isWorkerTimeout(err) ? timeouts.record(format, 'latency', latencySample.id, err, errorLine(err)) : null;
            warnings.push(`${format}: ${entry.timeout ? timeoutReason(entry.timeout, options.timeoutMs) : `latency not measured: ${errorLine(err)}`}`);
          }
        }
      } finally {
        openUngated();
        await runner.close().catch(() => undefined);
      }
    }

    // eager PyTorch baseline for the speed-up (a model source the user did not trust is not imported)
    const untrustedCode = options.trustModelSource === true ? null : untrustedModelSourceCode(ed);
    if (latencyOpts && latencySample && timed.length > 0 && baseline === null) {
      warnings.push('speed-up vs PyTorch not measured: no eager baseline runner is registered');
    } else if (latencyOpts && latencySample && timed.length > 0 && untrustedCode !== null) {
      warnings.push(`speed-up vs PyTorch not measured: ${new UntrustedModelSourceError(ed.dir, untrustedCode).message}`);
    } else if (latencyOpts && latencySample && timed.length > 0 && baseline !== null) {
      options.signal?.throwIfAborted();
      let eager: ModelRunner | undefined;
      try {
        log(`${baseline}: measuring the eager baseline`);
        await workers.worker().catch(() => undefined);
        const opened = await workers.gated('shared', async () => openRunner(baseline, ed, await runnerOptions(baseline)));
        eager = opened;
        const l = await workers.gated('exclusive', () =>
          measureLatency(opened, latencySample.inputs, {
            iterations: latencyOpts.iterations,
            warmup: latencyOpts.warmup,
            ...timeouts.timeOptions(null, latencySample.batchSize, latencyOpts.iterations + latencyOpts.warmup),
            ...(options.signal ? { signal: options.signal } : {}),
          }),
        );
        // the baseline has no budget of its own
        const base = latencyBlock({ ...l, budget_ms: null, budget_status: null }, latencySample);
        for (const format of timed) {
          const entry = formats[format]!;
          entry.pytorch_latency = base;
          entry.pytorch_threads = eager?.threading ?? null;
          entry.speedup_vs_pytorch = entry.latency_ms && entry.latency_ms > 0 ? base.mean_ms / entry.latency_ms : null;
          entry.speedup_vs_pytorch_p50 = entry.latency_p50_ms && entry.latency_p50_ms > 0 ? base.p50_ms / entry.latency_p50_ms : null;
          entry.speedup_clock =
            entry.latency!.clock === base.clock
              ? `both timed by ${base.clock}`
              : `eager PyTorch timed by ${base.clock}; ${format} timed by ${entry.latency!.clock} (different clocks and processes)`;
        }
      } catch (err) {
        if (options.signal?.aborted) throw err;
        const advice = isWorkerTimeout(err) ? `; ${timeoutAdvice(timeouts.record(null, timeoutStep(err), latencySample.id, err, errorLine(err)), options.timeoutMs)}` : '';
        warnings.push(`speed-up vs PyTorch not measured: the eager baseline failed: ${errorLine(err)}${advice}`);
      } finally {
        await eager?.close().catch(() => undefined);
      }
    }
  } finally {
    await workers.close();
  }

  // deployment gates (min speed-up, latency budget, max artifact size), on every validated format
  const gateOptions = options.gates ?? {};
  const baselineMissing = warnings.find((w) => w.startsWith('speed-up vs PyTorch not measured: '))?.slice('speed-up vs PyTorch not measured: '.length);
  for (const [format, entry] of Object.entries(formats)) {
    if (entry.skipped || entry.samples_checked === 0) continue;
    const size = md.artifacts?.[runnerArtifact(format) as keyof ExportMetadata['artifacts']]?.size_bytes ?? null;
    const why = !latencyOpts ? 'latency was not measured (latency: false)' : entry.latency === null ? 'its latency was not measured' : (baselineMissing ?? 'no eager baseline');
    const gates = evaluateGates(format, entry, size, gateOptions, why);
    if (gates.length === 0) continue;
    entry.gates = gates;
    // the budget's verdict is already in; a failing gate's message becomes the reason of a format
    // that did not fail otherwise
    const notHolding = gates.filter((g) => g.status !== 'ok' && g.name !== 'latency_budget');
    for (const gate of [...notHolding.filter((g) => g.status === 'fail'), ...notHolding.filter((g) => g.status !== 'fail')]) {
      if (gate.status === 'fail' && entry.status !== 'fail') entry.reason = gate.message;
      entry.status = worseStatus(entry.status, gate.status);
      entry.reason ??= gate.message;
      warnings.push(`${format}: ${gate.message!}`);
    }
    log(`${format}: gates: ${describeGates(gates)}`);
  }

  // verdict
  const validated = Object.values(formats).filter((f) => !f.skipped);
  let status: Tier4Status = 'ok';
  if (validated.length === 0) {
    status = 'fail';
    const why =
      requested.length === 0
        ? 'no format to validate (metadata.json requests none besides the pytorch state dict)'
        : `no format could be validated (${requested.map((f) => `${f}: ${formats[f]?.reason ?? 'skipped'}`).join('; ')})`;
    warnings.unshift(why);
  }
  for (const f of Object.values(formats)) status = worseStatus(status, f.status);
  if (status === 'ok' && warnings.length > 0) status = 'warn';

  const result: Tier4Report = { status, formats, parity_report: parityReport, warnings, model: modelInfo(ed) };
  profileMark('validation:end', { export_dir: ed.dir, model: md.task_name });
  if (options.json) await writeTier4Report(options.json, result);
  return result;
}
