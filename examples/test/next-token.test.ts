// Ordinary unit tests of the app's next-token predictor (no Tier 4 records).
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { openExportDir } from 'vitest-tier4-fixtures';
import { createNextTokenPredictor, type NextTokenPredictor } from '../src/next-token.js';

describe('nextToken(ids)', () => {
  let predictor: NextTokenPredictor;
  beforeAll(async () => {
    predictor = await createNextTokenPredictor(inject('tier4Fixtures').lm!.paths.onnx!);
  });
  afterAll(() => predictor.close());

  test('returns a token id in the vocabulary, deterministically', async () => {
    const next = await predictor.nextToken([1, 2, 3]);
    expect(Number.isInteger(next) && next >= 0 && next < 1000).toBe(true);
    expect(await predictor.nextToken([1, 2, 3])).toBe(next);
  });

  test('agrees with the PyTorch model on the reference sequences', async () => {
    const dir = await openExportDir(inject('tier4Fixtures').lm!.dir);
    for (const sample of (await dir.loadSamples()).filter((s) => s.batchSize === 1)) {
      const ids = Array.from(sample.inputs['input_ids']!.data as BigInt64Array, Number);
      const [, t, v] = sample.outputs['logits']!.shape as [number, number, number];
      const last = Array.from((sample.outputs['logits']!.data as Float32Array).subarray((t - 1) * v, t * v));
      expect(await predictor.nextToken(ids)).toBe(last.indexOf(Math.max(...last)));
    }
  });

  test('keeps the last 16 tokens of a longer context', async () => {
    const long = Array.from({ length: 40 }, (_, i) => (i * 37) % 1000);
    expect(await predictor.nextToken(long)).toBe(await predictor.nextToken(long.slice(-16)));
  });

  test('rejects ids outside the vocabulary, naming the index', async () => {
    await expect(predictor.nextToken([5, 1000])).rejects.toThrow('nextToken(ids): ids[1] must be an integer in [0, 1000), received 1000');
    await expect(predictor.nextToken([])).rejects.toThrow('nextToken(ids): expected a non-empty array of token ids, received an empty array');
  });
});
