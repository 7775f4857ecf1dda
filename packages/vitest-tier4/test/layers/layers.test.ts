/**
 * Per-layer parity on real exports (torchvision resnet18 at 64x64, a tiny ViT, a reused in-place
 * block): clean exports, a weight perturbation, an NHWC transpose, bad inputs, and the CLI.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/run-cli.js';
import { compareLayers, LayersError } from '../../src/layers/index.js';
import type { LayersReport } from '../../src/layers/index.js';
import { validationWorkers, type ValidationWorkers } from '../../src/runtimes/pool/validation-workers.js';
import type { WorkerChannel } from '../../src/runtimes/worker-runner.js';
import { renderMarkdownSummary, summaryRows } from '../../src/reporter/table.js';
import type { Tier4RunReport } from '../../src/reporter/types.js';
import { runTier4 } from '../../src/tier4/run.js';
import type { Tier4Report } from '../../src/tier4/types.js';
import { cleanupTmp, schemaValidator, tmpDir } from '../tier4/helpers.js';
import { editedCopies, exportTestModels } from './helpers.js';

// The suite's worker pool (vitest.config.ts, TIER4_WORKER_POOL) serves the whole file: the tests'
// own compareLayers calls lease a worker from it, and the CLI (tier4 layers, tier4 validate) and
// runTier4 reach it the same way, as in a user's Vitest run with the tier4() plugin.
let workers: ValidationWorkers;
let worker: WorkerChannel;
let resnet: string;
let reused: string;
let vit: string;
let noSource: string;
let untrusted: string;
let resnetReport: LayersReport;
let perturbed: string;
let nhwc: string;
let unscoped: string;
let ifWrapped: string;

beforeAll(async () => {
  workers = validationWorkers();
  const [leased, dirs] = await Promise.all([
    workers.worker(),
    exportTestModels([
      { factory: 'make_resnet18', layers: true },
      { factory: 'make_reused_inplace', layers: true },
      { factory: 'make_tiny_vit', layers: true },
      { factory: 'make_reused_inplace', source: false },
      { factory: 'make_reused_inplace' },
    ]),
  ]);
  worker = leased;
  [resnet, reused, vit, noSource, untrusted] = dirs as [string, string, string, string, string];
  const edits = editedCopies(resnet, [
    { edit: 'perturb', node: '/layer3/layer3.0/conv2/Conv' },
    { edit: 'nhwc', node: '/layer2/layer2.0/conv1/Conv' },
    { edit: 'strip_scopes' },
    { edit: 'wrap_in_if', node: '/layer1/layer1.0/relu/Relu' },
  ]);
  resnetReport = await compareLayers({ exportDir: resnet, worker });
  [perturbed, nhwc, unscoped, ifWrapped] = (await edits) as [string, string, string, string];
});

afterAll(async () => {
  await workers?.close();
  await cleanupTmp();
});

describe('a clean fp32 export', () => {
  it('has no layer over the tolerance and no drift origin', () => {
    const r = resnetReport;
    expect(r.drift_origin).toBeNull();
    expect(r.first_over_tolerance).toBeNull();
    expect(r.diagnosis).toBe('clean');
    expect(r.reference).toBe('stored');
    expect(r.counts.compared).toBeGreaterThanOrEqual(40);
    expect(r.layers.every((l) => l.status === 'ok')).toBe(true);
    expect(r.layers.every((l) => (l.max_abs_diff ?? 1) < 1e-4 && (l.local_max_abs_diff ?? 1) < 1e-4)).toBe(true);
  });

  it('compares the BatchNorm folded into its Conv at the fused boundary and names both modules', () => {
    const row = resnetReport.layers.find((l) => l.name === 'layer3.0.conv2')!;
    expect(row.modules).toEqual(['layer3.0.conv2', 'layer3.0.bn2']);
    expect(row.module_types).toEqual(['Conv2d', 'BatchNorm2d']);
    expect(row.onnx_nodes).toEqual(['/layer3/layer3.0/conv2/Conv']);
    expect(row.shape).toEqual([1, 256, 4, 4]);
  });

  it('numbers the second call of a reused module (ResNet relu) and compares it against its own ONNX node', () => {
    const first = resnetReport.layers.find((l) => l.name === 'layer1.0.relu')!;
    const second = resnetReport.layers.find((l) => l.name === 'layer1.0.relu#1')!;
    expect(first.onnx_nodes).toEqual(['/layer1/layer1.0/relu/Relu']);
    expect(second.onnx_nodes).toEqual(['/layer1/layer1.0/relu_1/Relu']);
    expect(second.max_abs_diff).not.toBeNull();
  });

  it('tier4 layers prints the table and exits 0; the JSON has the documented keys', async () => {
    const dir = await tmpDir('layers-cli-');
    const out = join(dir, 'layers.json');
    const md = join(dir, 'layers.md');
    const res = await cli(['layers', resnet, '--json', out, '--markdown', md]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('| layer3.0.conv2 (+ layer3.0.bn2)');
    expect(res.stdout).toContain('drift origin (first local break): none; first over tolerance (accumulated): none');
    const json = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown> & { layers: Array<Record<string, unknown>> };
    expect(json).toMatchObject({ drift_origin: null, first_over_tolerance: null });
    expect(json.tolerance).toMatchObject({ atol: 1e-4, rtol: 1e-4 });
    expect(Object.keys(json.layers[0]!)).toEqual(
      expect.arrayContaining(['name', 'modules', 'onnx_nodes', 'shape', 'max_abs_diff', 'mean_abs_diff', 'local_max_abs_diff', 'status', 'layout']),
    );
    expect(await readFile(md, 'utf8')).toContain('## Per-layer parity: sample_000');
  });
});

describe('a fault put into model.onnx after export', () => {
  it('a perturbed layer3.0.conv2 weight is named by both rules; downstream layers only inherit', async () => {
    const r = await compareLayers({ exportDir: perturbed, worker });
    expect(r.drift_origin).toBe('layer3.0.conv2');
    expect(r.drift_origin_modules).toEqual(['layer3.0.conv2', 'layer3.0.bn2']);
    expect(r.first_over_tolerance).toBe('layer3.0.conv2');
    expect(r.diagnosis).toBe('layer');
    expect(r.explanation).toMatch(/^divergence born at layer3\.0\.conv2 \(\+ layer3\.0\.bn2\) \(local [0-9.e-]+, accumulated [0-9.e-]+\)$/);
    const names = r.layers.map((l) => l.name);
    const at = names.indexOf('layer3.0.conv2');
    expect(r.layers.slice(0, at).every((l) => l.status === 'ok')).toBe(true);
    expect(r.layers.find((l) => l.name === 'layer3.1.conv1')!.status).toBe('inherited');
    expect(r.layers.find((l) => l.name === 'layer3.0.conv2')!.layout).toBeNull();
  });

  it('a broken layer whose error the absolute tolerance cannot see is caught by the scale-free gate', async () => {
    // atol 10: no max abs breaks it (as with tiny random-init activations); the layer's SQNR does
    const blind = await compareLayers({ exportDir: perturbed, worker, tolerance: { atol: 10, rtol: 0 }, minSqnrDb: -Infinity });
    expect(blind.drift_origin).toBeNull();
    expect(blind.min_sqnr_db).toBeNull();
    const r = await compareLayers({ exportDir: perturbed, worker, tolerance: { atol: 10, rtol: 0 }, minSqnrDb: 60 });
    expect(r.min_sqnr_db).toBe(60);
    expect(r.drift_origin).toBe('layer3.0.conv2');
    expect(r.explanation).toMatch(/^divergence born at layer3\.0\.conv2 \(\+ layer3\.0\.bn2\) \(local [0-9.e-]+, local SQNR -?[0-9.]+ dB < 60\.0 dB, accumulated [0-9.e-]+\)$/);
    const row = r.layers.find((l) => l.name === 'layer3.0.conv2')!;
    expect(row.reason).toMatch(/^SQNR -?[0-9.]+ dB below the scale-free gate of 60\.0 dB \(max abs [0-9.e-]+ within the tolerance\)$/);
    expect(row.layout).toBeNull();
    expect(r.layers.slice(0, r.layers.indexOf(row)).every((l) => l.status === 'ok')).toBe(true);
    await expect(compareLayers({ exportDir: perturbed, worker, minSqnrDb: Number.NaN })).rejects.toThrow('compareLayers: option "minSqnrDb" expected a number of dB, or -Infinity ("off") to turn the gate off, received NaN');
  });

  it('tier4 layers exits 1 and names the origin', async () => {
    const res = await cli(['layers', perturbed, '--tolerance', '1e-4']);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('| > layer3.0.conv2 (+ layer3.0.bn2)');
    expect(res.stdout).toMatch(/drift origin \(first local break\): layer3\.0\.conv2; first over tolerance \(accumulated\): layer3\.0\.conv2/);
  });

  it('an NHWC transpose inserted after a layer: the layout field gives the permutation', async () => {
    const r = await compareLayers({ exportDir: nhwc, worker });
    const row = r.layers.find((l) => l.name === 'layer2.0.conv1')!;
    expect(row.status).toBe('fail');
    expect(row.layout).toMatchObject({ permutation: [0, 2, 3, 1] });
    expect(row.layout!.description).toContain('NCHW -> NHWC');
    expect(r.drift_origin).toBe('layer2.0.conv1');
    expect(r.explanation).toContain('its output matches after NCHW -> NHWC');
    // the graph itself still computes the same logits: downstream layers are fine
    expect(r.layers.find((l) => l.name === 'layer2.0.relu')!.status).toBe('ok');
  });
});

describe('what the old tools get wrong', () => {
  it('in-place ReLU after BatchNorm gives no false divergence, and a reused block is compared per call', async () => {
    const r = await compareLayers({ exportDir: reused, worker });
    expect(r.drift_origin).toBeNull();
    expect(r.first_over_tolerance).toBeNull();
    expect(r.layers.map((l) => [l.name, l.modules, l.status])).toEqual([
      ['stem', ['stem'], 'ok'],
      ['block.conv', ['block.conv', 'block.bn'], 'ok'],
      ['block.act', ['block.act'], 'ok'],
      ['block.conv#1', ['block.conv#1', 'block.bn#1'], 'ok'],
      ['block.act#1', ['block.act#1'], 'ok'],
      ['pool', ['pool'], 'ok'],
      ['head', ['head'], 'ok'],
    ]);
  });

  it('a tuple-returning attention module is compared (and the Dropout after it merged)', async () => {
    const r = await compareLayers({ exportDir: vit, worker });
    const attn = r.layers.find((l) => l.name === 'encoder.layers.encoder_layer_0.self_attention')!;
    expect(attn.module_types).toEqual(['MultiheadAttention', 'Dropout']);
    expect(attn.op_types).toContain('Softmax');
    expect(attn.status).toBe('ok');
    expect(attn.local_max_abs_diff).not.toBeNull();
    expect(r.drift_origin).toBeNull();
    // a Dropout fed by a non-module op has no node of its own: skipped with the reason, not compared wrongly
    const skipped = r.layers.find((l) => l.name === 'encoder.dropout')!;
    expect(skipped.status).toBe('skipped');
    expect(skipped.reason).toContain('no ONNX node of its own');
  });
});

describe('bad input', () => {
  it('an export dir without stored activations and without model source says so', async () => {
    const err = await compareLayers({ exportDir: noSource, worker }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LayersError);
    expect((err as Error).message).toMatch(
      /no reference activations stored for sample_000 \(stored: none; export with layers=True or --layers\) and no model_source in metadata\.json/,
    );
  });

  it('a file model source is rebuilt only when trusted', async () => {
    const dir = untrusted;
    await expect(compareLayers({ exportDir: dir, worker })).rejects.toThrow(/trustModelSource: true \/ --trust-model-source/);
    const r = await compareLayers({ exportDir: dir, worker, trustModelSource: true });
    expect(r.reference).toBe('eager');
    expect(r.drift_origin).toBeNull();
  });

  it('a model.onnx without scope names gets a clear message', async () => {
    await expect(compareLayers({ exportDir: unscoped, worker })).rejects.toThrow(/model\.onnx: model\.onnx has no module-scope node names \(expected names like '\/layer1\/layer1\.0\/conv1\/Conv'/);
  });

  it('a layer that cannot be extracted is named; the rest of the table is still produced', async () => {
    const r = await compareLayers({ exportDir: ifWrapped, worker });
    const row = r.layers.find((l) => l.name === 'layer1.0.relu')!;
    expect(row.local_max_abs_diff).toBeNull();
    expect(row.max_abs_diff).not.toBeNull();
    expect(row.reason).toMatch(/^local error not measured: its subgraph cannot be extracted: node \/layer1\/layer1\.0\/relu\/If \(If\) has a subgraph attribute/);
    expect(r.layers.filter((l) => l.local_max_abs_diff !== null).length).toBe(r.counts.compared - 1);
    expect(r.drift_origin).toBeNull();
  });

  it('bad options and flags', async () => {
    await expect(compareLayers({ exportDir: resnet, worker, sample: 5 })).rejects.toThrow(/sample 5 does not exist \(the export has 1 sample\(s\)\)/);
    await expect(compareLayers({ exportDir: resnet, worker, sample: -1 })).rejects.toThrow(TypeError);
    expect((await cli(['layers'])).stderr).toContain('layers: missing <export-dir>');
    expect((await cli(['layers', resnet, '--tolerance', 'abc'])).code).toBe(2);
    expect((await cli(['layers', resnet, '--sample', '1.5'])).stderr).toContain('option "--sample" expected an integer >= 0, received 1.5');
    expect((await cli(['layers', resnet, '--min-sqnr', 'loud'])).stderr).toContain('option "--min-sqnr" expected a number of dB, or -Infinity ("off") to turn the gate off, received "loud"');
    const missing = await cli(['layers', join(resnet, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read export dir');
  });
});


describe('the verdict localises a failing ONNX format', () => {
  it('tier4 validate names the origin in the reason and the JSON (schema-valid); the summary table shows it', async () => {
    const out = join(perturbed, '..', 'tier4.json');
    const res = await cli(['validate', perturbed, '--formats', 'onnx', '--samples', '1', '--no-latency', '--json', out]);
    expect(res.code).toBe(1);
    const dict = JSON.parse(await readFile(out, 'utf8')) as Tier4Report;
    const onnx = dict.formats['onnx']!;
    expect(onnx.status).toBe('fail');
    expect(onnx.drift_origin).toBe('layer3.0.conv2');
    expect(onnx.reason).toMatch(/; divergence born at layer3\.0\.conv2 \(\+ layer3\.0\.bn2\) \(local [0-9.e-]+, accumulated [0-9.e-]+\)$/);
    expect(onnx.layers!.first_over_tolerance).toBe('layer3.0.conv2');
    expect((await schemaValidator())(dict)).toEqual([]);
    expect(res.stdout + res.stderr).toContain('divergence born at layer3.0.conv2');
    // the reporter's table and step summary (same rows and findings as the terminal summary)
    const run = { kind: 'vitest-tier4-run', version: 1, status: 'fail', reasons: [], models: { resnet18: dict }, checks: [], tests: { total: 1, passed: 0, failed: 1, skipped: 0 } } as unknown as Tier4RunReport;
    expect(summaryRows(run)[1]).toEqual(['resnet18', 'onnx', 'fail (born at layer3.0.conv2)', expect.any(String), '-', 'fail']);
    expect(renderMarkdownSummary(run, null)).toMatch(/\*\*resnet18 \/ onnx\*\* fail: .*divergence born at layer3\.0\.conv2/);
  });

  it('a failing ONNX format without activations or an allowed model source says why it is not localised', async () => {
    const dir = (await editedCopies(noSource, [{ edit: 'perturb', node: '/block/conv/Conv' }]))[0]!;
    const report = await runTier4({ exportDir: dir, formats: ['onnx'], numSamples: 1, latency: false });
    expect(report.formats['onnx']!.status).toBe('fail');
    expect(report.formats['onnx']!.drift_origin).toBeUndefined();
    expect(report.warnings).toContain(
      'onnx: divergence not localised per layer: no reference activations stored (export with layers=True or --layers) and no model_source to capture them from',
    );
  });
});
