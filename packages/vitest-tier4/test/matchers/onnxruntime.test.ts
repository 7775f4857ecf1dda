/**
 * The matchers on real onnxruntime-node objects: a float16 Identity model made with onnx (Python), its
 * session metadata (symbolic 'batch' dimension) and its float16 output tensors (Uint16Array raw bits).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import '../../src/setup.js';
import { pythonWith } from '../python-with.js';
import { failureOf } from './helpers.js';

const MAKE_MODEL = `
import sys, onnx
from onnx import helper, TensorProto
x = helper.make_tensor_value_info('x', TensorProto.FLOAT16, ['batch', 3])
y = helper.make_tensor_value_info('y', TensorProto.FLOAT16, ['batch', 3])
g = helper.make_graph([helper.make_node('Identity', ['x'], ['y'])], 'identity16', [x], [y])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 14)])
m.ir_version = 8
onnx.save(m, sys.argv[1])
`;

describe('onnxruntime-node session and tensors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vitest-tier4-ort-'));
  let session: ort.InferenceSession;
  beforeAll(async () => {
    const model = join(dir, 'identity16.onnx');
    // no Python with onnx: every test here fails with pythonWith()'s message (never a silent skip)
    execFileSync(pythonWith('onnx'), ['-c', MAKE_MODEL, model], { timeout: 60_000 });
    session = await ort.InferenceSession.create(model);
  });
  afterAll(async () => {
    await session?.release();
    rmSync(dir, { recursive: true, force: true });
  });

  test('toHaveShape / toHaveDtype on InferenceSession.inputMetadata and outputMetadata', () => {
    const [input] = session.inputMetadata;
    const [output] = session.outputMetadata;
    expect(input).toHaveShape(['batch', 3]);
    expect(input).toHaveShape([null, 3]);
    expect(input).toHaveDtype('float16');
    expect(output).toHaveShape(['b', 3]);
    expect(output).not.toHaveShape([1, 3]);
    expect(failureOf(() => expect(output).toHaveShape([1, 3]))).toContain('Received shape: ["batch", 3] (metadata of y)');
  });

  test('float16 output tensors: shape, dtype, parity with raw bits, NaN/Inf census', async () => {
    // 1, NaN, +Inf / 0.33325, 0, 5.96e-8 (smallest subnormal)
    const x = new ort.Tensor('float16', new Uint16Array([0x3c00, 0x7e00, 0x7c00, 0x3555, 0x0000, 0x0001]), [2, 3]);
    const { y } = (await session.run({ x })) as { y: ort.Tensor };
    expect(y).toHaveShape([2, 3]);
    expect(y).toHaveDtype('float16');
    expect(y).toMatchParity(x, 'exact');
    expect(y).toMatchParity([[1, NaN, Infinity], [0.333251953125, 0, 2 ** -24]], 'exact');
    expect(y).not.toMatchParity([[1, NaN, -Infinity], [0.333251953125, 0, 2 ** -24]]);
    expect(failureOf(() => expect(y).toBeFinite())).toContain('NaN: 1 (first at [0, 1])\n+Inf: 1, -Inf: 0 (first Inf at [0, 2])');
  });
});
