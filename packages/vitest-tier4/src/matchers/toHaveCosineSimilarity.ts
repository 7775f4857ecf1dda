import type { MatcherState } from 'vitest';
import { compare, hint, labelsOf, scaleFreeLine } from './agreement.js';
import { labelLine, record } from './util.js';
import type { MatcherResult } from './util.js';

const show = (x: number): string => (x === 1 ? '1' : String(Number(x.toPrecision(9)) === 1 ? x.toPrecision(12) : Number(x.toPrecision(9))));

/**
 * `expect(actual).toHaveCosineSimilarity(reference, min, options?)`: the cosine similarity
 * ⟨actual, reference⟩ / (‖actual‖ ‖reference‖) of the flattened tensors is at least `min` (in [-1, 1]).
 * Records `{ kind: 'cosine', summary: { cosine, min, relative_error, sqnr_db, numel } }`.
 */
export function toHaveCosineSimilarity(this: MatcherState, received: unknown, reference: unknown, min: unknown, options?: unknown): MatcherResult {
  const name = 'toHaveCosineSimilarity';
  if (typeof min !== 'number' || !(min >= -1 && min <= 1)) {
    throw new TypeError(`${name}: min must be a number from -1 to 1 such as 0.999, received ${typeof min === 'number' ? String(min) : min === null ? 'null' : typeof min}`);
  }
  const labels = labelsOf(name, options);
  const { result, blocked } = compare(name, received, reference);
  const pass = blocked === null && result.cosine >= min;
  record(this, {
    kind: 'cosine',
    pass,
    status: pass ? 'ok' : 'fail',
    negated: this.isNot === true,
    ...labels,
    summary: { cosine: result.cosine, min, relative_error: result.relative_error, sqnr_db: result.sqnr_db, numel: result.numel },
  });
  const lines = [hint(this, name, 'reference, min'), ''];
  const label = labelLine(labels);
  if (label) lines.push(label);
  if (blocked !== null) lines.push(`Expected cosine similarity of actual and reference >= ${show(min)}, but it cannot be measured: ${blocked}`);
  else if (pass) lines.push(`Expected cosine similarity of actual and reference < ${show(min)}, received ${show(result.cosine)}`);
  else lines.push(`Expected cosine similarity of actual and reference >= ${show(min)}, received ${show(result.cosine)}`);
  if (blocked === null) lines.push(scaleFreeLine(result));
  return { pass, message: () => lines.join('\n') };
}
