/**
 * compareLayers: where in the deployed model.onnx does the divergence from eager PyTorch begin?
 *
 * 1. The Python worker (`layers` command, python/tier4_export/layers/) reads the reference
 *    activations of one sample (stored in the export dir, or captured now from the eager model when
 *    that is allowed), maps the leaf modules onto the export's own model.onnx by scope name, and
 *    writes an instrumented copy (compared tensors marked as outputs) and a local model (every
 *    layer's own nodes) into a temporary directory.
 * 2. onnxruntime-node runs the instrumented copy on the sample (accumulated error) and the local
 *    model on the eager inputs of each layer (local error); the parity core judges each tensor,
 *    searches a layout permutation for failing rows and names the drift origin.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOption, openExportDir, type ExportDir, type TensorData } from 'vitest-tier4-fixtures';
import { LAYERS_OPTION_RULES } from '../options/table.js';
import { checkParity } from '../parity/check.js';
import { judgeLayers, layerStatus, rowNumbers, type LayerRow, type LayoutMatch } from '../parity/layers.js';
import { detectLayout } from '../parity/layout.js';
import { formatSqnr, formatValue } from '../parity/format.js';
import { resolveTolerance } from '../parity/tolerance.js';
import { DEFAULT_MIN_SQNR_DB } from '../tier4/agreement.js';
import type { ParityResult, ResolvedTolerance, ToleranceSpec } from '../parity/types.js';
import { openOnnxRunner } from '../runtimes/onnx.js';
import { PythonWorker, PythonWorkerError } from '../runtimes/python-worker.js';
import type { WorkerChannel } from '../runtimes/worker-runner.js';
import type { TensorMap } from '../runtimes/types.js';
import { readReferences, type ReferenceSpec } from './references.js';
import type { LayersReport } from './types.js';

/** Default timeout of the Python side of one comparison (capturing a large model takes a while). */
export const DEFAULT_LAYERS_TIMEOUT_MS = 600_000;

/** Options of {@link compareLayers}. */
export interface CompareLayersOptions {
  /** The export directory (path or already opened). */
  exportDir: string | ExportDir;
  /** Reference sample index (default 0). */
  sample?: number;
  /** Tolerance every layer is judged with (default: preset fp32, atol 1e-4 and rtol 1e-4). */
  tolerance?: ToleranceSpec;
  /**
   * Scale-free gate of every row: a tensor whose SQNR is below it fails, whatever its max abs (the
   * absolute tolerance cannot see a broken layer whose activations are tiny, as with random
   * weights). Default {@link DEFAULT_MIN_SQNR_DB} (60 dB) when `tolerance` is the fp32 preset (or
   * not given), as in `tier4 validate`; off otherwise. `-Infinity` turns it off.
   */
  minSqnrDb?: number;
  /**
   * Allow rebuilding the eager model from a `{ kind: 'file' }` model source named by metadata.json
   * when no activations are stored (that imports and runs the file; default false). A built-in
   * model source needs no opt-in. Stored activations never run model code.
   */
  trustModelSource?: boolean;
  /** Python interpreter (default: TIER4_PYTHON, then candidates). */
  python?: string;
  /** Timeout of the Python request in ms (default {@link DEFAULT_LAYERS_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Use this started worker or pool lease (not closed) instead of starting one. */
  worker?: WorkerChannel;
  /** Aborts the comparison (kills a worker it started). */
  signal?: AbortSignal;
}

/** A comparison that cannot run at all; the message names the export dir and the cause. */
export class LayersError extends Error {
  override readonly name = 'LayersError';
}

interface PlanRow {
  name: string;
  modules: string[];
  module_types: string[];
  group: number | null;
  output_index: Array<number | string>;
  reference: string | null;
  onnx_tensor: string | null;
  local_tensor: string | null;
  status: 'skipped' | null;
  reason: string | null;
}

interface PlanGroup {
  index: number;
  onnx_nodes: string[];
  op_types: string[];
  inputs: Array<{ name: string; onnx: string; source: 'sample' | 'eager' | 'onnx'; ref: string }>;
  outputs: string[];
  error: string | null;
  model: string | null;
}

interface Plan {
  sample: number;
  sample_id: string;
  source: 'stored' | 'eager';
  onnx: string;
  instrumented: string;
  local: string;
  rows: PlanRow[];
  groups: PlanGroup[];
  warnings: string[];
  timings: { capture_s: number; graph_s: number };
  capture: { leaves: number; bytes: number; sent_bytes: number };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function prepare(
  worker: WorkerChannel,
  exportDir: string,
  sample: number,
  workDir: string,
  split: boolean,
  options: CompareLayersOptions,
): Promise<{ plan: Plan; refs: Map<string, TensorData> }> {
  let res;
  try {
    res = await worker.request(
      { cmd: 'layers', export_dir: exportDir, sample, work_dir: workDir, split, trust_model_source: options.trustModelSource === true },
      [],
      { timeoutMs: options.timeoutMs ?? DEFAULT_LAYERS_TIMEOUT_MS, subject: exportDir },
    );
  } catch (err) {
    if (err instanceof PythonWorkerError && err.code === 'remote') throw new LayersError(`per-layer comparison of ${exportDir}: ${err.message}`, { cause: err });
    throw err;
  }
  const references = res.header.references as { file: string; tensors: ReferenceSpec[] } | undefined;
  if (!references || typeof references.file !== 'string' || !Array.isArray(references.tensors)) {
    throw new LayersError(`per-layer comparison of ${exportDir}: the Python worker sent no references file (an older tier4_export?)`);
  }
  const refs = await readReferences(references.file, references.tensors);
  return { plan: res.header.plan as Plan, refs };
}

async function runModel(file: string, feeds: TensorMap, signal?: AbortSignal): Promise<TensorMap> {
  // No CPU memory arena: the arena keeps the run's output buffers after onnxruntime-node copied
  // them into JavaScript, so every compared tensor would be held twice until the session closes.
  const runner = await openOnnxRunner(file, { cache: false, sessionOptions: { enableCpuMemArena: false }, ...(signal ? { signal } : {}) });
  try {
    const inputs: TensorMap = {};
    for (const n of runner.inputNames) {
      const t = feeds[n];
      if (!t) throw new Error(`${file}: no value for input '${n}'`);
      inputs[n] = t;
    }
    return (await runner.run(inputs)).outputs;
  } finally {
    await runner.close();
  }
}

function localFeeds(groups: readonly PlanGroup[], sampleInputs: TensorMap, refs: Map<string, TensorData>, accumulated: TensorMap): TensorMap {
  const feeds: TensorMap = {};
  for (const g of groups) {
    for (const i of g.inputs) {
      const value = i.source === 'sample' ? sampleInputs[i.ref] : i.source === 'eager' ? refs.get(i.ref) : accumulated[i.ref];
      if (value) feeds[i.name] = value;
    }
  }
  return feeds;
}

/** `res` failed when its SQNR is below the gate (and it passed the tolerance). */
function sqnrGate(res: ParityResult, minSqnrDb: number): ParityResult {
  if (res.status === 'fail' || !(res.sqnr_db < minSqnrDb)) return res;
  return { ...res, status: 'fail', reason: `SQNR ${formatSqnr(res.sqnr_db)} below the scale-free gate of ${formatSqnr(minSqnrDb)} (max abs ${formatValue(res.max_abs_diff)} within the tolerance)` };
}

/** A row judged on its accumulated error (the local error is added once the local model ran). */
interface AccumulatedRow {
  row: LayerRow;
  /** The accumulated verdict; absent for a row that is skipped or could not be judged. */
  acc?: ParityResult;
  /** Layout of the accumulated tensor when it fails (used when the local error does not fail). */
  accLayout: LayoutMatch | null;
}

function judgeAccumulated(
  pr: PlanRow,
  plan: Plan,
  refs: Map<string, TensorData>,
  accumulated: TensorMap,
  toleranceSpec: ToleranceSpec,
  tolerance: ResolvedTolerance,
  minSqnrDb: number,
): AccumulatedRow {
  const g = pr.group !== null ? plan.groups[pr.group] : undefined;
  const ref = pr.reference ? refs.get(pr.reference) : undefined;
  const base: LayerRow = {
    name: pr.name,
    modules: pr.modules,
    module_types: pr.module_types,
    onnx_nodes: g?.onnx_nodes ?? [],
    op_types: g ? [...new Set(g.op_types)] : [],
    onnx_tensor: pr.onnx_tensor,
    shape: ref ? [...ref.shape] : null,
    max_abs_diff: null,
    mean_abs_diff: null,
    max_rel_diff: null,
    accumulated_status: null,
    local_max_abs_diff: null,
    local_mean_abs_diff: null,
    local_status: null,
    status: 'skipped',
    layout: null,
    reason: pr.reason,
  };
  if (pr.status === 'skipped' || !ref || !pr.onnx_tensor) return { row: base, accLayout: null };
  const actual = accumulated[pr.onnx_tensor];
  if (!actual) return { row: { ...base, status: 'error', reason: `tensor ${pr.onnx_tensor} missing from the instrumented run` }, accLayout: null };
  let acc: ParityResult;
  try {
    acc = sqnrGate(checkParity(actual, ref, toleranceSpec), minSqnrDb);
  } catch (err) {
    return { row: { ...base, status: 'error', reason: message(err) }, accLayout: null };
  }
  return { row: { ...base, ...rowNumbers(acc), reason: acc.reason ?? null }, acc, accLayout: acc.status === 'fail' ? detectLayout(actual, ref, tolerance, minSqnrDb) : null };
}

/**
 * Compares the export's own model.onnx with the eager model layer by layer.
 *
 * @returns The per-layer report: rows in execution order, drift origin (first local break),
 *   first accumulated break, a one-line explanation and the time spent in each step.
 * @throws LayersError when the comparison cannot run (no model.onnx, no activations and no
 *   allowed model source, a graph without module scope names); TypeError for bad options.
 */
export async function compareLayers(options: CompareLayersOptions): Promise<LayersReport> {
  if (options === null || typeof options !== 'object') throw new TypeError('compareLayers: expected an options object');
  const sample = options.sample ?? 0;
  checkOption('compareLayers', 'sample', LAYERS_OPTION_RULES.sample, sample);
  const toleranceSpec: ToleranceSpec = options.tolerance ?? 'fp32';
  const tolerance: ResolvedTolerance = resolveTolerance(toleranceSpec);
  if (options.minSqnrDb !== undefined) checkOption('compareLayers', 'minSqnrDb', LAYERS_OPTION_RULES.minSqnrDb, options.minSqnrDb);
  const minSqnrDb = options.minSqnrDb ?? (tolerance.preset === 'fp32' ? DEFAULT_MIN_SQNR_DB : -Infinity);
  // the explanation names both gates a row is judged by
  const judgedBy: ResolvedTolerance = minSqnrDb > -Infinity ? { ...tolerance, description: `${tolerance.description} + SQNR >= ${formatSqnr(minSqnrDb)}` } : tolerance;
  const t0 = performance.now();
  const ed = typeof options.exportDir === 'string' ? await openExportDir(options.exportDir) : options.exportDir;
  if (!ed.paths.onnx) {
    throw new LayersError(`per-layer comparison of ${ed.dir}: the export has no model.onnx (formats written: ${ed.metadata.formats_written.join(', ') || 'none'}); per-layer comparison needs ONNX (TorchScript per-layer is not supported)`);
  }
  if (sample >= ed.sampleCount) {
    throw new LayersError(`per-layer comparison of ${ed.dir}: sample ${sample} does not exist (the export has ${ed.sampleCount} sample(s))`);
  }
  const worker: WorkerChannel = options.worker ?? (await PythonWorker.start({ ...(options.python ? { python: options.python } : {}), ...(options.signal ? { signal: options.signal } : {}) }));
  const workDir = await mkdtemp(join(tmpdir(), 'tier4-layers-'));
  try {
    const tp = performance.now();
    let { plan, refs } = await prepare(worker, ed.dir, sample, workDir, false, options);
    const prepareMs = performance.now() - tp;
    const warnings = [...plan.warnings];
    const sampleData = await ed.loadSample(sample);
    const sampleInputs: TensorMap = { ...sampleData.inputs };

    const to = performance.now();
    let accumulated: TensorMap;
    try {
      accumulated = await runModel(plan.instrumented, sampleInputs, options.signal);
    } catch (err) {
      throw new LayersError(`per-layer comparison of ${ed.dir}: the instrumented copy of ${plan.onnx} does not run: ${message(err)}`, { cause: err });
    }
    const onnxMs = performance.now() - to;

    // Judge the accumulated tensors now and keep only what the local run reads (integer and shape
    // tensors fed from the ONNX run): the outputs of the two runs are never held together.
    const tc = performance.now();
    const judged = plan.rows.map((pr) => judgeAccumulated(pr, plan, refs, accumulated, toleranceSpec, tolerance, minSqnrDb));
    const aux: TensorMap = {};
    for (const g of plan.groups) for (const i of g.inputs) if (i.source === 'onnx' && accumulated[i.ref]) aux[i.ref] = accumulated[i.ref]!;
    accumulated = {};
    let compareMs = performance.now() - tc;

    const tl = performance.now();
    const groupErrors = new Map<number, string>();
    for (const g of plan.groups) if (g.error) groupErrors.set(g.index, `its subgraph cannot be extracted: ${g.error}`);
    let local: TensorMap = {};
    const usable = plan.groups.filter((g) => !g.error && g.outputs.length > 0);
    try {
      if (usable.length > 0) local = await runModel(plan.local, localFeeds(usable, sampleInputs, refs, aux), options.signal);
    } catch (err) {
      // one layer's subgraph spoils the combined model: run each layer on its own to find it
      warnings.push(`the combined local model did not run (${message(err).split('\n')[0]}); each layer was run on its own`);
      ({ plan, refs } = await prepare(worker, ed.dir, sample, workDir, true, options));
      for (const g of plan.groups) {
        if (g.error || g.outputs.length === 0 || !g.model) continue;
        try {
          Object.assign(local, await runModel(g.model, localFeeds([g], sampleInputs, refs, aux), options.signal));
        } catch (e) {
          groupErrors.set(g.index, `its subgraph does not run on its own: ${message(e).split('\n')[0]}`);
        }
      }
    }
    const localMs = performance.now() - tl;

    const tc2 = performance.now();
    const rows: LayerRow[] = judged.map(({ row, acc, accLayout }, k) => {
      const pr = plan.rows[k]!;
      if (!acc) return row;
      const ref = refs.get(pr.reference!)!;
      const groupError = pr.group !== null ? groupErrors.get(pr.group) : undefined;
      const localActual = pr.local_tensor ? local[pr.local_tensor] : undefined;
      let loc: ParityResult | undefined;
      if (localActual) {
        loc = sqnrGate(checkParity(localActual, ref, toleranceSpec), minSqnrDb);
        row.local_max_abs_diff = loc.max_abs_diff;
        row.local_mean_abs_diff = loc.mean_abs_diff;
        row.local_status = loc.status;
        row.local_sqnr_db = loc.sqnr_db;
      } else {
        row.reason = `local error not measured: ${groupError ?? 'no local output'}`;
      }
      row.status = layerStatus(acc.status, row.local_status);
      if (loc?.status === 'fail' && localActual) row.layout = detectLayout(localActual, ref, tolerance, minSqnrDb);
      else if (acc.status === 'fail') row.layout = accLayout;
      if ((acc.status === 'fail' || loc?.status === 'fail') && !row.reason && (acc.reason ?? loc?.reason)) row.reason = acc.reason ?? loc?.reason ?? null;
      return row;
    });
    compareMs += performance.now() - tc2;
    const verdict = judgeLayers(rows, judgedBy, minSqnrDb);
    const compared = rows.filter((r) => r.accumulated_status !== null);
    return {
      ...verdict,
      tolerance,
      min_sqnr_db: minSqnrDb > -Infinity ? minSqnrDb : null,
      layers: rows,
      onnx: plan.onnx,
      sample: { index: plan.sample, id: plan.sample_id },
      reference: plan.source,
      capture: { leaves: plan.capture.leaves, bytes: plan.capture.bytes },
      counts: {
        compared: compared.length,
        skipped: rows.length - compared.length,
        over_tolerance_accumulated: compared.filter((r) => r.accumulated_status === 'fail').length,
        over_tolerance_local: compared.filter((r) => r.local_status === 'fail').length,
      },
      warnings,
      timings: {
        capture_ms: plan.timings.capture_s * 1000,
        graph_ms: plan.timings.graph_s * 1000,
        prepare_ms: prepareMs,
        onnx_ms: onnxMs,
        local_ms: localMs,
        compare_ms: compareMs,
        total_ms: performance.now() - t0,
      },
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
    if (!options.worker) await worker.close();
  }
}
