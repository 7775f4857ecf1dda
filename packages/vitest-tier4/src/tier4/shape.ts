/**
 * The Tier 4 shape check: an output's shape against metadata.json's declared shape (fixed sizes
 * equal, named dynamic axes consistent within the sample) and against the reference output.
 */
import type { TensorSpec } from 'vitest-tier4-fixtures';
import type { Tier4ShapeCheck } from './types.js';

const fmt = (s: ReadonlyArray<number | string>): string => `[${s.map((d) => (typeof d === 'string' ? `'${d}'` : String(d))).join(', ')}]`;

/**
 * Binds the named dimensions of the inputs of one sample (e.g. `batch` = 4, `sequence` = 16).
 * Named dimensions that an input binds inconsistently keep their first value.
 */
export function bindInputDims(
  specs: readonly TensorSpec[],
  inputs: Record<string, { shape: readonly number[] }>,
): Record<string, number> {
  const bindings: Record<string, number> = {};
  for (const spec of specs) {
    const t = inputs[spec.name];
    if (!t || t.shape.length !== spec.shape.length) continue;
    spec.shape.forEach((d, axis) => {
      if (typeof d === 'string' && !(d in bindings)) bindings[d] = t.shape[axis]!;
    });
  }
  return bindings;
}

/**
 * Checks one output's shape. `bindings` is shared by the outputs of one sample and extended
 * with names first seen on an output.
 *
 * @param name - output name (for the reason).
 * @param actual - shape the format returned.
 * @param expected - shape declared in metadata.json.
 * @param reference - shape of the reference output.
 * @param bindings - named dimension sizes of this sample (mutated).
 */
export function checkOutputShape(
  name: string,
  actual: readonly number[],
  expected: ReadonlyArray<number | string>,
  reference: readonly number[],
  bindings: Record<string, number>,
): Tier4ShapeCheck {
  const problems: string[] = [];
  if (actual.length !== expected.length) {
    problems.push(`rank ${actual.length} does not match metadata ${fmt(expected)} (rank ${expected.length})`);
  } else {
    expected.forEach((d, axis) => {
      const got = actual[axis]!;
      if (typeof d === 'number') {
        if (got !== d) problems.push(`axis ${axis}: expected ${d} (metadata), got ${got}`);
      } else if (d in bindings) {
        if (got !== bindings[d]) problems.push(`axis ${axis} ('${d}'): expected ${bindings[d]} as bound by this sample, got ${got}`);
      } else {
        bindings[d] = got;
      }
    });
  }
  const sameAsReference = actual.length === reference.length && actual.every((d, i) => d === reference[i]);
  if (!sameAsReference) problems.push(`reference output has shape ${fmt(reference)}`);
  return {
    status: problems.length === 0 ? 'ok' : 'fail',
    actual: [...actual],
    expected: [...expected],
    reference: [...reference],
    bindings: { ...bindings },
    reason: problems.length === 0 ? null : `output '${name}' has shape ${fmt(actual)}: ${problems.join('; ')}`,
  };
}
