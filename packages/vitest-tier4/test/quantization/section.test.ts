/**
 * `formats.<format>.quantization` from runTier4 on the dynamically quantized LM stub (int8 ONNX by graph
 * rewrite, qint8 TorchScript): every figure present and consistent with metadata.json, memory measured by the
 * loading processes, the verbose form, thresholds failing the format with a pinned reason, schema-valid.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { PythonWorker } from '../../src/runtimes/python-worker.js';
import { runTier4 } from '../../src/tier4/run.js';
import type { Tier4Report } from '../../src/tier4/types.js';
import { cleanupTmp, copyExport, fixture, schemaValidator } from '../tier4/helpers.js';

afterAll(cleanupTmp);

async function expectSchemaValid(report: Tier4Report): Promise<void> {
  const validate = await schemaValidator();
  expect(validate(JSON.parse(JSON.stringify(report)))).toEqual([]);
}

describe('quantization section (lm_stub, dynamic)', () => {
  test('both formats: what was quantized, sizes, memory, scale-free and logits metrics; schema-valid', async () => {
    const fx = await fixture('lm_stub_quantized');
    const report = await runTier4({ exportDir: fx.dir, numSamples: 4, latency: false, quantization: { perLayer: false } });
    expect(report.warnings).toEqual([]);
    expect(report.status).toBe('ok');
    const info = fx.metadata.quantization_info as unknown as { formats: Record<string, Record<string, unknown>> };
    for (const format of ['onnx', 'torchscript']) {
      const q = report.formats[format]!.quantization!;
      const rec = info.formats[format]!;
      expect(q).toMatchObject({ method: 'dynamic', status: 'ok', reason: null, thresholds: { sqnr_db: 20 }, layers_quantized: 7 });
      expect(q.checks).toEqual([{ metric: 'sqnr_db', rule: 'sqnr_db >= 20 dB', value: q.sqnr_db, status: 'ok' }]);
      expect(q.size_bytes).toBe(rec.size_bytes);
      expect(q.size_ratio).toBeCloseTo((rec.size_bytes as number) / (rec.fp32_size_bytes as number), 12);
      expect(q.weight_bytes_ratio).toBeGreaterThanOrEqual(0.25);
      expect(q.weight_bytes_ratio).toBeLessThan(0.27);
      // the LM's embedding tables stay fp32: the whole file shrinks far less than 4x
      expect(q.size_ratio).toBeGreaterThan(0.5);
      // measured by the process that loads the model, both sides
      expect(q.memory_bytes).toBeGreaterThan(0);
      expect(q.fp32_memory_bytes).toBeGreaterThan(0);
      expect(q.memory_ratio).toBeCloseTo(q.memory_bytes! / q.fp32_memory_bytes!, 12);
      // TorchScript: the suite's run is pooled, so a child of the leased worker's zygote measured it
      expect(q.memory_method).toMatch(
        format === 'onnx'
          ? /^onnxruntime-node in a fresh Node process: median growth of process\.memoryUsage\(\)\.rss over 3 /
          : /^torch in a Python process forked for this probe from the worker's zygote \(forked right after import torch, before any op ran\): median growth of VmRSS/,
      );
      // quantized for real, and close: relative error ~1-2%, SQNR 30-45 dB, the same next token almost everywhere
      expect(q.relative_error).toBeGreaterThan(1e-3);
      expect(q.relative_error).toBeLessThan(0.03);
      expect(q.sqnr_db).toBeCloseTo(-20 * Math.log10(q.relative_error!), 9);
      expect(q.cosine).toBeGreaterThan(0.999);
      expect(q.top1_agreement).toBeGreaterThan(0.9);
      expect(q.top1_agreement).toBeLessThanOrEqual(1);
      expect(q.kl_divergence).toBeGreaterThan(0);
      // one row per token position of every checked sample (vocabulary 1000)
      const numel = Object.values(report.parity_report[format]!).reduce((n, sr) => n + sr.outputs.logits!.parity!.numel, 0);
      expect(q.outputs.logits!.rows).toBe(numel / 1000);
      expect(q.worst_layer).toBeNull();
      expect(q.worst_layer_note).toBe('not compared (quantization.perLayer: false)');
      expect(q.layer_names).toBeUndefined();
    }
    // the int8 ONNX beats torch's per-tensor qint8 on this model (per-channel uint8 weights)
    expect(report.formats.onnx!.quantization!.sqnr_db).toBeGreaterThan(report.formats.torchscript!.quantization!.sqnr_db!);
    await expectSchemaValid(report);
  });

  test('the two memory probes run side by side; when one fails, neither figure is kept and its error is the note', async () => {
    const dir = await copyExport((await fixture('lm_stub_quantized')).dir);
    const fp32 = join(dir, 'fp32', 'model.onnx');
    await writeFile(fp32, 'not an onnx model');
    const report = await runTier4({ exportDir: dir, numSamples: 1, latency: false, formats: ['onnx'], quantization: { perLayer: false } });
    const q = report.formats.onnx!.quantization!;
    expect(q.memory_bytes).toBeNull();
    expect(q.fp32_memory_bytes).toBeNull();
    expect(q.memory_method).toMatch(new RegExp(`^not measured: memory probe of onnx ${fp32.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} failed \\(exit code 1\\): `));
    // the format is named once (runTier4's prefix), not 'onnx: quantization: onnx: ...'
    expect(q.warnings).toEqual([`resident memory ${q.memory_method}`]);
    expect(report.warnings).toContain(`onnx: quantization: resident memory ${q.memory_method}`);
    await expectSchemaValid(report);
  });

  test('thresholds on the metrics fail the format with one line per broken rule; verbose names the layers', async () => {
    const fx = await fixture('lm_stub_quantized');
    const report = await runTier4({
      exportDir: fx.dir,
      numSamples: 2,
      latency: false,
      formats: ['onnx'],
      thresholds: { sqnr_db: 60, top1_agreement: 0.5, relative_error: 1e-4 },
      quantization: { memory: false, perLayer: false, verbose: true },
    });
    expect(report.status).toBe('fail');
    const f = report.formats.onnx!;
    const q = f.quantization!;
    expect(f.parity).toBe('ok'); // the mean |diff| threshold alone passes
    expect(q.status).toBe('fail');
    expect(q.checks.map((c) => [c.metric, c.status])).toEqual([
      ['sqnr_db', 'fail'],
      ['top1_agreement', 'ok'],
      ['relative_error', 'fail'],
    ]);
    const sqnr = Number(q.sqnr_db!.toPrecision(4));
    const rel = Number(q.relative_error!.toPrecision(4));
    expect(q.reason).toBe(`sqnr_db ${sqnr} dB, below the threshold sqnr_db >= 60 dB; relative_error ${rel}, above the threshold relative_error <= 0.0001`);
    expect(f.reason).toBe(`quantization: ${q.reason}`);
    expect(q.memory_method).toBe('not measured (quantization.memory: false)');
    expect(q.layer_names!.quantized.map((l) => l.name)).toEqual(['block.attn.q', 'block.attn.k', 'block.attn.v', 'block.attn.o', 'block.mlp.0', 'block.mlp.2', 'lm_head']);
    expect(q.layer_names!.kept_fp32).toContainEqual({ name: 'tok_emb', reason: 'embedding lookup (Gather) is kept fp32' });
    await expectSchemaValid(report);
  });

  test('int8 ONNX: worst_layer from the per-layer machinery of tier4 layers (local SQNR), the list in the verbose form', async () => {
    const fx = await fixture('lm_stub_quantized');
    // the suite's run has a pool (vitest.config.ts): the comparison leases the validation's worker and starts no Python of its own
    const start = vi.spyOn(PythonWorker, 'start');
    let report: Tier4Report;
    try {
      report = await runTier4({ exportDir: fx.dir, numSamples: 1, latency: false, formats: ['onnx'], quantization: { memory: false, verbose: true } });
      expect(start).not.toHaveBeenCalled();
    } finally {
      start.mockRestore();
    }
    const q = report.formats.onnx!.quantization!;
    const quantized = ['block.attn.q', 'block.attn.k', 'block.attn.v', 'block.attn.o', 'block.mlp.0', 'block.mlp.2', 'lm_head'];
    expect(q.layer_sqnr!.map((l) => l.name)).toEqual(['tok_emb', 'pos_emb', 'block.ln1', 'block.attn.q', 'block.attn.k', 'block.attn.v', 'block.attn.o', 'block.ln2', 'block.mlp.0', 'block.mlp.1', 'block.mlp.2', 'ln_f', 'lm_head']);
    // an fp32 layer alone is exact to rounding (> 100 dB); an int8 one costs ~40 dB: the worst is an int8 layer
    for (const l of q.layer_sqnr!) {
      if (l.sqnr_db === Infinity) continue; // the embedding lookups are bit-exact
      if (quantized.includes(l.name)) expect(l.sqnr_db).toBeLessThan(50);
      else expect(l.sqnr_db).toBeGreaterThan(100);
      expect(l.local).toBe(true);
    }
    expect(quantized).toContain(q.worst_layer!.name);
    expect(q.worst_layer!.sqnr_db).toBe(Math.min(...q.layer_sqnr!.map((l) => l.sqnr_db ?? Infinity)));
    expect(q.worst_layer_note).toMatch(/^per-layer SQNR against the eager fp32 activations of sample_000 \(tier4 layers' comparison, reference (eager|stored)\)/);
    // TorchScript has no named intermediate tensors
    const ts = await runTier4({ exportDir: fx.dir, numSamples: 1, latency: false, formats: ['torchscript'], quantization: { memory: false } });
    expect(ts.formats.torchscript!.quantization!.worst_layer).toBeNull();
    expect(ts.formats.torchscript!.quantization!.worst_layer_note).toBe(
      'per-layer SQNR is compared for int8 ONNX only (a TorchScript graph has no named intermediate tensors to mark as outputs)',
    );
    await expectSchemaValid(report);
  });

  test('an fp32 export has no quantization section; bad options are TypeErrors', async () => {
    const fx = await fixture('lm_stub');
    const report = await runTier4({ exportDir: fx.dir, numSamples: 1, latency: false, formats: ['onnx'] });
    expect(report.formats.onnx!.quantization).toBeUndefined();
    await expect(runTier4({ exportDir: fx.dir, thresholds: { sqnr_db: 'high' } as never })).rejects.toThrow('runTier4: option "thresholds.sqnr_db" expected a finite number, received "high"');
    await expect(runTier4({ exportDir: fx.dir, quantization: { thresholds: {} } as never })).rejects.toThrow(
      'runTier4: unknown option "quantization.thresholds" (quantization thresholds are keys of the thresholds option, e.g. thresholds: { quantized: 1e-2, sqnr_db: 20 })',
    );
    await expect(runTier4({ exportDir: fx.dir, quantization: { memroy: false } as never })).rejects.toThrow(
      'runTier4: unknown option "quantization.memroy" (expected one of "memory", "perLayer", "verbose", "timeoutMs"; did you mean "memory"?)',
    );
  });
});
