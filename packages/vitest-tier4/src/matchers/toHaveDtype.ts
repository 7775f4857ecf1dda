import type { MatcherState } from 'vitest';
import { DTYPES, normalizeDType } from '../parity/dtype.js';
import { inspect, record } from './util.js';
import type { MatcherResult } from './util.js';

/**
 * `expect(tensorOrMetadata).toHaveDtype('float32')`. Accepts normalised names and numpy codes (`'f4'`).
 * Records `{ kind: 'dtype' }` in `task.meta.tier4`.
 */
export function toHaveDtype(this: MatcherState, received: unknown, dtype: unknown): MatcherResult {
  const name = 'toHaveDtype';
  const expected = typeof dtype === 'string' ? normalizeDType(dtype) : null;
  if (expected === null) {
    throw new TypeError(
      `${name}: dtype must be one of ${DTYPES.join(', ')} (or a numpy code such as 'f4'), received ${typeof dtype === 'string' ? `'${dtype}'` : typeof dtype}`,
    );
  }
  const info = inspect(name, received);
  let actual: string;
  if (info.kind === 'metadata') {
    if (info.dtype === null) throw new TypeError(`${name}: received session metadata without a type`);
    actual = normalizeDType(info.dtype) ?? info.dtype;
  } else {
    actual = info.dtype;
  }
  const pass = actual === expected;
  record(this, {
    kind: 'dtype',
    pass,
    status: pass ? 'ok' : 'fail',
    negated: this.isNot === true,
    summary: { actual_dtype: actual, expected_dtype: expected },
  });
  const hint = this.utils.matcherHint(`${this.isNot ? '.not' : ''}.${name}`, 'received', 'dtype');
  const inferred = info.kind === 'tensor' && info.view.untyped ? ' (inferred from plain JavaScript numbers)' : '';
  return {
    pass,
    message: () =>
      pass
        ? `${hint}\n\nExpected dtype: not ${expected}\nReceived dtype: ${actual}${inferred}`
        : `${hint}\n\nExpected dtype: ${expected}\nReceived dtype: ${actual}${inferred}`,
    actual,
    expected,
  };
}
