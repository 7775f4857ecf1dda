// Export tests with the matchers on the ONNX runner and the raw onnxruntime session the test context
// creates once per worker:
// output shapes at batch 1, 3 and 4, parity per sample, and a custom (tighter) threshold.
import * as ort from 'onnxruntime-node';
import { describe, expect } from 'vitest';
import { createTier4Test } from 'vitest-tier4/test';

const cnnTest = createTier4Test('cnn');
const lmTest = createTier4Test('lm');

describe('SimpleCNN ONNX', () => {
  cnnTest('logits are [B, 10] at batch 1, 3 and 4 and match PyTorch', async ({ exportDir, onnx }) => {
    const batches = new Set<number>();
    for (const sample of await exportDir.loadSamples()) {
      const { outputs } = await onnx.run(sample.inputs);
      expect(outputs['logits']).toHaveShape([sample.batchSize, 10]);
      expect(outputs['logits']).toHaveDtype('float32');
      expect(outputs['logits']).toBeFinite();
      expect(outputs['logits']).toMatchParity(sample.outputs['logits']!, 'fp32', {
        model: 'simple_cnn',
        format: 'onnx',
        output: 'logits',
        sample: sample.id,
      });
      batches.add(sample.batchSize);
    }
    expect([...batches].sort()).toEqual([1, 3, 4]);
  });

  cnnTest('holds a custom threshold ten times tighter than the fp32 preset', async ({ exportDir, onnx }) => {
    const sample = await exportDir.loadSample(1);
    const { outputs } = await onnx.run(sample.inputs);
    expect(outputs['logits']).toMatchParity(sample.outputs['logits']!, { fp32: 1e-5 }, {
      model: 'simple_cnn',
      format: 'onnx',
      output: 'logits',
      sample: sample.id,
    });
  });
});

describe('LM stub ONNX', () => {
  lmTest('the raw onnxruntime session (once per worker) takes int64 ids and agrees with PyTorch', async ({ exportDir, session }) => {
    expect(session.inputNames).toEqual(['input_ids']);
    expect(session.outputNames).toEqual(['logits']);
    const sample = await exportDir.loadSample(0);
    const ids = sample.inputs['input_ids']!;
    const results = await session.run({ input_ids: new ort.Tensor('int64', ids.data as BigInt64Array, ids.shape) });
    expect(results['logits']).toMatchParity(sample.outputs['logits']!, 'fp32', { model: 'lm_stub', format: 'onnx', output: 'logits', sample: sample.id });
  });

  lmTest('logits are [batch, sequence, 1000] with the batch and sequence of the input', async ({ exportDir, onnx }) => {
    const batches = new Set<number>();
    for (const sample of await exportDir.loadSamples()) {
      const ids = sample.inputs['input_ids']!;
      const { outputs } = await onnx.run(sample.inputs);
      expect(ids).toHaveShape(['batch', 'sequence']);
      expect(outputs['logits']).toHaveShape([ids.shape[0]!, ids.shape[1]!, 1000]);
      expect(outputs['logits']).toMatchParity(sample.outputs['logits']!, 'fp32', {
        model: 'lm_stub',
        format: 'onnx',
        output: 'logits',
        sample: sample.id,
      });
      batches.add(sample.batchSize);
    }
    expect([...batches].sort()).toEqual([1, 3, 4]);
  });
});
