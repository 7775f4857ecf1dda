import { describe, expect, test } from 'vitest';
import { diagnoseTracedSize, isSizeError, type SampleOutcome } from '../../src/tier4/specialisation.js';

const o = (id: string, batch: number, sequence: number, failed: boolean, implicates: SampleOutcome['implicates'] = failed ? 'all' : []): SampleOutcome => ({
  id,
  bindings: { batch, sequence },
  failed,
  implicates,
});

describe('diagnoseTracedSize', () => {
  test('names the sequence when exactly the samples at another length fail', () => {
    const outcomes = [o('s0', 1, 16, false), o('s1', 4, 8, true), o('s2', 3, 16, false), o('s3', 1, 8, true)];
    expect(diagnoseTracedSize(outcomes, { batch: 2, sequence: 16 })).toBe(
      "fails at sequence 8 (2/4 samples; the 2 sample(s) at sequence 16 passed): the exported graph looks specialised to the 'sequence' size it was traced with (16); " +
        'a size read from a tensor as a Python int (int(x.shape[0]), x.view(16, -1)) is recorded as a constant, keep it symbolic (x.size(0), x.flatten(1), reshape(x.size(0), -1))',
    );
  });

  test('names the batch when every sample fails structurally and none is at the traced batch', () => {
    const text = diagnoseTracedSize([o('s0', 1, 16, true), o('s1', 4, 16, true), o('s2', 3, 8, true)], { batch: 2, sequence: 16 });
    expect(text).toMatch(/^fails at batch 1, 4, 3 \(3\/3 samples; no sample passed\): the exported graph looks specialised to the 'batch' size it was traced with \(2\)/);
  });

  test('says nothing when wrong values of the right shape fail (an ignored mask), or only a fixed axis is wrong', () => {
    expect(diagnoseTracedSize([o('s0', 1, 16, true, []), o('s1', 4, 16, true, [])], { batch: 2, sequence: 16 })).toBeNull();
  });

  test('a shape failure implicates the dims of its wrong axes', () => {
    const outcomes = [o('s0', 1, 16, true, ['batch']), o('s1', 4, 16, true, ['batch'])];
    expect(diagnoseTracedSize(outcomes, { batch: 2, sequence: 16 })).toMatch(/^fails at batch 1, 4 /);
    expect(diagnoseTracedSize([o('s0', 1, 8, true, ['batch']), o('s1', 4, 16, false)], { batch: 2, sequence: 16 })).toBeNull();
  });

  test('says nothing when a sample away from the traced size passes, when nothing failed, or without traced sizes', () => {
    expect(diagnoseTracedSize([o('s0', 1, 16, false), o('s1', 4, 16, true)], { batch: 2 })).toBeNull();
    expect(diagnoseTracedSize([o('s0', 1, 16, false)], { batch: 2, sequence: 16 })).toBeNull();
    expect(diagnoseTracedSize([o('s0', 1, 16, true)], null)).toBeNull();
  });
});

test('isSizeError tells a size that does not fit from a timeout', () => {
  expect(isSizeError("ONNX Runtime failed to run m.onnx: Non-zero status code returned while running Gemm node. Name:'/head/Gemm' Status Message: GEMM: Dimension mismatch, W: {4,192} K: 96 N:4")).toBe(true);
  expect(isSizeError("RuntimeError: shape '[2, -1]' is invalid for input of size 192")).toBe(true);
  expect(isSizeError("Python worker timed out after 1500 ms on 'run' (m.torchscript); the worker was killed")).toBe(false);
});
