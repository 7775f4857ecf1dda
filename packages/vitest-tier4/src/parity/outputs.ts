/**
 * Per-output parity: check a Record<name, tensor> against references with a tolerance per output name.
 */
import { checkParity } from './check.js';
import type { CheckParityOptions, ParityResult, ParityStatus, TensorLike, ToleranceSpec } from './types.js';

/** Tolerances by output name; `default` applies to outputs not named (omitted: preset fp32). */
export type OutputTolerances = { readonly [output: string]: ToleranceSpec | undefined } & { readonly default?: ToleranceSpec };

/** Result of checkParityOutputs (JSON-serialisable). */
export interface OutputsParityResult {
  /** True when every output is present on both sides and passes. */
  pass: boolean;
  /** 'fail' if any output fails or is missing, else 'warn' if any warns, else 'ok'. */
  status: ParityStatus;
  /** Result per output present on both sides. */
  outputs: Record<string, ParityResult>;
  /** Reference outputs missing from actual. */
  missing: string[];
  /** Actual outputs without a reference (reported, not a failure). */
  extra: string[];
}

/**
 * Checks every reference output against the actual output of the same name.
 *
 * @param actual - Outputs by name (e.g. an onnxruntime result map).
 * @param reference - Reference outputs by name.
 * @param tolerances - `{ logits: { atol: 1e-3 }, default: 'fp32' }` or a single ToleranceSpec for all outputs.
 *   An output literally named "default" can only be given the default tolerance.
 * @param options - checkParity options applied to every output.
 */
export function checkParityOutputs(
  actual: Readonly<Record<string, TensorLike>>,
  reference: Readonly<Record<string, TensorLike>>,
  tolerances?: OutputTolerances | ToleranceSpec,
  options: CheckParityOptions = {},
): OutputsParityResult {
  if (typeof actual !== 'object' || actual === null) throw new TypeError(`actual: expected a record of output tensors, received ${actual === null ? 'null' : typeof actual}`);
  if (typeof reference !== 'object' || reference === null) {
    throw new TypeError(`reference: expected a record of output tensors, received ${reference === null ? 'null' : typeof reference}`);
  }
  const names = Object.keys(reference);
  const perOutput = isPerOutput(tolerances, names) ? (tolerances as OutputTolerances) : null;
  if (perOutput) {
    for (const key of Object.keys(perOutput)) {
      if (key !== 'default' && !names.includes(key)) {
        throw new TypeError(`tolerances: no reference output named '${key}' (outputs: ${names.join(', ')})`);
      }
    }
  }
  const outputs: Record<string, ParityResult> = {};
  const missing: string[] = [];
  for (const name of names) {
    if (!(name in actual)) {
      missing.push(name);
      continue;
    }
    const tol = perOutput ? (perOutput[name] ?? perOutput.default) : (tolerances as ToleranceSpec | undefined);
    outputs[name] = checkParity(actual[name] as TensorLike, reference[name] as TensorLike, tol, options);
  }
  const extra = Object.keys(actual).filter((k) => !names.includes(k));
  const results = Object.values(outputs);
  const failed = missing.length > 0 || results.some((r) => r.status === 'fail');
  const status: ParityStatus = failed ? 'fail' : results.some((r) => r.status === 'warn') ? 'warn' : 'ok';
  return { pass: !failed, status, outputs, missing, extra };
}

const TOLERANCE_KEYS = new Set(['atol', 'rtol', 'preset', 'statistic', 'allowedMismatchFraction', 'fp32', 'fp16', 'bf16', 'quantized', 'exact']);

function isPerOutput(t: unknown, names: string[]): boolean {
  if (typeof t !== 'object' || t === null) return false;
  const keys = Object.keys(t);
  if (keys.length === 0) return false;
  if (keys.includes('default')) return true;
  if (keys.some((k) => names.includes(k) && !TOLERANCE_KEYS.has(k))) return true;
  return !keys.every((k) => TOLERANCE_KEYS.has(k));
}
