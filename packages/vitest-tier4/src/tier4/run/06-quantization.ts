/**
 * Step 6 of runTier4, per format of a quantized export: the quantization section (SQNR, cosine,
 * top-1 agreement, size and memory ratios, per-layer SQNR for an int8 ONNX) judged on the
 * quantization thresholds; a failing threshold fails the format (docs/tier4-report.md).
 */
import { compareQuantizedLayers } from '../../quantization/layer-sqnr.js';
import { quantizationSection } from '../../quantization/step.js';
import type { ValidationWorkers } from '../../runtimes/pool/validation-workers.js';
import { localisationBlocker } from '../localise.js';
import type { RunPlan } from './01-plan.js';
import type { FormatArtifact } from './02-artifact.js';
import type { FormatComparison } from './04-compare.js';

/**
 * Adds `formats.<format>.quantization` when the export is quantized and samples were compared. The
 * per-layer comparison runs its Python side on the validation's worker (a lease of the run's pool, or
 * the private worker), as step 7 does, and the TorchScript memory probes run in children of that
 * worker's zygote: no Python process of their own.
 */
export async function judgeQuantization(plan: RunPlan, workers: ValidationWorkers, fa: FormatArtifact, c: FormatComparison): Promise<void> {
  const { ed, md, options, log } = plan;
  const { format, entry } = fa;
  if (!c.collector || entry.samples_checked === 0) return;
  const q = await quantizationSection({
    ed,
    format,
    collector: c.collector,
    options: options.quantization ?? {},
    thresholds: plan.quantizationThresholds,
    log,
    // int8 ONNX: the per-layer machinery of tier4 layers (the rewrite keeps every scope name)
    ...(format === 'onnx' && md.quantization === 'dynamic'
      ? {
          perLayerBlocked: localisationBlocker(ed, options.trustModelSource === true),
          perLayer: async () =>
            compareQuantizedLayers(ed, {
              worker: await workers.worker(),
              ...(options.quantization?.timeoutMs ? { timeoutMs: options.quantization.timeoutMs } : {}),
              ...(options.signal ? { signal: options.signal } : {}),
              ...(options.trustModelSource === true ? { trustModelSource: true } : {}),
            }),
        }
      : {}),
    worker: () => workers.worker(),
    ...(options.python ? { python: options.python } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  entry.quantization = q;
  plan.warnings.push(...q.warnings.map((w) => `${format}: quantization: ${w}`));
  if (q.status === 'fail') {
    entry.status = 'fail';
    entry.reason = entry.reason ? `${entry.reason}; quantization: ${q.reason}` : `quantization: ${q.reason}`;
  }
}
