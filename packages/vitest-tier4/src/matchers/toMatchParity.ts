import type { MatcherState } from 'vitest';
import { checkParity } from '../parity/check.js';
import { formatParityMessage } from '../parity/format.js';
import type { ParityResult, TensorLike, ToleranceSpec } from '../parity/types.js';
import type { ToMatchParityOptions } from './vitest-augment.js';
import { asMatcherError, labelLine, pickLabels, record } from './util.js';
import type { MatcherResult } from './util.js';

/**
 * `expect(actual).toMatchParity(reference, tolerance?, options?)`: checkParity as a matcher.
 * Records `{ kind: 'parity', summary: ParityResult }` in `task.meta.tier4`.
 */
export function toMatchParity(
  this: MatcherState,
  received: unknown,
  reference: unknown,
  tolerance?: unknown,
  options?: unknown,
): MatcherResult {
  const name = 'toMatchParity';
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`${name}: options must be an object, received ${options === null ? 'null' : typeof options}`);
  }
  const opts = (options ?? {}) as ToMatchParityOptions & Record<string, unknown>;
  const labels = pickLabels(name, opts);
  let result: ParityResult;
  try {
    result = checkParity(received as TensorLike, reference as TensorLike, tolerance as ToleranceSpec | undefined, {
      allowIntFloat: opts.allowIntFloat,
      statistic: opts.statistic,
      allowedMismatchFraction: opts.allowedMismatchFraction,
      relFloor: opts.relFloor,
    });
  } catch (err) {
    asMatcherError(name, err);
  }
  record(this, { kind: 'parity', pass: result.pass, status: result.status, negated: this.isNot === true, ...labels, summary: result });
  const hint = this.utils.matcherHint(`${this.isNot ? '.not' : ''}.${name}`, 'actual', 'reference');
  const lines = [hint, ''];
  const label = labelLine(labels);
  if (label) lines.push(label);
  if (result.pass) {
    lines.push(`Expected actual not to match reference, but it does (status ${result.status}).`);
  } else {
    lines.push('Expected actual to match reference.');
  }
  const body = formatParityMessage(result);
  return {
    pass: result.pass,
    message: () => `${lines.join('\n')}\n${body}`,
  };
}
