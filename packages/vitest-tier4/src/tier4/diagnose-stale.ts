/**
 * Stale reference samples (issue 8, item 5): when two formats agree with each other far better than
 * either agrees with the references, the references, not the exports, are what changed (the model was
 * edited or retrained after the samples were computed). The reason says so instead of blaming each
 * export on its own.
 *
 * The outputs of the first format that runs are kept (one format's outputs: the memory of one
 * validation pass); every later format's outputs on the same samples are compared with them, which
 * gives the same scale-free statistics as against the references. Pure: no I/O.
 */
import { checkParity } from '../parity/check.js';
import { formatSqnr } from '../parity/format.js';
import type { TensorMap } from '../runtimes/types.js';
import { AgreementAccumulator, type OutputAgreement } from './agreement.js';
import type { Tier4FormatReport } from './types.js';

/**
 * How much better (in dB of SQNR) two formats must agree with each other than the better of them with
 * the references: 20 dB is a relative error ten times smaller. Formats that differ from the reference by
 * rounding only (fp32 ONNX 120 dB, TorchScript +Inf) are never flagged: both must also fail.
 */
export const STALE_MARGIN_DB = 20;

/** Agreement of every later format with the first format's outputs, sample by sample. */
export class CrossFormatAgreement {
  private first: { format: string; outputs: Map<string, TensorMap> } | null = null;
  private readonly against = new Map<string, AgreementAccumulator>();
  private readonly dropped = new Map<string, readonly string[]>();

  /**
   * Records that `format` was not fed the sample inputs `names` (its graph takes no such input). Two
   * such formats agreeing with each other and not with the references are explained by the dropped
   * input (the eager model used it, the exports cannot), not by stale samples.
   */
  markInputsDropped(format: string, names: readonly string[]): void {
    if (names.length > 0) this.dropped.set(format, [...names]);
  }

  /** The sample inputs `format` was not fed, or an empty list. */
  inputsDropped(format: string): readonly string[] {
    return this.dropped.get(format) ?? [];
  }

  /** The format whose outputs the others are compared with (the first that ran a sample), or null. */
  get baseFormat(): string | null {
    return this.first?.format ?? null;
  }

  /**
   * Records the outputs of `format` on `sample`: the first format's are kept, a later format's are
   * compared with them output by output (outputs of other shapes are skipped).
   */
  add(format: string, sample: string, outputs: TensorMap): void {
    this.first ??= { format, outputs: new Map() };
    if (format === this.first.format) {
      this.first.outputs.set(sample, outputs);
      return;
    }
    const base = this.first.outputs.get(sample);
    if (!base) return;
    let acc = this.against.get(format);
    if (!acc) {
      acc = new AgreementAccumulator();
      this.against.set(format, acc);
    }
    for (const [name, t] of Object.entries(outputs)) {
      const b = base[name];
      if (!b) continue;
      try {
        acc.add(name, checkParity(t, b, 'exact'));
      } catch {
        // another dtype or a broken tensor: this output says nothing about the references
      }
    }
  }

  /** Per later format, its agreement with the base format by output. */
  agreement(): Map<string, Record<string, OutputAgreement>> {
    const out = new Map<string, Record<string, OutputAgreement>>();
    for (const [format, acc] of this.against) out.set(format, acc.byOutput());
    return out;
  }
}

/** One finding: two formats that agree with each other and not with the references. */
export interface StaleReferences {
  formats: [string, string];
  output: string;
  /** SQNR of the two formats against each other on that output. */
  cross_sqnr_db: number;
  /** SQNR of each against the references on that output. */
  reference_sqnr_db: [number, number];
  /** One sentence for the reasons. */
  reason: string;
}

/**
 * Finds stale references: a pair of formats whose parity both failed, and an output on which they agree
 * with each other by at least {@link STALE_MARGIN_DB} more than the better of them agrees with the
 * references. The output with the lowest reference SQNR is named. A pair in which a format was not fed
 * an input of the samples (`markInputsDropped`) is not flagged: the dropped input is the cause.
 *
 * @param cross - The run's cross-format agreement.
 * @param formats - The run's format entries (their `agreement` against the references).
 */
export function findStaleReferences(cross: CrossFormatAgreement, formats: Readonly<Record<string, Tier4FormatReport>>): StaleReferences | null {
  const base = cross.baseFormat;
  if (base === null) return null;
  const a = formats[base];
  if (!a || a.parity !== 'fail' || !a.agreement) return null;
  let best: StaleReferences | null = null;
  for (const [other, byOutput] of cross.agreement()) {
    const b = formats[other];
    if (!b || b.parity !== 'fail' || !b.agreement) continue;
    // an export that dropped an input the references were computed with explains the disagreement
    if (cross.inputsDropped(base).length > 0 || cross.inputsDropped(other).length > 0) continue;
    for (const [output, c] of Object.entries(byOutput)) {
      const ra = a.agreement[output];
      const rb = b.agreement[output];
      if (!ra || !rb || c.norms.count === 0 || c.norms.sum_sq_reference === 0) continue;
      // in memory an SQNR is a number (+Inf for identical values); null only after a JSON round trip
      const [cs, sa, sb] = [c.sqnr_db ?? Infinity, ra.sqnr_db ?? Infinity, rb.sqnr_db ?? Infinity];
      const refBest = Math.max(sa, sb);
      if (!(cs >= refBest + STALE_MARGIN_DB)) continue;
      if (best !== null && Math.min(sa, sb) >= Math.min(...best.reference_sqnr_db)) continue;
      best = {
        formats: [base, other],
        output,
        cross_sqnr_db: cs,
        reference_sqnr_db: [sa, sb],
        reason:
          `the reference samples are probably stale (the model changed after they were computed): ${base} and ${other} agree with each other ` +
          `far better (output '${output}': SQNR ${formatSqnr(cs)}) than with the references (${base} ${formatSqnr(sa)}, ${other} ${formatSqnr(sb)}); ` +
          'export again to recompute the samples from the current model',
      };
    }
  }
  return best;
}

/**
 * Names stale references in the verdict: the sentence leads the reason of both formats and is one of
 * the report's warnings. Returns the finding (null when there is none).
 */
export function applyStaleReferences(cross: CrossFormatAgreement, formats: Record<string, Tier4FormatReport>, warnings: string[]): StaleReferences | null {
  const found = findStaleReferences(cross, formats);
  if (!found) return null;
  for (const f of found.formats) {
    const entry = formats[f]!;
    entry.reason = entry.reason ? `${found.reason}; ${entry.reason}` : found.reason;
  }
  warnings.push(found.reason);
  return found;
}
