/**
 * Inputs are checked against metadata.json's declared dtype and shape before a runner runs them (a float64
 * sample fed to a float32 graph surfaced as onnxruntime's "Unexpected input data type"), and a sample's
 * batch size is the one its inputs have: a metadata.json that records another fails the sample naming both,
 * and is never reported as the measured batch size.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cli } from '../cli/run-cli.js';
import { openRunner } from '../../src/runtimes/index.js';
import { runTier4 } from '../../src/tier4/index.js';
import { cleanupTmp, copyExport, fixture, python } from '../tier4/helpers.js';

afterAll(cleanupTmp);

async function editMetadata(dir: string, edit: (md: Record<string, unknown> & { samples: Array<{ batch_size: number }> }) => void): Promise<void> {
  const file = join(dir, 'metadata.json');
  const md = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown> & { samples: Array<{ batch_size: number }> };
  edit(md);
  await writeFile(file, JSON.stringify(md, null, 2));
}

describe('inputs against metadata.json', () => {
  test('a float64 sample for a float32 graph: tier4 validate names the input, the declared and the received dtype', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    await python(`import sys, numpy as np; p = sys.argv[1]; np.save(p, np.load(p).astype(np.float64))`, [join(dir, 'samples/sample_000/pixel_values.npy')]);
    const json = join(dir, '..', 'report.json');
    const r = await cli(['validate', dir, '--samples', '1', '--no-latency', '--formats', 'onnx', '--json', json]);
    expect(r.code).toBe(1);
    const message = "sample_000: input 'pixel_values' expected float32 [batch, 3, 32, 32] (metadata.json), received float64 [1, 3, 32, 32]: dtype float64 is not float32";
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/Unexpected input data type/);
    const parity = (JSON.parse(await readFile(json, 'utf8')) as { parity_report: Record<string, Record<string, { error: string | null }>> }).parity_report;
    expect(parity.onnx!.sample_000!.error).toBe(message);
  });

  test('a runner opened on an export dir refuses inputs of another dtype, rank, fixed size or inconsistent dynamic size', async () => {
    const fx = await fixture('simple_cnn');
    const runner = await openRunner('onnx', fx);
    const label = `ONNX run(${join(fx.dir, 'model.onnx')})`;
    const f32 = (shape: number[]) => ({ dtype: 'float32' as const, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    await expect(runner.run({ pixel_values: { dtype: 'float64', shape: [1, 3, 32, 32], data: new Float64Array(3072) } })).rejects.toThrow(
      `${label}: input 'pixel_values' expected float32 [batch, 3, 32, 32] (metadata.json), received float64 [1, 3, 32, 32]: dtype float64 is not float32`,
    );
    await expect(runner.run({ pixel_values: f32([3, 32, 32]) })).rejects.toThrow(
      `${label}: input 'pixel_values' expected float32 [batch, 3, 32, 32] (metadata.json), received float32 [3, 32, 32]: 3 axes, expected 4`,
    );
    await expect(runner.run({ pixel_values: f32([2, 3, 28, 28]) })).rejects.toThrow(
      `${label}: input 'pixel_values' expected float32 [batch, 3, 32, 32] (metadata.json), received float32 [2, 3, 28, 28]: axis 2 is 28, expected 32`,
    );
    // a dynamic axis is free: batch 2 runs
    expect((await runner.run({ pixel_values: f32([2, 3, 32, 32]) })).outputs.logits!.shape).toEqual([2, 10]);
  });

  test('a dynamic axis bound by two inputs must agree (input_ids and attention_mask of a text model)', async () => {
    const { orderInputs } = await import('../../src/runtimes/inputs.js');
    const declared = [
      { name: 'input_ids', dtype: 'int64' as const, shape: ['batch', 'sequence'] },
      { name: 'attention_mask', dtype: 'int64' as const, shape: ['batch', 'sequence'] },
    ];
    const ids = (b: number, s: number) => ({ dtype: 'int64' as const, shape: [b, s], data: new BigInt64Array(b * s) });
    expect(() => orderInputs('run(m)', ['input_ids', 'attention_mask'], { input_ids: ids(2, 8), attention_mask: ids(2, 7) }, declared)).toThrow(
      "run(m): input 'attention_mask' expected int64 [batch, sequence] (metadata.json), received int64 [2, 7]: axis 1 ('sequence') is 7, but 'sequence' is 8 in input 'input_ids'",
    );
    expect(orderInputs('run(m)', ['input_ids', 'attention_mask'], { attention_mask: ids(2, 8), input_ids: ids(2, 8) }, declared).map((i) => i.name)).toEqual([
      'input_ids',
      'attention_mask',
    ]);
  });

  test('a wrong batch_size in metadata.json: the sample fails naming both; the report and the latency give the measured batch size', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    // sample_000 has batch 1; metadata.json claims 7
    await editMetadata(dir, (md) => {
      md.samples[0]!.batch_size = 7;
    });
    // latency on (the reason this test takes seconds: the speed-up's eager baseline starts a Python worker)
    const report = await runTier4({ exportDir: dir, numSamples: 2, latency: { iterations: 2, warmup: 0 }, formats: ['onnx'] });
    const s0 = report.parity_report.onnx!.sample_000!;
    expect(s0.batch_size).toBe(1);
    expect(s0.error).toBe("sample_000: metadata.json records batch_size 7, but input 'pixel_values' has batch 1 (shape [1, 3, 32, 32])");
    expect(report.parity_report.onnx!.sample_001!).toMatchObject({ batch_size: 4, error: null });
    expect(report.formats.onnx!.status).toBe('fail');
    expect(report.formats.onnx!.reason).toContain('run failed on sample_000: sample_000: metadata.json records batch_size 7');
    expect(report.formats.onnx!.latency).toMatchObject({ sample: 'sample_000', batch_size: 1 });
  });
});
