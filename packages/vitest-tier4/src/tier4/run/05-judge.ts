/**
 * Step 5 of runTier4, per format: the format's verdict on its samples. The absolute check (the
 * preset's statistic against its threshold), the scale-free gate (SQNR, for fp32) and the
 * vacuous-check warnings make the parity status; shape and parity make the format's status; the
 * reason names the worst failure first (and a graph fixed to its traced size, when that explains it).
 */
import { UNRELATED_HINT } from '../agreement.js';
import { diagnoseTracedSize } from '../specialisation.js';
import { judgeScale } from '../scale-verdict.js';
import { worseStatus } from '../aggregate.js';
import { applyRunTimeout } from '../timeouts.js';
import type { RunPlan } from './01-plan.js';
import type { FormatArtifact } from './02-artifact.js';
import type { FormatComparison } from './04-compare.js';

/** Fills the figures, status and reason of `fa.entry` from the comparison. */
export function judgeFormat(plan: RunPlan, fa: FormatArtifact, c: FormatComparison): void {
  const { entry, digestWarning, trainingWarning } = fa;
  const { warnings, minSqnr } = plan;
  Object.assign(entry, c.parity.fields());
  entry.outputs = c.tally.summary();
  entry.shape ??= 'ok';
  const scale = judgeScale(c.agreement, plan.scales, plan.tolerance, minSqnr, 'minSqnrDb, --min-sqnr', entry.samples_checked);
  entry.relative_error = scale.worst ? scale.worst.stats.relative_error : null;
  entry.sqnr_db = scale.worst ? scale.worst.stats.sqnr_db : null;
  entry.cosine = scale.worst ? scale.worst.stats.cosine : null;
  entry.min_sqnr_db = minSqnr === -Infinity ? null : minSqnr;
  entry.agreement = scale.byOutput;
  const parity = worseStatus(c.parity.parity ?? 'ok', scale.status);
  entry.parity = parity;
  // a property of the reference samples, not of the format: one warning for all formats
  for (const v of scale.vacuous) if (!warnings.includes(v)) warnings.push(v);
  entry.status = worseStatus(parity, entry.shape);
  const firstFail = c.firstFail ?? c.parity.failure();
  // a graph that only works at the size it was traced with: say so, naming the dimension
  const specialised = firstFail ? diagnoseTracedSize(c.outcomes, plan.md.traced_with) : null;
  const absolute = specialised ? `${specialised}; first failure: ${firstFail}` : firstFail;
  // the absolute check's failure first (it names the worst element), then the scale-free gate and vacuous checks
  // a graph in training mode explains any failure after it: it leads
  // a format whose graph takes no input the references were computed with (torch.onnx.export drops an
  // unused attention_mask): that is the cause, not another checkpoint or stale samples
  const dropped = parity === 'fail' ? plan.cross.inputsDropped(fa.format) : [];
  const droppedCause =
    dropped.length > 0
      ? `the ${fa.format} graph takes no input ${dropped.map((n) => `'${n}'`).join(', ')}, which the reference outputs were computed with: ` +
        `the export ignores ${dropped.length === 1 ? 'it' : 'them'} (for example a mask dropped while tracing)`
      : null;
  const scaleReasons = droppedCause ? scale.reasons.map((r) => (r.endsWith(UNRELATED_HINT) ? r.slice(0, -UNRELATED_HINT.length) : r)) : scale.reasons;
  entry.reason = [trainingWarning, absolute, droppedCause, ...scaleReasons, digestWarning].filter((r): r is string => r !== null).join('; ') || null;
  if (digestWarning || trainingWarning) entry.status = worseStatus(entry.status, 'warn');
  if (parity === 'warn' && !entry.reason) entry.reason = 'parity within the allowed mismatch fraction (warn)';
  applyRunTimeout(entry, plan.options.timeoutMs);
}
