/**
 * A Tier 4 dict and a run report built from real checkParity results and real latency statistics on
 * generated data (no Python): what the report renderers and the browser test draw.
 */
import { latencyStats } from '../../src/latency/stats.js';
import { checkParity } from '../../src/parity/check.js';
import type { ParityResult } from '../../src/parity/types.js';
import type { Tier4RunReport } from '../../src/reporter/types.js';
import type { Tier4FormatReport, Tier4Latency, Tier4Report } from '../../src/tier4/types.js';

/** A deterministic pseudo-random generator in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function parity(n: number, noise: number, seed: number, tolerance: 'fp32' | 'quantized' = 'fp32'): ParityResult {
  const r = rng(seed);
  const ref = new Float32Array(n);
  const act = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    ref[i] = (r() - 0.5) * 6;
    act[i] = r() < 0.1 ? (ref[i] as number) : (ref[i] as number) + (r() - 0.5) * noise * 10 ** -(r() * 3);
  }
  return checkParity({ data: act, dims: [n / 10, 10], type: 'float32' }, { data: ref, dims: [n / 10, 10], type: 'float32' }, tolerance, { histogram: true });
}

function latency(meanMs: number, seed: number): Tier4Latency {
  const r = rng(seed);
  const samples = Array.from({ length: 50 }, () => meanMs * (0.8 + r() * 0.4 + (r() < 0.05 ? 1.5 : 0)));
  return {
    ...latencyStats(samples),
    warmup: 5,
    clock: 'test clock',
    sample: 'sample_000',
    batch_size: 1,
    budget_ms: null,
    budget_level: 'warn',
    budget_status: null,
  };
}

function format(name: string, results: ParityResult[], lat: Tier4Latency | null, eager: Tier4Latency | null, preset: 'fp32' | 'quantized'): Tier4FormatReport {
  const worstI = results.reduce((best, p, i) => (p.max_abs_diff > (results[best] as ParityResult).max_abs_diff ? i : best), 0);
  const worst = results[worstI] as ParityResult;
  const failed = results.filter((p) => p.status === 'fail').length;
  const numel = results.reduce((s, p) => s + p.numel, 0);
  return {
    status: failed > 0 ? 'fail' : 'ok',
    parity: failed > 0 ? 'fail' : 'ok',
    max_abs_diff: worst.max_abs_diff,
    mean_abs_diff: results.reduce((s, p) => s + p.mean_abs_diff * p.numel, 0) / numel,
    max_rel_diff: Math.max(...results.map((p) => p.max_rel_diff)),
    threshold: worst.tolerance.atol,
    threshold_preset: preset,
    threshold_statistic: preset === 'quantized' ? 'mean' : 'elementwise',
    shape: 'ok',
    latency_ms: lat?.mean_ms ?? null,
    latency_std_ms: lat?.std_ms ?? null,
    latency_p50_ms: lat?.p50_ms ?? null,
    latency_p99_ms: lat?.p99_ms ?? null,
    speedup_vs_pytorch: lat && eager ? eager.mean_ms / lat.mean_ms : null,
    speedup_vs_pytorch_p50: lat && eager ? eager.p50_ms / lat.p50_ms : null,
    latency: lat,
    pytorch_latency: eager,
    speedup_clock: lat ? 'test clocks' : null,
    samples_checked: results.length,
    worst: { sample: `sample_00${worstI}`, output: 'logits', index: worst.max_abs_index, actual: worst.max_abs_actual, reference: worst.max_abs_reference, max_abs_diff: worst.max_abs_diff },
    runtime: name === 'onnx' ? 'onnxruntime-node 1.30.0' : 'torch 1.13.0 (python 3.11.2, 1 threads)',
    artifact: `model.${name}`,
    skipped: false,
    reason: failed > 0 ? `parity failed in ${failed}/${results.length} sample(s)` : null,
  };
}

/**
 * A dict with an ONNX format whose parity fails in one sample (`failOnnx`) and a TorchScript format that
 * passes, three samples each, latency for both and an eager baseline.
 */
export function sampleTier4Report(options: { failOnnx?: boolean; name?: string; quantized?: boolean } = {}): Tier4Report {
  const preset = options.quantized ? 'quantized' : 'fp32';
  const onnx = [0, 1, 2].map((i) => parity(2000, options.failOnnx && i === 1 ? 1 : 1e-5, 11 + i, preset));
  const ts = [0, 1, 2].map((i) => parity(2000, 1e-7, 21 + i, preset));
  const eager = latency(1.6, 3);
  const sample = (p: ParityResult, b: number) => ({
    batch_size: b,
    outputs: { logits: { parity: p, shape: { status: 'ok' as const, actual: p.actual_shape, expected: ['batch', 10], reference: p.reference_shape, bindings: { batch: p.actual_shape[0] as number }, reason: null } } },
    error: null,
  });
  const formats = { onnx: format('onnx', onnx, latency(0.2, 1), eager, preset), torchscript: format('torchscript', ts, latency(1.4, 2), eager, preset) };
  return {
    status: options.failOnnx ? 'fail' : 'ok',
    formats,
    parity_report: {
      onnx: Object.fromEntries(onnx.map((p, i) => [`sample_00${i}`, sample(p, 200)])),
      torchscript: Object.fromEntries(ts.map((p, i) => [`sample_00${i}`, sample(p, 200)])),
    },
    warnings: options.failOnnx ? ['onnx: a <b>warning</b> with markup & an ampersand'] : [],
    model: {
      name: options.name ?? 'simple_cnn',
      task_type: 'image-classification',
      modality: 'vision',
      export_dir: '/tmp/exports/simple_cnn',
      inputs: [{ name: 'pixel_values', dtype: 'float32', shape: ['batch', 3, 32, 32] }],
      outputs: [{ name: 'logits', dtype: 'float32', shape: ['batch', 10] }],
      quantization: options.quantized ? 'dynamic' : null,
      quantization_info: options.quantized ? { method: 'dynamic', dtype: 'qint8', modules: ['Linear'], fp32_size_bytes: 751848, quantized_size_bytes: 425746, size_ratio: 0.566 } : null,
      formats_requested: ['onnx', 'torchscript', 'pytorch'],
      formats_written: ['onnx', 'torchscript', 'pytorch'],
      formats_failed: {},
      opset: 14,
      torch_version: '1.13.0',
      onnx_version: '1.12.0',
      exported_at: '2026-12-01T19:58:57+00:00',
      model_source: { kind: 'builtin', name: 'simple_cnn', seed: 0 },
      num_samples: 3,
    },
  };
}

/** A run report holding `models` (keys as given). */
export function sampleRunReport(models: Record<string, Tier4Report>): Tier4RunReport {
  const failed = Object.values(models).some((m) => m.status === 'fail');
  return {
    kind: 'vitest-tier4-run',
    version: 1,
    status: failed ? 'fail' : 'ok',
    reasons: failed ? ['simple_cnn: onnx parity failed'] : [],
    models,
    checks: [],
    tests: { total: 4, passed: failed ? 3 : 4, failed: failed ? 1 : 0, skipped: 0 },
    unhandled_errors: 0,
    thresholds: { fp32: 1e-4, quantized: 1e-2 },
    merged: false,
    generated_at: '2026-12-01T20:00:00.000Z',
    vitest_version: '4.1.12',
  };
}
