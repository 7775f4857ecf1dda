/**
 * Scale-free agreement of one format, per output over all checked samples, and the scale-free gate that
 * judges it: the part of the verdict that means the same at any output scale (docs/tolerances.md).
 */
import { formatScaleFree, formatSqnr } from '../parity/format.js';
import { addNormSums, emptyNormSums, scaleFreeStats } from '../parity/scale-free.js';
import type { NormSums, ParityResult, ScaleFreeStats } from '../parity/types.js';
import type { Tier4Status } from './types.js';

/**
 * Default scale-free gate of fp32 exports: every output's SQNR over all samples >= 60 dB (relative error 0.1%).
 * fp32 ONNX against eager PyTorch measured 119.7-135.4 dB on lm_stub, simple_cnn, torchvision resnet18 and
 * mobilenet_v3_small (rounding only), a different checkpoint -3.1 to -1.8 dB: 60 dB sits about 60 dB from both.
 * (Quantized exports are judged on SQNR by their quantization thresholds, default sqnr_db >= 20.)
 */
export const DEFAULT_MIN_SQNR_DB = 60;

/** Agreement of one output over all samples of one format. */
export interface OutputAgreement extends ScaleFreeStats {
  /** The summed norms the statistics come from. */
  norms: NormSums;
}

/** Accumulates the parity results of one format, output by output. */
export class AgreementAccumulator {
  private readonly sums = new Map<string, NormSums>();

  /** Adds one output's result of one sample (structural failures, which compared nothing, are skipped). */
  add(output: string, p: ParityResult): void {
    if (p.numel === 0 && p.norms.count === 0) return;
    let s = this.sums.get(output);
    if (!s) {
      s = emptyNormSums();
      this.sums.set(output, s);
    }
    addNormSums(s, p.norms);
  }

  /** Per output, the statistics over every sample added (outputs in the order first seen). */
  byOutput(): Record<string, OutputAgreement> {
    const out: Record<string, OutputAgreement> = {};
    for (const [name, norms] of this.sums) out[name] = { ...scaleFreeStats(norms), norms: { ...norms } };
    return out;
  }
}

/** The worst output (lowest SQNR), or null when nothing was compared. */
export function worstAgreement(byOutput: Readonly<Record<string, OutputAgreement>>): { output: string; stats: OutputAgreement } | null {
  let worst: { output: string; stats: OutputAgreement } | null = null;
  for (const [output, stats] of Object.entries(byOutput)) {
    if (worst === null || stats.sqnr_db < worst.stats.sqnr_db) worst = { output, stats };
  }
  return worst;
}

/** The guess a very low SQNR (< 10 dB) adds to the gate's reason, when nothing better explains it. */
export const UNRELATED_HINT = ': the outputs are unrelated to the reference (another checkpoint, a wrong layer or stale reference samples?)';

/** Verdict of the scale-free gate on one format. */
export interface ScaleFreeVerdict {
  status: Tier4Status;
  /** One line per failing output, naming it, its numbers and the gate. */
  reasons: string[];
}

/**
 * Judges every output against the minimum SQNR (equivalently the maximum relative error 10^(-min/20)).
 * An output whose reference is all zeros has no signal to compare with: it is skipped here (the vacuous-check
 * warning names it).
 *
 * @param byOutput - Agreement per output.
 * @param minSqnrDb - The gate.
 * @param optionHint - How to change the gate, for the message (e.g. `minSqnrDb.fp32`).
 */
export function judgeScaleFree(byOutput: Readonly<Record<string, OutputAgreement>>, minSqnrDb: number, optionHint: string): ScaleFreeVerdict {
  const reasons: string[] = [];
  for (const [output, s] of Object.entries(byOutput)) {
    if (s.norms.sum_sq_reference === 0) continue;
    if (s.sqnr_db >= minSqnrDb) continue;
    const maxRel = 10 ** (-minSqnrDb / 20);
    reasons.push(
      `output '${output}': ${formatScaleFree(s)} over ${s.norms.count} values; the scale-free gate needs SQNR >= ${formatSqnr(minSqnrDb)} ` +
        `(relative error <= ${Number(maxRel.toPrecision(3))}; ${optionHint} to change it)` +
        (s.sqnr_db < 10 ? UNRELATED_HINT : ''),
    );
  }
  return { status: reasons.length > 0 ? 'fail' : 'ok', reasons };
}
