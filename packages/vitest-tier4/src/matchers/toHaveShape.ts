import type { MatcherState } from 'vitest';
import { formatShape } from '../parity/format.js';
import { checkShapePattern, matchShape } from '../parity/shape.js';
import { inspect, record } from './util.js';
import type { MatcherResult } from './util.js';

/**
 * `expect(tensorOrMetadata).toHaveShape([1, null, 'vocab'])`. Records `{ kind: 'shape' }` in `task.meta.tier4`.
 */
export function toHaveShape(this: MatcherState, received: unknown, expected: unknown): MatcherResult {
  const name = 'toHaveShape';
  const pattern = checkShapePattern(expected, `${name}: expected shape`);
  const info = inspect(name, received);
  const m = matchShape(info.shape, pattern);
  record(this, {
    kind: 'shape',
    pass: m.pass,
    status: m.pass ? 'ok' : 'fail',
    negated: this.isNot === true,
    summary: { actual_shape: [...info.shape], expected_shape: pattern, bindings: m.bindings, mismatch_axis: m.mismatch_axis },
  });
  const hint = this.utils.matcherHint(`${this.isNot ? '.not' : ''}.${name}`, 'received', 'shape');
  const what = info.kind === 'metadata' ? `metadata${info.name !== undefined ? ` of ${info.name}` : ''}` : 'tensor';
  return {
    pass: m.pass,
    message: () => {
      const lines = [hint, ''];
      if (m.pass) {
        lines.push(`Expected shape: not ${formatShape(pattern)}`);
        lines.push(`Received shape: ${formatShape(info.shape)} (${what})`);
        const names = Object.entries(m.bindings);
        if (names.length > 0) lines.push(`Named dimensions: ${names.map(([k, v]) => `${k} = ${typeof v === 'string' ? JSON.stringify(v) : v}`).join(', ')}`);
      } else {
        lines.push(`Expected shape: ${formatShape(pattern)}`);
        lines.push(`Received shape: ${formatShape(info.shape)} (${what})`);
        lines.push(`Mismatch: ${m.reason}`);
      }
      return lines.join('\n');
    },
    actual: info.shape,
    expected: pattern,
  };
}
