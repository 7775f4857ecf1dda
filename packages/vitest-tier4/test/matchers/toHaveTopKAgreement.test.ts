import { describe, expect, test } from 'vitest';
import '../../src/setup.js';
import type { Tier4TopKRecord } from '../../src/meta/types.js';
import { failureOf } from './helpers.js';

const logits = (rows: number[][]) => ({ data: Float32Array.from(rows.flat()), dims: [rows.length, rows[0]!.length], type: 'float32' });
const reference = logits([
  [5, 1, 0, 0],
  [0, 4, 1, 0],
  [0, 0, 1, 3],
  [2, 0, 0, 0],
]);
// row 2 swaps its top two: top-1 disagrees there, top-2 agrees everywhere
const actual = logits([
  [4.9, 1, 0, 0],
  [0, 4.2, 0.9, 0],
  [0, 0, 3.1, 3],
  [2.1, 0, 0, 0],
]);

describe('toHaveTopKAgreement', () => {
  describe('pass', () => {
    test('top-2 everywhere; top-1 on 3 of 4 rows with min 0.75', () => {
      expect(actual).toHaveTopKAgreement(reference, { k: 2 });
      expect(actual).toHaveTopKAgreement(reference, { min: 0.75 });
      expect(reference).toHaveTopKAgreement(reference);
    });
  });
  describe('.not pass', () => {
    test('top-1 on every row', () => {
      expect(actual).not.toHaveTopKAgreement(reference);
    });
  });
  describe('fail', () => {
    test('names the agreement, the first disagreeing row and the KL divergence', () => {
      expect(failureOf(() => expect(actual).toHaveTopKAgreement(reference, { min: 0.99, output: 'logits' }))).toMatchInlineSnapshot(`
        "expect(actual).toHaveTopKAgreement(reference, { k, min })

        Compared: output logits
        Expected top-1 agreement (same argmax) >= 99%, received 75% (3 / 4 rows)
        First disagreement at row [2]: reference argmax 3, actual top-1 [2]
        Mean KL(softmax(reference) || softmax(actual)): 0.08824 nats over 4 row(s)"
      `);
    });
    test('rows with NaN count as disagreeing', () => {
      const nan = logits([
        [5, 1, 0, 0],
        [0, NaN, 1, 0],
        [0, 0, 1, 3],
        [2, 0, 0, 0],
      ]);
      expect(failureOf(() => expect(nan).toHaveTopKAgreement(reference, { k: 3 }))).toMatchInlineSnapshot(`
        "expect(actual).toHaveTopKAgreement(reference, { k, min })

        Expected top-3 agreement (the reference's argmax among actual's 3 largest) >= 100%, received 75% (3 / 4 rows)
        Rows with NaN or Inf (counted as disagreeing): 1
        Mean KL(softmax(reference) || softmax(actual)): 0 nats over 3 row(s)"
      `);
    });
  });
  describe('.not fail', () => {
    test('agreement reached', () => {
      expect(failureOf(() => expect(actual).not.toHaveTopKAgreement(reference, { k: 2 }))).toMatchInlineSnapshot(`
        "expect(actual).not.toHaveTopKAgreement(reference, { k, min })

        Expected top-2 agreement (the reference's argmax among actual's 2 largest) below 100%, received 100% (4 / 4 rows)
        Mean KL(softmax(reference) || softmax(actual)): 0.08824 nats over 4 row(s)"
      `);
    });
  });
  test('invalid arguments are TypeErrors naming what was received', () => {
    expect(() => expect(actual).toHaveTopKAgreement(reference, { k: 5 })).toThrow(new TypeError('toHaveTopKAgreement: logits: k must be an integer from 1 to the class count 4, received 5'));
    expect(() => expect(actual).toHaveTopKAgreement(reference, { min: 99 })).toThrow(new TypeError('toHaveTopKAgreement: options.min must be a fraction from 0 to 1, received 99'));
    expect(() => expect(actual).toHaveTopKAgreement(logits([[1, 2]]))).toThrow(new TypeError('toHaveTopKAgreement: logits: expected actual and reference of the same shape, received [4, 4] and [1, 2]'));
  });
  test('records the agreement in task.meta.tier4', ({ task }) => {
    expect(actual).toHaveTopKAgreement(reference, { min: 0.75 });
    expect((task.meta.tier4?.records.at(-1) as Tier4TopKRecord).summary).toMatchObject({ agreement: 0.75, k: 1, min: 0.75, rows: 4, matches: 3 });
  });
});
