/**
 * Stale references, a training-mode ONNX and a non-deterministic eager model each give their own
 * reason (issue 8, item 5). Tiny models (test/tier4/models/diagnose.py, 3x8x8 inputs) and ONNX graphs
 * edited with the onnx Python package keep the tests fast; each has a control that must not be named.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { buildFixture, type ExportFormat, type Fixture } from 'vitest-tier4-fixtures';
import { eagerNondeterminism } from '../../src/tier4/diagnose-eager.js';
import { STALE_MARGIN_DB } from '../../src/tier4/diagnose-stale.js';
import type { ModelRunner, TensorMap } from '../../src/runtimes/types.js';
import { trainingModeNodes, trainingModeReason } from '../../src/tier4/onnx-training-mode.js';
import { runTier4 } from '../../src/tier4/run.js';
import { fakeRunner } from '../runtimes/fake-runner.js';
import { appendOnnxOutputNode, cleanupTmp, copyExport, fixture, python, schemaValidator, tmpDir, type OnnxScalarInput } from './helpers.js';

afterAll(cleanupTmp);

const models = fileURLToPath(new URL('./models/diagnose.py', import.meta.url));
const builds = new Map<string, Promise<Fixture>>();
function tiny(factory: string, formats: ExportFormat[] = ['onnx', 'torchscript']): Promise<Fixture> {
  const key = `${factory}:${formats.join(',')}`;
  let p = builds.get(key);
  if (!p) {
    p = buildFixture({ model: { file: models, factory }, samples: 3, formats });
    builds.set(key, p);
  }
  return p;
}

const quiet = { latency: false as const, localise: false };

describe('stale reference samples', () => {
  test('both artifacts from the retrained model: the reason says the references are probably stale', async () => {
    const [fx, retrained] = await Promise.all([tiny('make_tiny'), tiny('make_tiny_retrained')]);
    const dir = await copyExport(fx.dir);
    await copyFile(join(retrained.dir, 'model.onnx'), join(dir, 'model.onnx'));
    await copyFile(join(retrained.dir, 'model.torchscript'), join(dir, 'model.torchscript'));
    const r = await runTier4({ exportDir: dir, ...quiet });
    expect(r.status).toBe('fail');
    const stale =
      /^the reference samples are probably stale \(the model changed after they were computed\): onnx and torchscript agree with each other far better \(output 'logits': SQNR [\d.]+ dB\) than with the references \(onnx -?[\d.]+ dB, torchscript -?[\d.]+ dB\); export again to recompute the samples from the current model/;
    for (const f of ['onnx', 'torchscript']) {
      expect(r.formats[f]!.status).toBe('fail');
      expect(r.formats[f]!.reason).toMatch(stale);
    }
    expect(r.warnings.filter((w) => stale.test(w))).toHaveLength(1);
    // what it rests on: the formats agree with each other by far more than the margin
    const refs = Math.max(r.formats.onnx!.sqnr_db!, r.formats.torchscript!.sqnr_db!);
    const cross = Number(/SQNR ([\d.]+) dB\)/.exec(r.formats.onnx!.reason!)![1]);
    expect(cross).toBeGreaterThan(refs + STALE_MARGIN_DB);
    const validate = await schemaValidator();
    expect(validate(JSON.parse(JSON.stringify(r)))).toEqual([]);
  });

  test('control: only model.onnx from the retrained model is a wrong export, not stale references', async () => {
    const [fx, retrained] = await Promise.all([tiny('make_tiny'), tiny('make_tiny_retrained')]);
    const dir = await copyExport(fx.dir);
    await copyFile(join(retrained.dir, 'model.onnx'), join(dir, 'model.onnx'));
    const r = await runTier4({ exportDir: dir, ...quiet });
    expect(r.formats.onnx!.status).toBe('fail');
    expect(r.formats.torchscript!.parity).toBe('ok');
    expect(JSON.stringify(r)).not.toMatch(/probably stale/);
  });
});

/** Appends Dropout(ratio, training_mode) to the output of a copy of an ONNX model. */
async function withDropout(src: string, dst: string, ratio: number, trainingMode: boolean): Promise<void> {
  const scalars: OnnxScalarInput[] = [
    { name: 'tier4_test_ratio', type: 'FLOAT', value: ratio },
    { name: 'tier4_test_training', type: 'BOOL', value: trainingMode },
  ];
  await appendOnnxOutputNode(src, dst, 'Dropout', scalars, 'tier4_test_dropout');
}

describe('an ONNX graph exported in training mode', () => {
  test('Dropout with training_mode true: named in the verdict, even when its outputs still match (ratio 0)', async () => {
    const fx = await fixture('simple_cnn');
    const dir = await copyExport(fx.dir);
    await withDropout(join(fx.dir, 'model.onnx'), join(dir, 'model.onnx'), 0, true);
    const r = await runTier4({ exportDir: dir, formats: ['onnx'], numSamples: 2, ...quiet });
    const f = r.formats.onnx!;
    expect(f.parity).toBe('ok');
    expect(f.status).toBe('warn');
    expect(f.reason).toMatch(
      /^the model was exported in training mode: model\.onnx has Dropout 'tier4_test_dropout' \(training_mode true\); its outputs are random draws or batch statistics, not the model the references came from: export after model\.eval\(\) with torch\.onnx\.export\(\.\.\., training=torch\.onnx\.TrainingMode\.EVAL\)/,
    );
    expect(r.warnings).toContain(`onnx: ${f.reason!.split('; model.onnx is not the file')[0]}`);
  });

  test('control: the same Dropout with training_mode false is inference mode, not named', async () => {
    const fx = await fixture('simple_cnn');
    const dir = await copyExport(fx.dir);
    await withDropout(join(fx.dir, 'model.onnx'), join(dir, 'model.onnx'), 0.5, false);
    const r = await runTier4({ exportDir: dir, formats: ['onnx'], numSamples: 2, ...quiet });
    expect(r.formats.onnx!.parity).toBe('ok');
    expect(JSON.stringify(r)).not.toMatch(/training mode/);
  });

  test('the graph check: BatchNormalization training_mode, running-stat outputs, Constant and graph-input flags, subgraphs', async () => {
    const dir = await tmpDir('train-');
    await python(
      `
import sys, os, onnx
from onnx import helper, TensorProto
d = sys.argv[1]
X = helper.make_tensor_value_info('x', TensorProto.FLOAT, [2, 3])
Y = helper.make_tensor_value_info('y', TensorProto.FLOAT, [2, 3])
T = helper.make_tensor_value_info('t', TensorProto.BOOL, [])
C = helper.make_tensor_value_info('c', TensorProto.BOOL, [])
stats = [helper.make_tensor(n, TensorProto.FLOAT, [3], [1.0, 1.0, 1.0]) for n in ('s', 'b', 'mean', 'var')]
def model(nodes, inputs, inits, opset):
    g = helper.make_graph(nodes, 'g', inputs, [Y], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', opset)])
    m.ir_version = 8
    return m
# 1: BatchNormalization training_mode=1 (opset 14), then Dropout whose training_mode comes from a Constant
bn = helper.make_node('BatchNormalization', ['x', 's', 'b', 'mean', 'var'], ['h'], name='bn', training_mode=1)
k = helper.make_node('Constant', [], ['on'], value=helper.make_tensor('v', TensorProto.BOOL, [], [True]))
dr = helper.make_node('Dropout', ['h', '', 'on'], ['y'], name='drop')
onnx.save(model([bn, k, dr], [X], stats, 14), os.path.join(d, 'a.onnx'))
# 2: old-opset BatchNormalization with its running-statistics outputs, Dropout with training_mode a graph input
bn9 = helper.make_node('BatchNormalization', ['x', 's', 'b', 'mean', 'var'], ['h', 'rm', 'rv'], name='bn9')
dr2 = helper.make_node('Dropout', ['h', '', 't'], ['y'], name='drop_input')
onnx.save(model([bn9, dr2], [X, T], stats, 13), os.path.join(d, 'b.onnx'))
# 3: a Dropout in training mode inside an If branch
inner = helper.make_graph([helper.make_node('Dropout', ['x', '', 'on'], ['y'], name='inner_drop')], 'then', [], [Y])
other = helper.make_graph([helper.make_node('Identity', ['x'], ['y'])], 'else', [], [Y])
iff = helper.make_node('If', ['c'], ['y'], name='branch', then_branch=inner, else_branch=other)
onnx.save(model([k, iff], [X, C], [], 14), os.path.join(d, 'c.onnx'))
# 4: inference mode: BatchNormalization training_mode=0, Dropout without training_mode
bn0 = helper.make_node('BatchNormalization', ['x', 's', 'b', 'mean', 'var'], ['h'], name='bn0', training_mode=0)
dr0 = helper.make_node('Dropout', ['h'], ['y'], name='drop0')
onnx.save(model([bn0, dr0], [X], stats, 14), os.path.join(d, 'd.onnx'))
`,
      [dir],
    );
    const nodes = async (f: string) => trainingModeNodes(await readFile(join(dir, f)));
    expect(await nodes('a.onnx')).toEqual([
      { op_type: 'BatchNormalization', node: 'bn', why: 'training_mode = 1' },
      { op_type: 'Dropout', node: 'drop', why: 'training_mode true' },
    ]);
    expect(await nodes('b.onnx')).toEqual([
      { op_type: 'BatchNormalization', node: 'bn9', why: 'running mean/var outputs (training mode only)' },
      { op_type: 'Dropout', node: 'drop_input', why: "training_mode from graph input 't'" },
    ]);
    expect(await nodes('c.onnx')).toEqual([{ op_type: 'Dropout', node: 'inner_drop', why: 'training_mode true' }]);
    expect(await nodes('d.onnx')).toEqual([]);
    expect(trainingModeReason('a.onnx', await nodes('a.onnx'))).toMatch(
      /^the model was exported in training mode: a\.onnx has BatchNormalization 'bn' \(training_mode = 1\), Dropout 'drop' \(training_mode true\); /,
    );
    expect(trainingModeReason('d.onnx', [])).toBeNull();
    expect(() => trainingModeNodes(new Uint8Array([0xff, 0xff, 0xff]))).toThrow();
  });
});

describe('eagerNondeterminism: how many runs', () => {
  const out = (...xs: number[]): TensorMap => ({ logits: { dtype: 'float32', shape: [xs.length], data: Float32Array.from(xs) } });
  /** A runner whose successive runs return `outputs` in turn (the last one from then on); counts its runs. */
  function scripted(...outputs: TensorMap[]): ModelRunner & { runs: number } {
    const r: ModelRunner & { runs: number } = { ...fakeRunner({ run: () => Promise.resolve({ outputs: outputs[Math.min(r.runs++, outputs.length - 1)]! }) }), runs: 0 };
    return r;
  }
  const inputs = out(0);

  test('a second run that differs: named after two runs', async () => {
    const r = scripted(out(1, 2), out(1, 3));
    expect(await eagerNondeterminism(r, 's0', inputs)).toMatch(/Two runs of s0 differ \(output 'logits': 1\/2 elements differ, max \|run 2 - run 1\| 1\)/);
    expect(r.runs).toBe(2);
  });

  test('the same draw twice, then a different one: a third run still names it', async () => {
    const r = scripted(out(1, 2), out(1, 2), out(0, 2));
    expect(await eagerNondeterminism(r, 's0', inputs)).toMatch(/max \|run 3 - run 1\| 1\)/);
    expect(r.runs).toBe(3);
  });

  test('a deterministic model: three equal runs, null', async () => {
    const r = scripted(out(1, 2));
    expect(await eagerNondeterminism(r, 's0', inputs)).toBeNull();
    expect(r.runs).toBe(3);
  });
});

describe('a non-deterministic eager model', () => {
  test('F.dropout left on: two eager runs differ, and the verdict says so', async () => {
    const fx = await tiny('make_always_dropout', ['onnx']);
    const r = await runTier4({ exportDir: fx.dir, trustModelSource: true, latency: { iterations: 2, warmup: 0 }, localise: false });
    const eager =
      /^the eager model is not deterministic: dropout left in training mode\? Two runs of sample_000 differ \(output 'logits': \d+\/\d+ elements differ, max \|run 2 - run 1\| [\d.e-]+\), so its reference samples are random draws no export can match/;
    expect(r.warnings.filter((w) => eager.test(w)), JSON.stringify(r.warnings)).toHaveLength(1);
    const f = r.formats.onnx!;
    expect(f.parity).toBe('fail');
    expect(f.reason).toMatch(eager);
    // the same dropout is in the ONNX graph: torch.onnx exported F.dropout(training=True) in training mode
    expect(f.reason).toMatch(/the model was exported in training mode: model\.onnx has Dropout '[^']+' \(training_mode true\)/);
  });

  test('control: a deterministic eager model is not named', async () => {
    const fx = await tiny('make_tiny');
    const r = await runTier4({ exportDir: fx.dir, trustModelSource: true, latency: { iterations: 2, warmup: 0 }, formats: ['onnx'] });
    expect(r.formats.onnx!.speedup_vs_pytorch).toBeGreaterThan(0);
    expect(JSON.stringify(r)).not.toMatch(/not deterministic/);
  });
});
