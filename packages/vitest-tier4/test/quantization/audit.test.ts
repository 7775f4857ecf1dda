/**
 * The quantization audit checklist on real models (the small ones; resnet18 and the memory figures are in
 * bench/quantization-audit.mjs): structure preserved at batch 1 and 4, relative error under 1%, ~4x on the
 * quantized weights with the whole-file ratio beside it, tied weights reported as they are, and extreme input
 * ranges (x 1e-6, x 1e4) judged the same by the scale-free metrics while the absolute mean gate is not.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { buildFixture } from 'vitest-tier4-fixtures';
import { runTier4 } from '../../src/tier4/run.js';
import type { Tier4Report } from '../../src/tier4/types.js';
import { schemaValidator } from '../tier4/helpers.js';

const models = fileURLToPath(new URL('../../bench/quantization/models.py', import.meta.url));

async function audit(factory: string): Promise<Tier4Report> {
  const fx = await buildFixture({ model: { file: models, factory }, quantization: 'dynamic', formats: ['onnx', 'torchscript', 'pytorch'], samples: 10 });
  return runTier4({ exportDir: fx.dir, numSamples: 4, latency: false, trustModelSource: true, quantization: { memory: false, perLayer: false } });
}

describe('quantization audit', () => {
  test('MLP: structure at batch 1 and 4, relative error under 1%, ~4x on the quantized weights', async () => {
    const report = await audit('make_mlp');
    expect(report.status).toBe('ok');
    for (const format of ['onnx', 'torchscript']) {
      const f = report.formats[format]!;
      const samples = Object.values(report.parity_report[format]!);
      expect(samples.map((s) => s.outputs.logits!.shape.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
      expect(samples.map((s) => s.outputs.logits!.shape.actual)).toEqual(samples.map((s) => [s.batch_size, 10]));
      expect(new Set(samples.map((s) => s.batch_size))).toEqual(new Set([1, 4, ...samples.map((s) => s.batch_size)]));
      expect(Object.keys(samples[0]!.outputs)).toEqual(['logits']);
      const q = f.quantization!;
      expect(q.layers_quantized).toBe(3);
      expect(q.layers_kept_fp32).toBe(0);
      expect(q.relative_error).toBeLessThan(0.01);
      expect(q.relative_error).toBeGreaterThan(0); // quantized for real
      expect(q.weight_bytes_ratio).toBeGreaterThanOrEqual(0.25);
      expect(q.weight_bytes_ratio).toBeLessThan(0.27);
      // nothing but Linear layers: the whole file shrinks almost as much (biases and graph stay)
      expect(q.size_ratio).toBeLessThan(0.35);
    }
    const validate = await schemaValidator();
    expect(validate(JSON.parse(JSON.stringify(report)))).toEqual([]);
  });

  test('inputs x 1e-6 and x 1e4: the scale-free metrics still judge (activations are quantized per run), the absolute mean gate does not', async () => {
    const tiny = (await audit('make_mlp_tiny_inputs')).formats.onnx!;
    const huge = (await audit('make_mlp_huge_inputs')).formats.onnx!;
    for (const f of [tiny, huge]) {
      expect(f.quantization!.status).toBe('ok');
      expect(f.quantization!.sqnr_db).toBeGreaterThan(35);
      expect(f.quantization!.top1_agreement).toBe(1);
    }
    expect(tiny.status).toBe('ok');
    // x 1e4: the logits are in the hundreds, so a mean |diff| of a few units fails the absolute 1e-2 gate,
    // named in the reason, while SQNR says the quantization is as good as at scale 1
    expect(huge.mean_abs_diff!).toBeGreaterThan(1);
    expect(huge.status).toBe('fail');
    expect(huge.reason).toMatch(/^parity failed in 4\/4 sample\(s\); worst: output 'logits' \(sample_00\d\): mean abs diff \d+\.\d+ > 0\.01 \(preset quantized/);
  });

  test('a file model source that is not trusted: worst_layer is not measured, one warning says why (no comparison is started)', async () => {
    const fx = await buildFixture({ model: { file: models, factory: 'make_mlp' }, quantization: 'dynamic', formats: ['onnx', 'torchscript', 'pytorch'], samples: 10 });
    const report = await runTier4({ exportDir: fx.dir, numSamples: 1, latency: false, formats: ['onnx'], quantization: { memory: false } });
    const q = report.formats.onnx!.quantization!;
    const why =
      'worst layer not measured: no reference activations stored (export with layers=True or --layers) and the file model_source is not trusted (trustModelSource / --trust-model-source)';
    expect(q.worst_layer).toBeNull();
    expect(q.worst_layer_note).toBe(why);
    expect(q.warnings).toEqual([why]);
    expect(report.warnings).toContain(`onnx: quantization: ${why}`);
  });

  test('tied embedding / LM-head weight: reported as it is, never a made-up 4x', async () => {
    const report = await audit('make_tied_lm');
    const onnx = report.formats.onnx!.quantization!;
    const ts = report.formats.torchscript!.quantization!;
    expect(onnx.weight_bytes_ratio).toBeLessThan(0.27);
    // the embedding table stays fp32: the whole file cannot shrink 4x; torch unties the weight in TorchScript
    expect(onnx.size_ratio).toBeGreaterThan(0.45);
    expect(ts.size_ratio).toBeGreaterThan(onnx.size_ratio!);
    expect(onnx.relative_error).toBeLessThan(0.05);
  });
});
