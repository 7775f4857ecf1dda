/**
 * Step 7 of runTier4: when the fp32 ONNX format fails parity, compare it layer by layer and name
 * the layer where the divergence is born (`drift_origin`, `layers`, and the reason; docs/layers.md).
 * When that cannot be done (no stored activations and a model source that may not run) or fails,
 * a warning says why; the format's verdict stands either way.
 */
import type { ValidationWorkers } from '../../runtimes/pool/validation-workers.js';
import { localiseFailure, localisationBlocker, reasonWithOrigin } from '../localise.js';
import type { RunPlan } from './01-plan.js';
import type { FormatArtifact } from './02-artifact.js';
import { errorLine } from './errors.js';

/** Localises a failing fp32 ONNX format (unless `localise: false`). */
export async function localiseDivergence(plan: RunPlan, workers: ValidationWorkers, fa: FormatArtifact): Promise<void> {
  const { options, warnings, ed, log } = plan;
  const { entry } = fa;
  if (entry.parity !== 'fail' || fa.format !== 'onnx' || plan.preset !== 'fp32' || options.localise === false) return;
  // a sample that could not be run (inputs refused) has no divergence to localise: only an output over tolerance does
  if (!Object.values(entry.outputs ?? {}).some((o) => o.status === 'fail')) return;
  const blocker = localisationBlocker(ed, options.trustModelSource === true);
  if (blocker) {
    warnings.push(`onnx: divergence not localised per layer: ${blocker}`);
    return;
  }
  try {
    log('onnx: localising the divergence per layer');
    const lr = await localiseFailure({
      ed,
      tolerance: plan.tolerance,
      minSqnrDb: plan.minSqnr,
      trustModelSource: options.trustModelSource === true,
      worker: await workers.worker(),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    entry.drift_origin = lr.drift_origin;
    entry.layers = lr;
    entry.reason = reasonWithOrigin(entry.reason, lr);
  } catch (err) {
    if (options.signal?.aborted) throw err;
    warnings.push(`onnx: divergence not localised per layer: ${errorLine(err)}`);
  }
}
