import type { MatcherState } from 'vitest';
import { countNonFinite } from '../parity/finite.js';
import { formatIndex } from '../parity/format.js';
import { inspect, record } from './util.js';
import type { MatcherResult } from './util.js';

/**
 * `expect(tensor).toBeFinite()`: no NaN, +Inf or -Inf. The message counts each and gives the first index of
 * NaN and of Inf. Records `{ kind: 'finite' }` in `task.meta.tier4`.
 */
export function toBeFinite(this: MatcherState, received: unknown, ...extra: unknown[]): MatcherResult {
  const name = 'toBeFinite';
  if (extra.length > 0) throw new TypeError(`${name}: takes no arguments, received ${extra.length}`);
  const info = inspect(name, received);
  if (info.kind !== 'tensor') throw new TypeError(`${name}: received session metadata; expected a tensor with data`);
  const c = countNonFinite(info.view);
  const bad = c.nan_count + c.posinf_count + c.neginf_count;
  const pass = bad === 0;
  record(this, { kind: 'finite', pass, status: pass ? 'ok' : 'fail', negated: this.isNot === true, summary: c });
  const hint = this.utils.matcherHint(`${this.isNot ? '.not' : ''}.${name}`, 'received', '');
  return {
    pass,
    message: () => {
      if (pass) return `${hint}\n\nExpected some element to be NaN or ±Inf, but all ${c.numel} elements are finite (${info.dtype}).`;
      return [
        hint,
        '',
        `Expected all ${c.numel} elements to be finite, but ${bad} are not:`,
        `NaN: ${c.nan_count}${c.first_nan_index ? ` (first at ${formatIndex(c.first_nan_index)})` : ''}`,
        `+Inf: ${c.posinf_count}, -Inf: ${c.neginf_count}${c.first_inf_index ? ` (first Inf at ${formatIndex(c.first_inf_index)})` : ''}`,
      ].join('\n');
    },
  };
}
