/**
 * Top-k agreement and KL divergence along the last axis (parity/logits.ts), checked by hand on small cases and
 * against numpy (argmax, argsort, log-softmax) on seeded random logits.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { addLogitsSums, compareLogits, emptyLogitsSums, logitsAgreement } from '../../src/parity/logits.js';
import { toTensorView } from '../../src/parity/view.js';
import { pythonWith } from '../python-with.js';

const view = (data: number[], shape: number[]) => toTensorView({ data: Float32Array.from(data), dims: shape, type: 'float32' }, 'x');

describe('compareLogits', () => {
  test('top-1, top-k and KL on a hand-made case', () => {
    const ref = view([3, 1, 0, /**/ 0, 2, 1, /**/ 1, 1, 5], [3, 3]);
    const act = view([2.9, 1.2, 0, /**/ 0, 1, 1.5, /**/ 1, 1, 5], [3, 3]);
    const s = compareLogits(act, ref, 2);
    expect(s).toMatchObject({ rows: 3, top1_matches: 2, topk_matches: 3, k: 2, skipped_rows: 0 });
    const a = logitsAgreement(s);
    expect(a.top1_agreement).toBeCloseTo(2 / 3, 12);
    expect(a.topk_agreement).toBe(1);
    expect(a.kl_divergence).toBeGreaterThan(0);
  });

  test('identical logits: agreement 1 and KL 0; rows with NaN are skipped and counted', () => {
    const ref = view([1, 2, 3, NaN, 0, 1], [2, 3]);
    const a = logitsAgreement(compareLogits(ref, ref));
    expect(a).toEqual({ top1_agreement: 1, topk_agreement: 1, k: 1, kl_divergence: 0, rows: 1, skipped_rows: 1 });
  });

  test('ties: the lowest index wins (numpy argmax), for top-1 and for top-k', () => {
    const ref = view([1, 5, 5], [1, 3]); // argmax 1
    expect(compareLogits(view([5, 5, 0], [1, 3]), ref, 1).top1_matches).toBe(0); // actual argmax 0
    expect(compareLogits(view([5, 5, 0], [1, 3]), ref, 2).topk_matches).toBe(1);
    expect(compareLogits(view([0, 5, 5], [1, 3]), ref, 1).top1_matches).toBe(1);
  });

  test('sums merge across samples: the figures of all rows, not an average of averages', () => {
    const ref = view([1, 0, 1, 0, 1, 0], [3, 2]);
    const one = compareLogits(view([0, 1], [1, 2]), view([1, 0], [1, 2]));
    const three = compareLogits(view([1, 0, 1, 0, 1, 0], [3, 2]), ref);
    const total = addLogitsSums(addLogitsSums(emptyLogitsSums(), one), three);
    expect(logitsAgreement(total).top1_agreement).toBe(0.75);
    expect(logitsAgreement(emptyLogitsSums())).toMatchObject({ top1_agreement: null, kl_divergence: null, rows: 0 });
  });

  test('bad arguments are TypeErrors naming what was received', () => {
    expect(() => compareLogits(view([1, 2], [2]), view([1, 2, 3], [3]))).toThrow('logits: expected actual and reference of the same shape, received [2] and [3]');
    expect(() => compareLogits(view([1, 2], [1, 2]), view([1, 2], [1, 2]), 3)).toThrow('logits: k must be an integer from 1 to the class count 2, received 3');
    expect(() => addLogitsSums(emptyLogitsSums(1), emptyLogitsSums(5))).toThrow('addLogitsSums: expected the same k, received 1 and 5');
  });
});

describe('against numpy', () => {
  test('top-1 / top-5 agreement and mean KL on 200 seeded random rows of 50 classes', () => {
    const script = `
import json, numpy as np
rng = np.random.default_rng(7)
r = rng.standard_normal((200, 50)).astype(np.float32) * 3
a = (r + rng.standard_normal((200, 50)).astype(np.float32) * 0.5).astype(np.float32)
def logsm(x):
    x = x.astype(np.float64); m = x.max(-1, keepdims=True); return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))
top1 = float((a.argmax(-1) == r.argmax(-1)).mean())
order = np.argsort(-a.astype(np.float64), axis=-1, kind='stable')[:, :5]
top5 = float(np.mean([r.argmax(-1)[i] in order[i] for i in range(200)]))
lp, lq = logsm(r), logsm(a)
kl = float((np.exp(lp) * (lp - lq)).sum(-1).mean())
print(json.dumps({"r": r.ravel().tolist(), "a": a.ravel().tolist(), "top1": top1, "top5": top5, "kl": kl}))
`;
    const out = JSON.parse(execFileSync(pythonWith('numpy'), ['-c', script], { encoding: 'utf8', maxBuffer: 16 << 20 })) as { r: number[]; a: number[]; top1: number; top5: number; kl: number };
    const s = compareLogits(view(out.a, [200, 50]), view(out.r, [200, 50]), 5);
    const got = logitsAgreement(s);
    expect(got.top1_agreement).toBe(out.top1);
    expect(got.topk_agreement).toBe(out.top5);
    expect(got.kl_divergence).toBeCloseTo(out.kl, 10);
    expect(out.top1).toBeLessThan(1); // the case is not trivial
  });
});
