/**
 * A Tier 4 dict and a run report built from real checkParity results and real latency statistics on
 * generated data (no Python): what the report renderers and the browser test draw.
 */
import { latencyStats } from '../../src/latency/stats.js';
import { checkParity } from '../../src/parity/check.js';
import type { ParityResult } from '../../src/parity/types.js';
import type { Tier4RunReport } from '../../src/reporter/types.js';
import type { LayerRow, LayersReport } from '../../src/layers/types.js';
import { resolveTolerance } from '../../src/parity/tolerance.js';
import type { Tier4QuantizationSection } from '../../src/quantization/types.js';
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
    time_budget_ms: null,
    min_iterations: 50,
    max_iterations: 50,
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
    threshold_rtol: worst.tolerance.rtol,
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
 * A per-layer report of 12 layers: the accumulated error grows, `layer2.conv` breaks the tolerance locally
 * (the drift origin, with an NCHW -> NHWC layout finding), the first layer agrees exactly and one layer is
 * skipped (no numbers).
 */
export function sampleLayers(): LayersReport {
  const names = ['conv1', 'relu', 'layer1.conv', 'layer1.bn', 'layer1.relu', 'layer2.conv', 'layer2.relu', 'pool', 'flatten', 'fc1', 'relu_1', 'fc2'];
  const layers: LayerRow[] = names.map((name, i) => {
    const skipped = name === 'flatten';
    const origin = name === 'layer2.conv';
    const acc = skipped ? null : i === 0 ? 0 : i < 5 ? 2e-7 * (i + 1) : 3e-3 * (1 + i / 10);
    const local = skipped ? null : i === 0 ? 0 : origin ? 2.9e-3 : 1e-7 * (1 + (i % 3));
    return {
      name,
      modules: [name],
      module_types: [name.includes('conv') ? 'Conv2d' : name.includes('fc') ? 'Linear' : 'ReLU'],
      onnx_nodes: skipped ? [] : [`/${name}/Op`],
      op_types: skipped ? [] : [name.includes('conv') ? 'Conv' : name.includes('fc') ? 'Gemm' : 'Relu'],
      onnx_tensor: skipped ? null : `/${name}/Op_output_0`,
      shape: [1, 8, 16, 16],
      max_abs_diff: acc,
      mean_abs_diff: acc === null ? null : acc / 3,
      max_rel_diff: acc,
      accumulated_status: acc === null ? null : acc > 1e-4 ? 'fail' : 'ok',
      local_max_abs_diff: local,
      local_mean_abs_diff: local === null ? null : local / 3,
      local_status: local === null ? null : local > 1e-4 ? 'fail' : 'ok',
      status: skipped ? 'skipped' : origin ? 'fail' : acc !== null && acc > 1e-4 ? 'inherited' : 'ok',
      layout: origin ? { permutation: [0, 2, 3, 1], description: 'NCHW -> NHWC (reference.permute(0, 2, 3, 1))', max_abs_diff: 1e-7 } : null,
      reason: skipped ? 'no ONNX node of its own (folded into the next Gemm)' : null,
    };
  });
  return {
    drift_origin: 'layer2.conv',
    drift_origin_modules: ['layer2.conv'],
    first_over_tolerance: 'layer2.conv',
    diagnosis: 'layer',
    explanation: 'divergence born at layer2.conv (local 2.90e-3)',
    tolerance: resolveTolerance('fp32'),
    layers,
    onnx: 'model.onnx',
    sample: { index: 0, id: 'sample_000' },
    reference: 'eager',
    capture: { leaves: 12, bytes: 98304 },
    counts: { compared: 11, skipped: 1, over_tolerance_accumulated: 7, over_tolerance_local: 1 },
    warnings: [],
    timings: { capture_ms: 1, graph_ms: 1, prepare_ms: 2, onnx_ms: 3, local_ms: 4, compare_ms: 1, total_ms: 12 },
  };
}

/** A quantization section with per-layer SQNR (the verbose form): fc2 is the worst layer. */
export function sampleQuantization(): Tier4QuantizationSection {
  const layer_sqnr = ['block.attn.q', 'block.attn.k', 'block.attn.v', 'block.attn.o', 'block.mlp.fc1', 'block.mlp.fc2', 'head'].map((name, i) => ({
    name,
    tensor: `/${name}/MatMul_output_0`,
    sqnr_db: name === 'block.mlp.fc2' ? 17.5 : 30 + i * 2,
    accumulated_sqnr_db: name === 'block.mlp.fc2' ? 16.9 : 29 + i * 2,
    local: true,
  }));
  return {
    method: 'dynamic',
    scheme: 'DynamicQuantizeLinear + MatMulInteger, weights uint8 per channel',
    status: 'fail',
    reason: 'sqnr_db 17.5 dB < 20 dB',
    thresholds: { sqnr_db: 20 },
    checks: [{ metric: 'sqnr_db', rule: 'sqnr_db >= 20 dB', value: 17.5, status: 'fail' }],
    layers_quantized: 7,
    layers_kept_fp32: 1,
    size_bytes: 425746,
    fp32_size_bytes: 751848,
    size_ratio: 0.566,
    parameter_bytes: { uint8: 180000, float32: 4000 },
    fp32_parameter_bytes: { float32: 720000 },
    quantized_weight_bytes: 182000,
    fp32_quantized_weight_bytes: 720000,
    weight_bytes_ratio: 0.2528,
    memory_bytes: 31_000_000,
    fp32_memory_bytes: 33_500_000,
    memory_ratio: 0.925,
    memory_method: 'median RSS growth of one more loaded copy',
    relative_error: 0.134,
    sqnr_db: 17.5,
    cosine: 0.991,
    top1_agreement: 0.94,
    kl_divergence: 0.012,
    outputs: { logits: { relative_error: 0.134, sqnr_db: 17.5, cosine: 0.991, top1_agreement: 0.94, kl_divergence: 0.012, rows: 64 } },
    worst_layer: layer_sqnr[5]!,
    worst_layer_note: null,
    layer_sqnr,
    warnings: [],
  };
}

/**
 * A dict with an ONNX format whose parity fails in one sample (`failOnnx`) and a TorchScript format that
 * passes, three samples each, latency for both and an eager baseline.
 */
export function sampleTier4Report(options: { failOnnx?: boolean; name?: string; quantized?: boolean; layers?: boolean } = {}): Tier4Report {
  const preset = options.quantized ? 'quantized' : 'fp32';
  const onnx = [0, 1, 2].map((i) => parity(2000, options.failOnnx && i === 1 ? 1 : 1e-5, 11 + i, preset));
  const ts = [0, 1, 2].map((i) => parity(2000, 1e-7, 21 + i, preset));
  const eager = latency(1.6, 3);
  const sample = (p: ParityResult, b: number) => ({
    batch_size: b,
    outputs: { logits: { parity: p, shape: { status: 'ok' as const, actual: p.actual_shape, expected: ['batch', 10], reference: p.reference_shape, bindings: { batch: p.actual_shape[0] as number }, reason: null } } },
    error: null,
  });
  const formats: Record<string, Tier4FormatReport> = {
    onnx: format('onnx', onnx, latency(0.2, 1), eager, preset),
    torchscript: format('torchscript', ts, latency(1.4, 2), eager, preset),
  };
  if (options.layers) (formats['onnx'] as Tier4FormatReport & { layers?: LayersReport }).layers = sampleLayers();
  if (options.quantized) formats['onnx']!.quantization = sampleQuantization();
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
