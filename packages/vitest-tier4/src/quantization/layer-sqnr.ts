/**
 * Per-layer SQNR of an int8 ONNX export, from the per-layer machinery of `tier4 layers` (compareLayers): every
 * leaf module of the eager fp32 model is mapped onto the int8 model.onnx by its scope (the int8 rewrite keeps
 * every scope and tensor name), the instrumented graph runs on one sample (accumulated error) and each layer's
 * own nodes run on the eager inputs of that layer (local error). The local SQNR is the cost of that layer
 * alone; the worst layer is the one with the lowest local SQNR (accumulated when local is not measured).
 *
 * @packageDocumentation
 */
import type { ExportDir } from 'vitest-tier4-fixtures';
import { compareLayers } from '../layers/compare.js';
import type { WorkerChannel } from '../runtimes/worker-runner.js';
import type { LayerSqnrResult } from './section.js';
import type { Tier4QuantizationLayerSqnr } from './types.js';

/** Options of {@link compareQuantizedLayers}. */
export interface QuantizedLayersOptions {
  /** The started worker (or pool lease) to run the Python side on; not closed. Without it compareLayers starts one. */
  worker?: WorkerChannel;
  /** Interpreter of the worker compareLayers starts when no `worker` is given. */
  python?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  trustModelSource?: boolean;
}

/** Runs compareLayers on the export's int8 model.onnx (sample 0) and keeps each compared layer's SQNR. */
export async function compareQuantizedLayers(ed: ExportDir, options: QuantizedLayersOptions = {}): Promise<LayerSqnrResult> {
  const report = await compareLayers({
    exportDir: ed,
    sample: 0,
    minSqnrDb: -Infinity, // only the SQNR values are used: no per-row gate (nor layout search on int8 rows)
    ...(options.worker ? { worker: options.worker } : {}),
    ...(options.python ? { python: options.python } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.trustModelSource ? { trustModelSource: true } : {}),
  });
  const layers: Tier4QuantizationLayerSqnr[] = [];
  for (const row of report.layers) {
    if (row.accumulated_status === null || !row.onnx_tensor) continue;
    const local = row.local_sqnr_db ?? null;
    const accumulated = row.sqnr_db ?? null;
    layers.push({ name: row.name, tensor: row.onnx_tensor, sqnr_db: local ?? accumulated, accumulated_sqnr_db: accumulated, local: local !== null });
  }
  return {
    layers,
    note:
      `per-layer SQNR against the eager fp32 activations of ${report.sample.id} (tier4 layers' comparison, reference ${report.reference}): ` +
      'sqnr_db is the layer alone (fed the eager inputs), accumulated_sqnr_db the whole graph up to it; the worst layer has the lowest sqnr_db',
  };
}
