/**
 * When an ONNX format fails parity, say where the divergence is born: runTier4 runs the per-layer
 * comparison (layers/) when it can without running code the user did not allow, and the format's
 * report gets `drift_origin`, `layers` and the origin in its reason.
 */
import type { ExportDir } from 'vitest-tier4-fixtures';
import { compareLayers } from '../layers/compare.js';
import type { LayersReport } from '../layers/types.js';
import type { ToleranceSpec } from '../parity/types.js';
import type { WorkerChannel } from '../runtimes/worker-runner.js';

/** Why a failing ONNX format cannot be localised, or null when it can. */
export function localisationBlocker(ed: ExportDir, trustModelSource: boolean): string | null {
  if (!ed.paths.onnx) return 'no model.onnx';
  const stored = ed.metadata.layers?.samples ?? [];
  if (stored.some((s) => s.sample === ed.metadata.samples[0]?.id)) return null;
  const source = ed.metadata.model_source as unknown;
  if (source === null || typeof source !== 'object') {
    return 'no reference activations stored (export with layers=True or --layers) and no model_source to capture them from';
  }
  if ((source as Record<string, unknown>)['kind'] === 'builtin' || trustModelSource) return null;
  return 'no reference activations stored (export with layers=True or --layers) and the file model_source is not trusted (trustModelSource / --trust-model-source)';
}

/** Options of {@link localiseFailure}. */
export interface LocaliseOptions {
  ed: ExportDir;
  /** The format's own tolerance: every layer is judged as the format's outputs were. */
  tolerance: ToleranceSpec;
  /** The format's scale-free gate (-Infinity: none): a layer is judged as the format's outputs were. */
  minSqnrDb: number;
  trustModelSource: boolean;
  worker: WorkerChannel;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Runs the per-layer comparison of sample 0 for a failing ONNX format. */
export async function localiseFailure(options: LocaliseOptions): Promise<LayersReport> {
  return compareLayers({
    exportDir: options.ed,
    sample: 0,
    tolerance: options.tolerance,
    minSqnrDb: options.minSqnrDb,
    trustModelSource: options.trustModelSource,
    worker: options.worker,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** The format reason with the origin: `<reason>; divergence born at layer3.0.conv2 (local 0.29, ...)`. */
export function reasonWithOrigin(reason: string | null, report: LayersReport): string {
  return reason ? `${reason}; ${report.explanation}` : report.explanation;
}
