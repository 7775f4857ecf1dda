import type { MatcherState } from 'vitest';
import { compareLogits, logitsAgreement } from '../parity/logits.js';
import { readNumber, toTensorView, unravelIndex } from '../parity/view.js';
import type { TensorView } from '../parity/view.js';
import { asMatcherError, labelLine, pickLabels, record } from './util.js';
import type { MatcherResult } from './util.js';
import type { ToHaveTopKAgreementOptions } from './vitest-augment.js';

const pct = (x: number): string => `${Number((x * 100).toPrecision(4))}%`;

function firstDisagreement(a: TensorView, r: TensorView, k: number): { row: number[]; reference: number; top: number[] } | null {
  const classes = r.shape[r.shape.length - 1]!;
  const rows = r.numel / classes;
  for (let row = 0; row < rows; row++) {
    const av = Array.from({ length: classes }, (_, j) => readNumber(a, row * classes + j));
    const rv = Array.from({ length: classes }, (_, j) => readNumber(r, row * classes + j));
    if (![...av, ...rv].every(Number.isFinite)) continue;
    let ref = 0;
    for (let j = 1; j < classes; j++) if (rv[j]! > rv[ref]!) ref = j;
    const top = av.map((v, j) => [v, j] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]).slice(0, k).map(([, j]) => j);
    if (!top.includes(ref)) return { row: unravelIndex(row, r.shape.slice(0, -1)), reference: ref, top };
  }
  return null;
}

/**
 * `expect(actual).toHaveTopKAgreement(reference, { k = 1, min = 1 })`: along the last axis (classes,
 * vocabulary), the reference's argmax is among actual's k largest values in at least a fraction `min` of the
 * rows (k = 1: the argmax agrees). Rows with NaN/Inf count as disagreeing. Records
 * `{ kind: 'topk', summary: { agreement, k, min, rows, matches, kl_divergence } }`.
 */
export function toHaveTopKAgreement(this: MatcherState, received: unknown, reference: unknown, options?: unknown): MatcherResult {
  const name = 'toHaveTopKAgreement';
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`${name}: options must be an object such as { k: 5, min: 0.99 }, received ${options === null ? 'null' : typeof options}`);
  }
  const opts = (options ?? {}) as ToHaveTopKAgreementOptions & Record<string, unknown>;
  const k = opts.k ?? 1;
  const min = opts.min ?? 1;
  if (typeof min !== 'number' || !(min >= 0 && min <= 1)) {
    throw new TypeError(`${name}: options.min must be a fraction from 0 to 1, received ${typeof min === 'number' ? String(min) : typeof min}`);
  }
  const labels = pickLabels(name, opts);
  let a: TensorView;
  let r: TensorView;
  let sums;
  try {
    a = toTensorView(received, 'received');
    r = toTensorView(reference, 'reference');
    sums = compareLogits(a, r, k);
  } catch (err) {
    asMatcherError(name, err);
  }
  const total = sums.rows + sums.skipped_rows;
  const agreement = total > 0 ? sums.topk_matches / total : 1;
  const pass = agreement >= min;
  const kl = logitsAgreement(sums).kl_divergence;
  record(this, {
    kind: 'topk',
    pass,
    status: pass ? 'ok' : 'fail',
    negated: this.isNot === true,
    ...labels,
    summary: { agreement, k, min, rows: total, matches: sums.topk_matches, kl_divergence: kl },
  });
  const what = k === 1 ? 'top-1 agreement (same argmax)' : `top-${k} agreement (the reference's argmax among actual's ${k} largest)`;
  const lines = [this.utils.matcherHint(`${this.isNot ? '.not' : ''}.${name}`, 'actual', 'reference, { k, min }'), ''];
  const label = labelLine(labels);
  if (label) lines.push(label);
  lines.push(
    pass
      ? `Expected ${what} below ${pct(min)}, received ${pct(agreement)} (${sums.topk_matches} / ${total} rows)`
      : `Expected ${what} >= ${pct(min)}, received ${pct(agreement)} (${sums.topk_matches} / ${total} rows)`,
  );
  if (sums.skipped_rows > 0) lines.push(`Rows with NaN or Inf (counted as disagreeing): ${sums.skipped_rows}`);
  if (!pass) {
    const first = firstDisagreement(a, r, k);
    if (first) lines.push(`First disagreement at row [${first.row.join(', ')}]: reference argmax ${first.reference}, actual top-${k} [${first.top.join(', ')}]`);
  }
  if (kl !== null) lines.push(`Mean KL(softmax(reference) || softmax(actual)): ${Number(kl.toPrecision(4))} nats over ${sums.rows} row(s)`);
  return { pass, message: () => lines.join('\n') };
}
