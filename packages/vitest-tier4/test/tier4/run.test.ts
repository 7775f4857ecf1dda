import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { livePythonWorkers, openOnnxRunner, registeredFormats, registerRunner, runnerArtifact } from '../../src/runtimes/index.js';
import { renderSummaryTable } from '../../src/cli/table.js';
import { ExportDirReadError, runTier4, type Tier4Report } from '../../src/tier4/index.js';
import { histogramTotal } from '../../src/parity/histogram.js';
import { cleanupTmp, copyExport, fixture, perturbOnnx, python, schemaValidator, tmpDir } from './helpers.js';

afterAll(cleanupTmp);

const FAST = { numSamples: 4, latency: { iterations: 5, warmup: 2 } } as const;

async function expectSchemaValid(report: Tier4Report): Promise<void> {
  const validate = await schemaValidator();
  // what is validated is what a JSON reader sees
  expect(validate(JSON.parse(JSON.stringify(report)))).toEqual([]);
}

describe('runTier4 on the built-in fixtures', () => {
  test.each(['simple_cnn', 'lm_stub'] as const)('%s: ONNX and TorchScript both ok, max_abs_diff < 1e-4, with latency and speed-up', async (name) => {
    const fx = await fixture(name);
    const report = await runTier4({ exportDir: fx.dir, ...FAST });
    expect(Object.keys(report)).toEqual(['status', 'formats', 'parity_report', 'warnings', 'model']);
    expect(report.status).toBe('ok');
    expect(report.warnings).toEqual([]);
    expect(Object.keys(report.formats)).toEqual(['onnx', 'torchscript']);
    for (const [format, f] of Object.entries(report.formats)) {
      expect(f, format).toMatchObject({ status: 'ok', parity: 'ok', shape: 'ok', threshold: 1e-4, threshold_preset: 'fp32', skipped: false, samples_checked: 4 });
      expect(f.max_abs_diff).toBeLessThan(1e-4);
      expect(f.mean_abs_diff).toBeLessThanOrEqual(f.max_abs_diff!);
      expect(f.latency_ms).toBeGreaterThan(0);
      expect(f.latency_std_ms).toBeGreaterThanOrEqual(0);
      expect(f.latency!.iterations).toBe(5);
      expect(f.latency!.sample).toBe('sample_000');
      expect(f.speedup_vs_pytorch).toBeCloseTo(f.pytorch_latency!.mean_ms / f.latency_ms!, 10);
      expect(f.speedup_vs_pytorch_p50).toBeCloseTo(f.pytorch_latency!.p50_ms / f.latency_p50_ms!, 10);
      expect(f.pytorch_latency!.clock).toMatch(/^python:time\.perf_counter_ns/);
    }
    expect(report.formats.onnx!.latency!.clock).toMatch(/^node:tinybench/);
    expect(report.formats.onnx!.speedup_clock).toMatch(/different clocks and processes/);
    expect(report.formats.torchscript!.speedup_clock).toMatch(/^both timed by python:/);
    // the shape check covered batch sizes 1 and 4 on every sample
    const samples = report.parity_report.torchscript!;
    expect(Object.values(samples).map((s) => s.batch_size)).toEqual([1, 4, 3, 1]);
    for (const s of Object.values(samples)) {
      for (const out of Object.values(s.outputs)) {
        expect(out.shape.status).toBe('ok');
        expect(out.shape.actual[0]).toBe(s.batch_size);
        expect(out.shape.bindings.batch).toBe(s.batch_size);
        expect(out.parity!.status).toBe('ok');
      }
    }
    expect(report.model).toMatchObject({ name, export_dir: fx.dir, quantization: null, num_samples: 10 });
    await expectSchemaValid(report);
  });

  test('default numSamples checks all 10 samples (vision model: [B, 10] at B = 1, 4 and 3)', async () => {
    const fx = await fixture('simple_cnn');
    const report = await runTier4({ exportDir: fx, formats: ['torchscript'], latency: false });
    expect(report.status).toBe('ok');
    const f = report.formats.torchscript!;
    expect(f.samples_checked).toBe(10);
    expect(f.latency).toBeNull();
    expect(f.speedup_vs_pytorch).toBeNull();
    const shapes = Object.values(report.parity_report.torchscript!).map((s) => s.outputs.logits!.shape.actual);
    expect(shapes).toEqual(Array.from({ length: 10 }, (_, i) => [[1, 4, 3][i % 3]!, 10]));
    await expectSchemaValid(report);
  });

  test('quantized LM stub: TorchScript ok under the quantized threshold (mean |diff|), honestly', async () => {
    const fx = await fixture('lm_stub_quantized');
    // (the quantization section's memory probes and per-layer comparison are tested in test/quantization)
    const report = await runTier4({ exportDir: fx.dir, formats: ['torchscript'], ...FAST, quantization: { memory: false, perLayer: false } });
    expect(report.status).toBe('ok');
    const f = report.formats.torchscript!;
    expect(f).toMatchObject({ status: 'ok', parity: 'ok', shape: 'ok', threshold: 1e-2, threshold_preset: 'quantized', threshold_statistic: 'mean' });
    expect(f.mean_abs_diff).toBeLessThan(1e-2);
    // the mean judges it, and the report keeps the max visible: the worst element over every sample
    // (not pinned to a value: quantization error depends on the torch version)
    const perSample = Object.values(report.parity_report.torchscript!).map((s) => s.outputs.logits!.parity!.max_abs_diff);
    expect(f.max_abs_diff).toBe(Math.max(...perSample));
    expect(f.max_abs_diff).toBeGreaterThanOrEqual(f.mean_abs_diff!);
    expect(f.speedup_vs_pytorch).toBeGreaterThan(0);
    expect(report.model.quantization).toBe('dynamic');
    await expectSchemaValid(report);
  });

  test('quantized LM stub, default formats: the int8 ONNX (graph rewrite) and the TorchScript both validated', async () => {
    const fx = await fixture('lm_stub_quantized');
    // (the quantization section's memory probes and per-layer comparison are tested in test/quantization)
    const report = await runTier4({ exportDir: fx.dir, numSamples: 2, latency: false, quantization: { memory: false, perLayer: false } });
    expect(report.status).toBe('ok');
    expect(report.warnings).toEqual([]);
    for (const format of ['onnx', 'torchscript']) {
      expect(report.formats[format]).toMatchObject({ status: 'ok', parity: 'ok', shape: 'ok', threshold_preset: 'quantized', skipped: false });
      // quantized for real: not bit-equal to the fp32 reference, yet under the quantized threshold
      // (no band on the error itself: it depends on the onnxruntime and torch versions)
      expect(report.formats[format]!.mean_abs_diff).toBeGreaterThan(0);
      expect(report.formats[format]!.mean_abs_diff).toBeLessThan(report.formats[format]!.threshold!);
    }
    await expectSchemaValid(report);
  });

  test('ONNX deleted -> warn, TorchScript still validated', async () => {
    const dir = await copyExport((await fixture('lm_stub')).dir);
    await rm(join(dir, 'model.onnx'));
    const report = await runTier4({ exportDir: dir, numSamples: 2, latency: false });
    expect(report.status).toBe('warn');
    expect(report.formats.onnx).toMatchObject({ status: 'warn', skipped: true, reason: 'listed in metadata.json but model.onnx is missing on disk' });
    expect(report.warnings).toEqual(['onnx: skipped, listed in metadata.json but model.onnx is missing on disk']);
    expect(report.formats.torchscript).toMatchObject({ status: 'ok', parity: 'ok', shape: 'ok', samples_checked: 2 });
    expect(report.parity_report.onnx).toBeUndefined();
    await expectSchemaValid(report);
  });

  test('ONNX with perturbed weights -> fail naming the output and the worst index', async () => {
    const fx = await fixture('simple_cnn');
    const dir = await copyExport(fx.dir);
    await perturbOnnx(fx.paths.onnx!, join(dir, 'model.onnx'), 1.05);
    const report = await runTier4({ exportDir: dir, ...FAST });
    expect(report.status).toBe('fail');
    const f = report.formats.onnx!;
    expect(f).toMatchObject({ status: 'fail', parity: 'fail', shape: 'ok' });
    expect(f.max_abs_diff).toBeGreaterThan(1e-4);
    expect(f.worst).toMatchObject({ output: 'logits' });
    expect(f.worst!.index).toHaveLength(2);
    // the reason names the WORST failing sample and output and its index: the one in `worst`
    const w = f.worst!;
    expect(f.reason).toMatch(
      new RegExp(
        `^parity failed in 4/4 sample\\(s\\); worst: output 'logits' \\(${w.sample}\\): \\d+/\\d+ elements over tolerance \\(preset fp32 \\(atol 1e-4, rtol 1e-4\\)\\); ` +
          `max abs diff [\\d.e-]+ at \\[${w.index!.join(', ')}\\] \\(actual [-\\d.e]+, reference [-\\d.e]+\\); ` +
          // then the scale-free gate: weights 5% off are far from rounding noise at any output scale
          `output 'logits': relative error [\\d.e-]+, SQNR [\\d.]+ dB, cosine [\\d.]+ over \\d+ values; the scale-free gate needs SQNR >= 60\\.0 dB .*$`,
      ),
    );
    // a built-in model source: the failing ONNX format is localised per layer (docs/layers.md);
    // the perturbed initializer is the Linear head's weight, the largest one
    expect(f.reason).toMatch(/; divergence born at head \(local [\d.e-]+, accumulated [\d.e-]+\)$/);
    expect(f.drift_origin).toBe('head');
    expect(f.layers!.first_over_tolerance).toBe('head');
    const perSample = Object.values(report.parity_report.onnx!).map((s) => s.outputs.logits!.parity!);
    expect(perSample.every((p) => p.status === 'fail')).toBe(true);
    // every compared element is in the |a - r| histogram the HTML report draws
    for (const p of perSample) expect(histogramTotal(p.abs_diff_histogram!)).toBe(p.numel);
    expect(f.max_abs_diff).toBe(Math.max(...perSample.map((p) => p.max_abs_diff)));
    expect(w.max_abs_diff).toBe(f.max_abs_diff);
    const worstSample = report.parity_report.onnx![w.sample]!.outputs.logits!.parity!;
    expect(worstSample.max_abs_index).toEqual(w.index);
    expect(report.formats.torchscript!.status).toBe('ok');
    await expectSchemaValid(report);
  });

  test('a garbage .onnx -> that format fails with a readable reason, never an unhandled rejection', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    await writeFile(join(dir, 'model.onnx'), 'definitely not protobuf');
    const report = await runTier4({ exportDir: dir, numSamples: 2, latency: { iterations: 3, warmup: 0 } });
    expect(report.status).toBe('fail');
    expect(report.formats.onnx).toMatchObject({ status: 'fail', parity: null, shape: null, samples_checked: 0 });
    expect(report.formats.onnx!.reason).toBe(`cannot open: Cannot load ONNX model ${join(dir, 'model.onnx')}: Protobuf parsing failed.`);
    expect(report.formats.torchscript).toMatchObject({ status: 'ok' });
    await expectSchemaValid(report);
  });

  test('a TorchScript model that hangs: the format fails with the timeout, the worker is killed, ONNX is still validated', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    await writeFile(
      join(dir, 'make_hang.py'),
      [
        'import sys, torch',
        'class Hang(torch.nn.Module):',
        '    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:',
        '        y = torch.zeros(pixel_values.shape[0], 10)',
        '        for _ in range(2000000000):',
        '            y = y + 1.0',
        '        return y',
        'torch.jit.save(torch.jit.script(Hang()), sys.argv[1])',
        '',
      ].join('\n'),
    );
    await python(`import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')`, [join(dir, 'make_hang.py'), join(dir, 'model.torchscript')]);
    // the endless loop ends by the 1500 ms timeout: the reason says so (no wall-clock bound)
    const report = await runTier4({ exportDir: dir, numSamples: 2, latency: false, timeoutMs: 1500 });
    expect(report.status).toBe('fail');
    expect(report.formats.onnx).toMatchObject({ status: 'ok', parity: 'ok' });
    const ts = report.formats.torchscript!;
    // a timeout is its own reason, naming the option that raises it; nothing was compared, so parity is not judged
    expect(ts).toMatchObject({ status: 'fail', parity: null, shape: null, max_abs_diff: null, samples_checked: 0 });
    expect(ts.timeout).toMatchObject({ step: 'run', sample: 'sample_000', timeout_ms: 1500, forward_ms: null, scaled: false, option: 'runTier4 timeoutMs, tier4 validate --timeout-ms' });
    expect(ts.reason).toMatch(
      /^timed out on sample_000: it and the samples after it were not compared \(not a parity failure\): Python worker timed out after 1500 ms on 'run' \(.*model\.torchscript\); the worker was killed; the 1500 ms limit is the timeoutMs given \(1500 ms\); a slower model needs a larger limit: runTier4 timeoutMs, tier4 validate --timeout-ms <ms>; model\.torchscript is not the file that was exported \(sha256 [0-9a-f]{12}\.\.\., \d+ bytes; metadata\.json records sha256 [0-9a-f]{12}\.\.\., \d+ bytes\)/,
    );
    // the worker was killed: the format stops at its first timeout instead of waiting as long on every sample
    expect(Object.keys(report.parity_report.torchscript!)).toEqual(['sample_000']);
    expect(livePythonWorkers()).toBe(0);
  });

  test('no format at all -> fail with a reason', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    await rm(join(dir, 'model.onnx'));
    await rm(join(dir, 'model.torchscript'));
    const report = await runTier4({ exportDir: dir, numSamples: 1, latency: false });
    expect(report.status).toBe('fail');
    expect(report.warnings[0]).toMatch(/^no format could be validated \(onnx: listed in metadata\.json but model\.onnx is missing on disk; torchscript: listed/);
    await expectSchemaValid(report);
  });

  test('an input the ONNX graph does not take (torch.onnx.export drops unused inputs) is not fed, with a warning', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    const mdPath = join(dir, 'metadata.json');
    const md = JSON.parse(await readFile(mdPath, 'utf8')) as {
      inputs: Array<{ name: string; dtype: string; shape: unknown[] }>;
      samples: Array<{ id: string; batch_size: number; inputs: Record<string, string> }>;
    };
    // the PyTorch model's signature had a second input its graph never used
    md.inputs.push({ name: 'unused_mask', dtype: 'float32', shape: ['batch', 2] });
    for (const s of md.samples) s.inputs.unused_mask = `samples/${s.id}/unused_mask.npy`;
    await python(
      'import sys, json, numpy as np\nfor sid, b in json.loads(sys.argv[2]): np.save(f"{sys.argv[1]}/samples/{sid}/unused_mask.npy", np.ones((b, 2), np.float32))',
      [dir, JSON.stringify(md.samples.map((s) => [s.id, s.batch_size]))],
    );
    await writeFile(mdPath, JSON.stringify(md));
    const report = await runTier4({ exportDir: dir, formats: ['onnx'], numSamples: 2, latency: { iterations: 3, warmup: 0 } });
    expect(report.formats.onnx).toMatchObject({ status: 'ok', parity: 'ok', shape: 'ok', samples_checked: 2 });
    expect(report.formats.onnx!.latency!.iterations).toBe(3);
    expect(report.warnings[0]).toBe(
      "onnx: the model takes no input 'unused_mask' (its inputs: pixel_values); not fed (torch.onnx.export drops inputs the graph does not use: do not send it when serving)",
    );
    expect(report.status).toBe('warn');
  });

  test('the time budget rules every timed runner alike: each format and the eager baseline, recorded in the dict', async () => {
    const fx = await fixture('simple_cnn');
    // a budget the first iterations always exceed: exactly minIterations, whatever the machine's speed
    const report = await runTier4({ exportDir: fx, numSamples: 1, latency: { iterations: 50, warmup: 0, minIterations: 2, timeBudgetMs: 1e-6 } });
    const rule = { iterations: 2, min_iterations: 2, max_iterations: 50, time_budget_ms: 1e-6 };
    for (const format of ['onnx', 'torchscript']) {
      expect(report.formats[format]!.latency, format).toMatchObject(rule);
      expect(report.formats[format]!.pytorch_latency, format).toMatchObject(rule);
    }
    // tier4 validate's table says the rule once and each runner's own count
    const table = renderSummaryTable(report);
    expect(table).toContain('Latency (ms) on sample_000 (batch 1), 2 to 50 iterations (stopping once they took 0.000001 ms) after 0 warm-up, mean ± std (p50, n measured):');
    expect(table).toMatch(/\n {2}onnx: \d+\.\d+ ± \d+\.\d+ \(p50 \d+\.\d+, n 2\);/);
    expect(table).toMatch(/\n {2}eager PyTorch: \d+\.\d+ ± \d+\.\d+ \(p50 \d+\.\d+, n 2\);/);
    // no latency options: the default rule, and every figure says so
    const defaults = await runTier4({ exportDir: fx, numSamples: 1, formats: ['onnx'] });
    const l = defaults.formats.onnx!.latency!;
    expect(l).toMatchObject({ warmup: 10, min_iterations: 10, max_iterations: 100, time_budget_ms: 250 });
    expect(l.iterations).toBeGreaterThanOrEqual(10);
    expect(l.iterations).toBeLessThanOrEqual(100);
  });

  test("metadata.json's export notes reach the dict's model block and the table, after the warnings; no notes, no section", async () => {
    const validate = await schemaValidator();
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    const mdPath = join(dir, 'metadata.json');
    const md = JSON.parse(await readFile(mdPath, 'utf8')) as { export_notes: string[] };
    // the note the exporter writes for a model its author quantized before export
    const note =
      'the model was quantized before export (quantized modules: Linear (dynamic)): it is exported as it is and its reference samples are its own outputs, ' +
      "so parity judges the export against the quantized model, not what quantization cost (export the fp32 model with quantization='dynamic' or 'static' to measure that)";
    md.export_notes = [note];
    await writeFile(mdPath, JSON.stringify(md));
    const report = await runTier4({ exportDir: dir, numSamples: 1, formats: ['onnx'], latency: false });
    expect(validate(report)).toEqual([]);
    expect(report.model.export_notes).toEqual([note]);
    // context, not a warning: the verdict is the format's
    expect(report.status).toBe('ok');
    expect(report.warnings).toEqual([]);
    expect(renderSummaryTable(report).endsWith(`\n\nExport notes:\n  ${note}`)).toBe(true);
    const plain = await runTier4({ exportDir: (await fixture('simple_cnn')).dir, numSamples: 1, formats: ['onnx'], latency: false });
    expect(plain.model.export_notes).toEqual([]);
    expect(renderSummaryTable(plain)).not.toContain('Export notes:');
  });

  test('a shape different from metadata.json fails the shape check on every format', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    const mdPath = join(dir, 'metadata.json');
    const md = JSON.parse(await readFile(mdPath, 'utf8')) as { outputs: Array<{ shape: unknown[] }> };
    md.outputs[0]!.shape = ['batch', 12];
    await writeFile(mdPath, JSON.stringify(md));
    const report = await runTier4({ exportDir: dir, numSamples: 2, latency: false });
    expect(report.status).toBe('fail');
    for (const f of Object.values(report.formats)) {
      expect(f).toMatchObject({ status: 'fail', shape: 'fail', parity: 'ok' });
      expect(f.reason).toBe(`sample_000: output 'logits' has shape [1, 10]: axis 1: expected 12 (metadata), got 10`);
    }
  });

  test('a latency budget overrun warns, or fails when asked', async () => {
    const fx = await fixture('simple_cnn');
    const warn = await runTier4({ exportDir: fx, formats: ['onnx'], numSamples: 1, latency: { iterations: 3, warmup: 0, budgetMs: 1e-9 } });
    expect(warn.status).toBe('warn');
    expect(warn.formats.onnx).toMatchObject({ status: 'warn', parity: 'ok' });
    expect(warn.formats.onnx!.latency!.budget_status).toBe('warn');
    expect(warn.warnings[0]).toMatch(/^onnx: onnx mean latency [\d.]+ ms exceeds the budget of 1e-9 ms$/);
    const fail = await runTier4({ exportDir: fx, formats: ['onnx'], numSamples: 1, latency: { iterations: 3, warmup: 0, budgetMs: 1e-9, budgetLevel: 'fail' } });
    expect(fail.status).toBe('fail');
    expect(fail.formats.onnx!.status).toBe('fail');
  });

  test('json: writes the dict atomically through the one writer', async () => {
    const fx = await fixture('lm_stub');
    const out = join(await tmpDir('json-'), 'nested', 'dir', 'tier4.json');
    const report = await runTier4({ exportDir: fx.dir, formats: ['onnx'], numSamples: 1, latency: false, json: out });
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  test('fewer samples than asked -> warn saying how many were checked', async () => {
    const fx = await fixture('simple_cnn');
    const report = await runTier4({ exportDir: fx, formats: ['onnx'], numSamples: 25, latency: false });
    expect(report.status).toBe('warn');
    expect(report.warnings).toEqual(['only 10 reference sample(s) in the export; checked 10 instead of 25']);
  });

  test('an AbortSignal stops the run and kills the Python worker', async () => {
    const fx = await fixture('lm_stub');
    const controller = new AbortController();
    const lines: string[] = [];
    const pending = runTier4({
      exportDir: fx,
      formats: ['torchscript'],
      numSamples: 1,
      latency: { iterations: 1_000_000, warmup: 0 },
      signal: controller.signal,
      // a private worker (the suite's shared pool is not this test's subject; test/runtimes/pool.test.ts covers aborting a lease)
      pool: false,
      log: (line) => {
        lines.push(line);
        // abort as the timed phase starts (synchronously, no timer): the run stops there
        if (line.startsWith('torchscript: measuring latency')) controller.abort(new Error('stop now'));
      },
    });
    await expect(pending).rejects.toThrow(/stop now/);
    expect(livePythonWorkers()).toBe(0);
    expect(lines).toContain('starting the Python worker');
  });

  test('a new runtime of an existing artifact is one registerRunner call (artifact option)', async () => {
    // e.g. onnxruntime with graph optimisations off, as its own column in the dict
    registerRunner('onnx-unoptimized', (target, options) => openOnnxRunner(target, { ...options, sessionOptions: { graphOptimizationLevel: 'disabled' } }), {
      artifact: 'onnx',
    });
    expect(runnerArtifact('onnx-unoptimized')).toBe('onnx');
    expect(runnerArtifact('torchscript')).toBe('torchscript');
    const fx = await fixture('simple_cnn');
    const report = await runTier4({ exportDir: fx, formats: ['onnx-unoptimized'], numSamples: 2, latency: false });
    expect(report.status).toBe('ok');
    expect(report.formats['onnx-unoptimized']).toMatchObject({ status: 'ok', parity: 'ok', shape: 'ok', artifact: 'model.onnx', samples_checked: 2 });
    // the artifact's export failed: the runner is skipped with the artifact's reason
    const q = await copyExport((await fixture('lm_stub')).dir);
    const md = JSON.parse(await readFile(join(q, 'metadata.json'), 'utf8')) as Record<string, unknown> & { artifacts: Record<string, unknown> };
    delete md.artifacts.onnx;
    await rm(join(q, 'model.onnx'));
    await writeFile(
      join(q, 'metadata.json'),
      JSON.stringify({ ...md, formats_written: ['torchscript', 'pytorch'], formats_failed: { onnx: 'UnsupportedOperatorError: Exporting the operator quantized::linear_dynamic is not supported.' } }),
    );
    const skipped = await runTier4({ exportDir: q, formats: ['onnx-unoptimized', 'torchscript'], numSamples: 1, latency: false });
    expect(skipped.status).toBe('warn');
    expect(skipped.formats['onnx-unoptimized']!.reason).toBe('onnx export failed: UnsupportedOperatorError: Exporting the operator quantized::linear_dynamic is not supported.');
    expect(() => registerRunner('x', () => Promise.reject(new Error('x')), { artifact: '' })).toThrow(
      "registerRunner('x'): artifact must be a non-empty format name such as 'onnx', received \"\"",
    );
  });

  test('a Python interpreter that cannot be used: TorchScript fails with a one-line reason naming what was tried', async () => {
    const fx = await fixture('simple_cnn');
    const report = await runTier4({ exportDir: fx, formats: ['onnx', 'torchscript'], numSamples: 1, latency: false, python: '/nonexistent/python3' });
    expect(report.status).toBe('fail');
    expect(report.formats.onnx!.status).toBe('ok');
    expect(report.formats.torchscript!.reason).toMatch(
      /^cannot open: No usable Python interpreter for tier4_export \(it needs torch and numpy; onnx for ONNX export\); tried: \/nonexistent\/python3 \[from the python option\]: does not exist$/,
    );
  });

  test('invalid options and unreadable export dirs throw clear errors', async () => {
    const fx = await fixture('simple_cnn');
    await expect(runTier4({} as never)).rejects.toThrow('runTier4: option "exportDir" expected the path of an export directory or an ExportDir from openExportDir(), received undefined');
    await expect(runTier4({ exportDir: '' })).rejects.toThrow('runTier4: option "exportDir" expected the path of an export directory or an ExportDir from openExportDir(), received ""');
    await expect(runTier4({ exportDir: fx, numSamples: 0 })).rejects.toThrow('runTier4: option "numSamples" expected an integer >= 1, received 0');
    await expect(runTier4({ exportDir: fx, thresholds: { fp16: 1 } as never })).rejects.toThrow('runTier4: unknown option "thresholds.fp16" (expected one of "fp32", "quantized", "sqnr_db", "cosine", "top1_agreement", "relative_error", "kl_divergence"; did you mean "fp32"?)');
    // the formats with a registered runner (an earlier test of this file registers 'onnx-unoptimized')
    const available = registeredFormats().map((f) => `"${f}"`).join(', ');
    expect(available).toMatch(/^"onnx", "torchscript", "pytorch"/);
    await expect(runTier4({ exportDir: fx, formats: [] })).rejects.toThrow(`runTier4: option "formats" expected a non-empty array of ${available}, received []`);
    await expect(runTier4({ exportDir: fx, formats: ['tflite'] })).rejects.toThrow(`runTier4: option "formats[0]" expected one of ${available}, received "tflite"`);
    await expect(runTier4({ exportDir: fx, latency: { iterations: 0 } })).rejects.toThrow('runTier4: option "latency.iterations" expected an integer >= 1, received 0');
    await expect(runTier4({ exportDir: fx, latency: { warmup: 1.5 } })).rejects.toThrow('runTier4: option "latency.warmup" expected an integer >= 0, received 1.5');
    await expect(runTier4({ exportDir: fx, latency: { budgetMs: 0 } })).rejects.toThrow('runTier4: option "latency.budgetMs" expected a finite number of ms > 0, received 0');
    await expect(runTier4({ exportDir: fx, latency: { budgetLevel: 'error' as 'warn' } })).rejects.toThrow('runTier4: option "latency.budgetLevel" expected "warn" or "fail", received "error"');
    await expect(runTier4({ exportDir: fx, latency: { timeBudgetMs: -1 } })).rejects.toThrow('runTier4: option "latency.timeBudgetMs" expected a finite number of ms > 0, or null (no time budget), received -1');
    await expect(runTier4({ exportDir: fx, latency: { iterations: 3, minIterations: 4, timeBudgetMs: 100 } })).rejects.toThrow('runTier4: option "latency.minIterations" expected an integer <= iterations (3), received 4');
    const missing = await runTier4({ exportDir: '/nonexistent/export' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ExportDirReadError);
    expect(missing).toMatchObject({ dir: '/nonexistent/export', message: 'Export directory /nonexistent/export does not exist' });
  });

  test('a reference sample that cannot be read is an ExportDirReadError naming the file, before anything runs', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    await writeFile(join(dir, 'samples', 'sample_001', 'logits.npy'), 'not numpy');
    const err = await runTier4({ exportDir: dir, numSamples: 2, latency: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportDirReadError);
    expect((err as Error).message).toContain(`${join(dir, 'samples', 'sample_001', 'logits.npy')} is not a .npy file`);
    expect(livePythonWorkers()).toBe(0);
    // only the checked samples are read: the first one alone is fine
    await expect(runTier4({ exportDir: dir, numSamples: 1, formats: ['onnx'], latency: false })).resolves.toMatchObject({ status: 'ok' });
  });
});
