/**
 * The scale of reference outputs, and whether a check against them can fail at all.
 *
 * A check is vacuous when the reference gives it nothing to tell apart: every reference value equal (a ViT
 * head of zeros), or every value within the absolute tolerance of zero (a random-init mobilenet_v3_small's
 * logits near 1e-9), where an export that outputs zeros for any input passes.
 */
import { toTensorView, readNumber } from './view.js';
import type { TensorLike } from './types.js';
import { formatValue } from './format.js';
import { formatTolNumber } from './tolerance.js';

/** Scale of the reference values of one output over several tensors (e.g. all samples). */
export interface ReferenceScale {
  /** Number of finite values seen. */
  count: number;
  /** Greatest |r| over finite values (0 when none). */
  max_abs: number;
  /** Root mean square of the finite values. */
  rms: number;
  /** True when every finite value is the same number (0 for an all-zero output). */
  constant: boolean;
  /** The value of a constant reference, else null. */
  constant_value: number | null;
}

/** Running state of {@link ReferenceScale}; feed tensors with {@link addReference}. */
export interface ReferenceScaleAccumulator {
  count: number;
  maxAbs: number;
  sumSq: number;
  first: number | null;
  constant: boolean;
}

/** A fresh accumulator. */
export function referenceScaleAccumulator(): ReferenceScaleAccumulator {
  return { count: 0, maxAbs: 0, sumSq: 0, first: null, constant: true };
}

/** Adds the finite values of one reference tensor (any TensorLike) to the accumulator. */
export function addReference(acc: ReferenceScaleAccumulator, tensor: TensorLike): ReferenceScaleAccumulator {
  const v = toTensorView(tensor, 'reference');
  for (let i = 0; i < v.numel; i++) {
    const x = readNumber(v, i);
    if (!Number.isFinite(x)) continue;
    acc.count++;
    const ax = Math.abs(x);
    if (ax > acc.maxAbs) acc.maxAbs = ax;
    acc.sumSq += x * x;
    if (acc.first === null) acc.first = x;
    else if (acc.constant && x !== acc.first) acc.constant = false;
  }
  return acc;
}

/** The {@link ReferenceScale} of what was added. */
export function referenceScale(acc: Readonly<ReferenceScaleAccumulator>): ReferenceScale {
  const constant = acc.count > 0 && acc.constant;
  return {
    count: acc.count,
    max_abs: acc.maxAbs,
    rms: acc.count > 0 ? Math.sqrt(acc.sumSq / acc.count) : 0,
    constant,
    constant_value: constant ? (acc.first as number) : null,
  };
}

/** Why a check of one output cannot fail, or null when it can. */
export interface VacuousCheck {
  /** `constant`: every reference value is the same; `below_atol`: every value is within atol of zero. */
  kind: 'constant' | 'below_atol';
  /** One sentence naming the output, its scale and what to do. */
  reason: string;
}

/**
 * Decides whether an absolute check of `output` against references of this scale is vacuous.
 *
 * - constant reference (more than one value, all equal): the check cannot tell a working export from one that
 *   returns that constant for any input;
 * - max |r| <= atol + rtol * max |r|: an export that returns zeros for every input passes.
 *
 * @param output - Output name (for the message).
 * @param scale - The reference scale over all checked samples.
 * @param tol - The absolute tolerance applied (`atol`, `rtol`).
 * @param samples - Number of samples the scale covers (for the message).
 */
export function vacuousCheck(output: string, scale: Readonly<ReferenceScale>, tol: { atol: number; rtol: number }, samples: number): VacuousCheck | null {
  if (scale.count === 0) return null;
  const where = `in ${samples} sample${samples === 1 ? '' : 's'}`;
  if (scale.constant && scale.count > 1) {
    return {
      kind: 'constant',
      reason:
        `output '${output}': the check cannot fail: every reference value is ${formatValue(scale.constant_value)} (${scale.count} values ${where}), ` +
        `so an export that returns ${formatValue(scale.constant_value)} for any input passes; use real (trained) weights or inputs that change the output`,
    };
  }
  if (scale.max_abs <= tol.atol + tol.rtol * scale.max_abs) {
    return {
      kind: 'below_atol',
      reason:
        `output '${output}': the absolute check cannot fail: every reference value is within atol ${formatTolNumber(tol.atol)} of zero ` +
        `(max |reference| ${formatValue(scale.max_abs)}, rms ${formatValue(scale.rms)} ${where}), so an export that returns zeros passes it; ` +
        `only the scale-free gate (SQNR, relative error) judges this output: use real (trained) weights, inputs that give outputs of a meaningful scale, or a relative threshold`,
    };
  }
  return null;
}
