import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildFixture } from 'vitest-tier4-fixtures';
import { afterAll, describe, expect, test } from 'vitest';
import { checkParity } from '../../src/parity/index.js';
import {
  clearOnnxSessionCache,
  onnxSessionCacheSize,
  openOnnxRunner,
  openRunner,
  registeredFormats,
} from '../../src/runtimes/index.js';
import { cleanupTmp, copyExport, fixture, makeFloat16Int64Onnx, tmpDir } from '../tier4/helpers.js';

afterAll(cleanupTmp);

describe('ONNX runner', () => {
  test.each(['simple_cnn', 'lm_stub'] as const)('%s: runs every sample by input name and matches the eager outputs', async (name) => {
    const fx = await fixture(name);
    const runner = await openRunner('onnx', fx);
    expect(runner.format).toBe('onnx');
    expect(runner.runtime).toMatch(/^onnxruntime-node 1\.30\./);
    expect(runner.inputNames).toEqual(fx.metadata.inputs.map((i) => i.name));
    expect(runner.outputNames).toEqual(fx.metadata.outputs.map((o) => o.name));
    for (const i of [0, 1]) {
      const sample = await fx.loadSample(i);
      const { outputs } = await runner.run(sample.inputs);
      for (const [out, ref] of Object.entries(sample.outputs)) {
        expect(outputs[out]!.shape).toEqual(ref.shape);
        expect(outputs[out]!.dtype).toBe('float32');
        const p = checkParity(outputs[out]!, ref, 1e-4);
        expect(p.status).toBe('ok');
      }
    }
    await runner.close();
  });

  test('lm_stub: int64 token ids are fed as BigInt64Array', async () => {
    const fx = await fixture('lm_stub');
    const sample = await fx.loadSample(1);
    expect(sample.inputs.input_ids!.data).toBeInstanceOf(BigInt64Array);
    const runner = await openOnnxRunner(fx.paths.onnx!);
    const { outputs } = await runner.run(sample.inputs);
    expect(outputs.logits!.shape).toEqual([4, ...sample.outputs.logits!.shape.slice(1)]);
  });

  test('sessions are created once per worker and reused (per path, size, mtime and options)', async () => {
    await clearOnnxSessionCache();
    const fx = await fixture('simple_cnn');
    const a = await openOnnxRunner(fx);
    const b = await openOnnxRunner(fx.paths.onnx!);
    expect(onnxSessionCacheSize()).toBe(1);
    await a.close();
    // closing one runner does not release the shared session
    const sample = await fx.loadSample(0);
    await expect(b.run(sample.inputs)).resolves.toHaveProperty('outputs.logits');
    await openOnnxRunner(fx, { sessionOptions: { intraOpNumThreads: 1 } });
    expect(onnxSessionCacheSize()).toBe(2);
    await clearOnnxSessionCache();
    expect(onnxSessionCacheSize()).toBe(0);
  });

  test('float16 and int64 inputs and outputs round-trip through ORT', async () => {
    const path = join(await tmpDir('f16-'), 'f16_i64.onnx');
    await makeFloat16Int64Onnx(path);
    const runner = await openOnnxRunner(path);
    expect(runner.inputNames).toEqual(['x', 'ids']);
    // half bits: 1.0, 2.5, -0.5 | 0.25, 0, 65504/2 (=32752)
    const x = new Uint16Array([0x3c00, 0x4100, 0xb800, 0x3400, 0x0000, 0x77ff]);
    const ids = new BigInt64Array([1n, 2n ** 40n, -3n, 7n]);
    const { outputs } = await runner.run({
      x: { dtype: 'float16', shape: [2, 3], data: x },
      ids: { dtype: 'int64', shape: [2, 2], data: ids },
    });
    expect(outputs.y!.dtype).toBe('float16');
    expect(outputs.y!.shape).toEqual([2, 3]);
    // 2.0, 5.0, -1.0 | 0.5, 0, 65504
    expect([...(outputs.y!.data as Uint16Array)]).toEqual([0x4000, 0x4500, 0xbc00, 0x3800, 0x0000, 0x7bff]);
    expect(outputs.ids_out!.dtype).toBe('int64');
    expect([...(outputs.ids_out!.data as BigInt64Array)]).toEqual([2n, 2n ** 41n, -6n, 14n]);
    await runner.close();
  });

  test('a garbage .onnx file gives a readable error naming the file', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    const onnx = join(dir, 'model.onnx');
    await writeFile(onnx, 'this is not an ONNX protobuf\n');
    // ORT's own "Load model from <path> failed:" prefix is dropped: the path is named once
    await expect(openRunner('onnx', dir)).rejects.toThrow(`Cannot load ONNX model ${onnx}: Protobuf parsing failed.`);
  });

  test('wrong input names are an error listing expected and received names', async () => {
    const fx = await fixture('simple_cnn');
    const runner = await openOnnxRunner(fx);
    const sample = await fx.loadSample(0);
    await expect(runner.run({ pixels: sample.inputs.pixel_values! })).rejects.toThrow(
      /model inputs are \[pixel_values\], received \[pixels\]; missing 'pixel_values'; unexpected 'pixels'/,
    );
  });

  test('an invalid tensor is a TypeError naming the input, expected and received', async () => {
    const fx = await fixture('simple_cnn');
    const runner = await openOnnxRunner(fx);
    await expect(
      runner.run({ pixel_values: { dtype: 'float32', shape: [1, 3, 32, 32], data: new Float64Array(3072) } }),
    ).rejects.toThrow(/ONNX input 'pixel_values': dtype 'float32' needs data as Float32Array, received Float64Array/);
  });

  test('a missing artifact or path is an error naming it', async () => {
    // An export that did not write ONNX (the quantized LM stub writes an int8 model.onnx now).
    const tsOnly = await buildFixture({ model: 'simple_cnn', formats: ['torchscript'], samples: 1 });
    await expect(openRunner('onnx', tsOnly)).rejects.toThrow(/has no 'onnx' artifact \(formats written: torchscript\)/);
    await expect(openRunner('onnx', '/nonexistent/model.onnx')).rejects.toThrow('Cannot open onnx model: /nonexistent/model.onnx does not exist');
  });

  test('the registry names the available formats for an unknown one', async () => {
    expect(registeredFormats()).toEqual(expect.arrayContaining(['onnx', 'torchscript', 'pytorch']));
    await expect(openRunner('tflite', '/tmp')).rejects.toThrow(/No runner for format 'tflite'; registered formats: 'onnx', 'torchscript', 'pytorch'/);
  });

  test('a closed runner refuses to run', async () => {
    const fx = await fixture('simple_cnn');
    const runner = await openOnnxRunner(fx, { cache: false });
    await runner.close();
    await runner.close(); // idempotent
    const sample = await fx.loadSample(0);
    await expect(runner.run(sample.inputs)).rejects.toThrow(/is closed/);
  });
});
