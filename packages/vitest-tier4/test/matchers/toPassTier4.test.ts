import { describe, expect, test } from 'vitest';
import '../../src/setup.js';
import type { Tier4FormatReport, Tier4Report } from '../../src/tier4/types.js';
import { failureOf } from './helpers.js';

function format(status: Tier4FormatReport['status'], reason: string | null, speedup: number | null = null): Tier4FormatReport {
  return {
    status,
    parity: status,
    max_abs_diff: 0,
    mean_abs_diff: 0,
    max_rel_diff: 0,
    threshold: 1e-4,
    threshold_rtol: 1e-4,
    threshold_preset: 'fp32',
    threshold_statistic: 'elementwise',
    shape: 'ok',
    latency_ms: null,
    latency_std_ms: null,
    latency_p50_ms: null,
    latency_p99_ms: null,
    speedup_vs_pytorch: speedup,
    latency: null,
    pytorch_latency: null,
    speedup_clock: null,
    samples_checked: 3,
    worst: null,
    runtime: null,
    artifact: 'model.onnx',
    skipped: false,
    reason,
    threads: { intra_op: 2, inter_op: 1, backend: 'MLAS (onnxruntime CPU execution provider)' },
    pytorch_threads: { intra_op: 2, inter_op: 1, backend: 'BLAS generic, ATen parallel OpenMP, oneDNN on' },
  };
}

function report(status: Tier4Report['status'], formats: Record<string, Tier4FormatReport>, warnings: string[] = []): Tier4Report {
  return { status, formats, parity_report: {}, warnings, model: { name: 'mobilenet_v3_small' } as Tier4Report['model'] };
}

const failing = report(
  'fail',
  {
    onnx: format('fail', "output 'logits': relative error 1.24, SQNR -1.8 dB, cosine -0.0233 over 60 values; the scale-free gate needs SQNR >= 60.0 dB", 3.55),
    torchscript: format('ok', null, 0.92),
  },
  ["output 'logits': the absolute check cannot fail: every reference value is within atol 1e-4 of zero"],
);

describe('toPassTier4', () => {
  describe('pass', () => {
    test('ok, and warn by default', () => {
      expect(report('ok', { onnx: format('ok', null) })).toPassTier4();
      expect(report('warn', { onnx: format('warn', 'skipped') })).toPassTier4();
    });
  });
  describe('.not pass', () => {
    test('fail, and warn under allowWarn: false', () => {
      expect(failing).not.toPassTier4();
      expect(report('warn', { onnx: format('warn', 'skipped') })).not.toPassTier4({ allowWarn: false });
    });
  });
  describe('fail', () => {
    test('lists every format with its status and reason, the speed-ups with thread counts, and the warnings', () => {
      expect(failureOf(() => expect(failing).toPassTier4())).toMatchInlineSnapshot(`
        "expect(report).toPassTier4()

        Expected the Tier 4 verdict of mobilenet_v3_small to pass (ok or warn), but it is FAIL:
          onnx: FAIL: output 'logits': relative error 1.24, SQNR -1.8 dB, cosine -0.0233 over 60 values; the scale-free gate needs SQNR >= 60.0 dB (speed-up vs eager PyTorch 3.55x; 2 threads, MLAS (onnxruntime CPU execution provider); eager: 2 threads, BLAS generic, ATen parallel OpenMP, oneDNN on)
          torchscript: OK (speed-up vs eager PyTorch 0.92x; 2 threads, MLAS (onnxruntime CPU execution provider); eager: 2 threads, BLAS generic, ATen parallel OpenMP, oneDNN on)
        Warnings:
          - output 'logits': the absolute check cannot fail: every reference value is within atol 1e-4 of zero"
      `);
    });
    test('allowWarn: false names what is accepted', () => {
      expect(failureOf(() => expect(report('warn', { onnx: format('warn', 'model.onnx is not the file that was exported') })).toPassTier4({ allowWarn: false }))).toMatchInlineSnapshot(`
        "expect(report).toPassTier4({ allowWarn: false })

        Expected the Tier 4 verdict of mobilenet_v3_small to pass (ok), but it is WARN:
          onnx: WARN: model.onnx is not the file that was exported"
      `);
    });
  });
  describe('.not fail', () => {
    test('says the verdict passed', () => {
      expect(failureOf(() => expect(report('ok', { onnx: format('ok', null, 2) })).not.toPassTier4())).toMatchInlineSnapshot(`
        "expect(report).not.toPassTier4()

        Expected the Tier 4 verdict of mobilenet_v3_small not to pass, but it is OK:
          onnx: OK (speed-up vs eager PyTorch 2.00x; 2 threads, MLAS (onnxruntime CPU execution provider); eager: 2 threads, BLAS generic, ATen parallel OpenMP, oneDNN on)"
      `);
    });
  });
  test('invalid arguments are TypeErrors naming what was expected', () => {
    expect(() => expect({ status: 'ok' }).toPassTier4()).toThrow(TypeError);
    expect(() => expect(null).toPassTier4()).toThrow('toPassTier4: expected a Tier 4 report ({ status, formats, ... } from runTier4 or validate()), received null');
    expect(() => expect(failing).toPassTier4({ allowWarn: 'no' as never })).toThrow('toPassTier4: allowWarn must be a boolean, received "no"');
  });
});
