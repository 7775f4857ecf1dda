// Ordinary unit tests of the app's classifier (no Tier 4 records): the model comes from the
// fixture the tier4() plugin built.
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { openExportDir } from 'vitest-tier4-fixtures';
import { IMAGE_SIZE, createClassifier, type Classifier } from '../src/classify.js';

describe('classify(image)', () => {
  let classifier: Classifier;
  beforeAll(async () => {
    classifier = await createClassifier(inject('tier4Fixtures').cnn!.paths.onnx!);
  });
  afterAll(() => classifier.close());

  test('returns one of the 10 labels with probabilities that sum to 1', async () => {
    const image = Float32Array.from({ length: IMAGE_SIZE }, (_, i) => (i % 7) / 7);
    const { label, probabilities } = await classifier.classify(image);
    expect(probabilities).toHaveLength(10);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(label).toBe(probabilities.indexOf(Math.max(...probabilities)));
  });

  test('agrees with the PyTorch model on the reference images', async () => {
    const dir = await openExportDir(inject('tier4Fixtures').cnn!.dir);
    for (const sample of (await dir.loadSamples()).filter((s) => s.batchSize === 1)) {
      const image = sample.inputs['pixel_values']!.data as Float32Array;
      const logits = Array.from(sample.outputs['logits']!.data as Float32Array);
      expect((await classifier.classify(image)).label).toBe(logits.indexOf(Math.max(...logits)));
    }
  });

  test('rejects an image of the wrong size, naming the expected size', async () => {
    await expect(classifier.classify(new Float32Array(10))).rejects.toThrow(
      'classify(image): expected a Float32Array of 3072 values (3x32x32, channels first), received a Float32Array of 10',
    );
  });
});
