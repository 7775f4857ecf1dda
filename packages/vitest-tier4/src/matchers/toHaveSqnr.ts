import type { MatcherState } from 'vitest';
import { formatSqnr } from '../parity/format.js';
import { compare, hint, labelsOf, scaleFreeLine } from './agreement.js';
import { labelLine, record } from './util.js';
import type { MatcherResult } from './util.js';

/**
 * `expect(actual).toHaveSqnr(reference, minDb, options?)`: the signal-to-quantization-noise ratio
 * 20 log10(‖reference‖ / ‖actual − reference‖) is at least `minDb` (torchao: >= 40 dB for int8 dynamic single
 * layers, >= 20 dB SmoothQuant DistilBERT; Hailo flags < 10 dB). Identical tensors have +Infinity dB.
 * Records `{ kind: 'sqnr', summary: { sqnr_db, min_db, relative_error, cosine, numel } }`.
 */
export function toHaveSqnr(this: MatcherState, received: unknown, reference: unknown, minDb: unknown, options?: unknown): MatcherResult {
  const name = 'toHaveSqnr';
  if (typeof minDb !== 'number' || Number.isNaN(minDb)) {
    throw new TypeError(`${name}: minDb must be a number of dB such as 40, received ${minDb === null ? 'null' : typeof minDb === 'number' ? 'NaN' : typeof minDb}`);
  }
  const labels = labelsOf(name, options);
  const { result, blocked } = compare(name, received, reference);
  // the schema-derived type says null (JSON's infinity); a result checkParity just computed holds the number
  const pass = blocked === null && result.sqnr_db !== null && result.sqnr_db >= minDb;
  record(this, {
    kind: 'sqnr',
    pass,
    status: pass ? 'ok' : 'fail',
    negated: this.isNot === true,
    ...labels,
    summary: { sqnr_db: result.sqnr_db, min_db: minDb, relative_error: result.relative_error, cosine: result.cosine, numel: result.numel },
  });
  const lines = [hint(this, name, 'reference, minDb'), ''];
  const label = labelLine(labels);
  if (label) lines.push(label);
  if (blocked !== null) lines.push(`Expected SQNR of actual against reference >= ${formatSqnr(minDb)}, but it cannot be measured: ${blocked}`);
  else if (pass) lines.push(`Expected SQNR of actual against reference < ${formatSqnr(minDb)}, received ${formatSqnr(result.sqnr_db)}`);
  else lines.push(`Expected SQNR of actual against reference >= ${formatSqnr(minDb)}, received ${formatSqnr(result.sqnr_db)}`);
  if (blocked === null) lines.push(scaleFreeLine(result));
  return { pass, message: () => lines.join('\n') };
}
