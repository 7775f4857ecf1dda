/**
 * The scale-aware part of a format's parity verdict, added to the absolute check runTier4 already made:
 *
 * 1. the scale-free gate (SQNR of every output over all samples, {@link judgeScaleFree}) fails a format whose
 *    outputs do not follow the reference at any output scale (another checkpoint);
 * 2. a check that cannot fail (constant reference, or every reference value within atol of zero) is `warn`
 *    with a reason naming the output, its scale and what to do, never a silent `ok`.
 */
import type { Sample } from 'vitest-tier4-fixtures';
import { addReference, referenceScale, referenceScaleAccumulator, vacuousCheck, type ReferenceScale } from '../parity/reference-scale.js';
import { AgreementAccumulator, judgeScaleFree, worstAgreement, type OutputAgreement } from './agreement.js';
import type { Tier4Status } from './types.js';

/** Scale of every reference output over the checked samples (computed once per run). */
export function referenceScales(samples: readonly Sample[]): Record<string, ReferenceScale> {
  const accs = new Map<string, ReturnType<typeof referenceScaleAccumulator>>();
  for (const s of samples) {
    for (const [name, t] of Object.entries(s.outputs)) {
      let acc = accs.get(name);
      if (!acc) {
        acc = referenceScaleAccumulator();
        accs.set(name, acc);
      }
      addReference(acc, t);
    }
  }
  const out: Record<string, ReferenceScale> = {};
  for (const [name, acc] of accs) out[name] = referenceScale(acc);
  return out;
}

/** What the scale-aware checks add to one format's verdict. */
export interface ScaleVerdict {
  /** Worst of the gate (`fail`) and the vacuous checks (`warn`); `ok` otherwise. */
  status: Tier4Status;
  /** The gate's failures, then the vacuous checks, one line each. */
  reasons: string[];
  /** Vacuous-check lines only (they also go to the report's warnings). */
  vacuous: string[];
  /** Per output agreement over all samples. */
  byOutput: Record<string, OutputAgreement>;
  /** The worst output's statistics (lowest SQNR), or null when nothing was compared. */
  worst: { output: string; stats: OutputAgreement } | null;
}

/**
 * Judges one format's agreement.
 *
 * @param agreement - The format's accumulated parity results.
 * @param scales - {@link referenceScales} of the run.
 * @param tol - The absolute tolerance applied (`atol`, `rtol`).
 * @param minSqnrDb - The scale-free gate.
 * @param optionHint - How the user changes the gate (named in the message).
 * @param samples - Number of samples checked.
 */
export function judgeScale(
  agreement: AgreementAccumulator,
  scales: Readonly<Record<string, ReferenceScale>>,
  tol: { atol: number; rtol: number },
  minSqnrDb: number,
  optionHint: string,
  samples: number,
): ScaleVerdict {
  const byOutput = agreement.byOutput();
  const gate = judgeScaleFree(byOutput, minSqnrDb, optionHint);
  const vacuous: string[] = [];
  for (const name of Object.keys(byOutput)) {
    const scale = scales[name];
    const v = scale ? vacuousCheck(name, scale, tol, samples) : null;
    if (v) vacuous.push(v.reason);
  }
  const status: Tier4Status = gate.status === 'fail' ? 'fail' : vacuous.length > 0 ? 'warn' : 'ok';
  return { status, reasons: [...gate.reasons, ...vacuous], vacuous, byOutput, worst: worstAgreement(byOutput) };
}

export { AgreementAccumulator };
