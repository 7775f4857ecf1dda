/**
 * Image classification with the SimpleCNN ONNX export (10 classes, input `pixel_values`
 * float32 [B, 3, 32, 32] in [0, 1), output `logits` [B, 10]) through onnxruntime-node.
 */
import * as ort from 'onnxruntime-node';

/** Number of values in one CHW image. */
export const IMAGE_SIZE = 3 * 32 * 32;

/** The result of {@link Classifier.classify}. */
export interface Classification {
  /** Index of the most probable class (0-9). */
  label: number;
  /** Softmax probabilities of the 10 classes (sum 1). */
  probabilities: number[];
}

/** A loaded classifier. */
export interface Classifier {
  /** Classifies one image: a Float32Array of 3*32*32 values in [0, 1], channels first. */
  classify(image: Float32Array): Promise<Classification>;
  /** Releases the ONNX session. */
  close(): Promise<void>;
}

function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

/**
 * Loads the SimpleCNN ONNX model.
 *
 * @param modelPath - path of `model.onnx`.
 */
export async function createClassifier(modelPath: string): Promise<Classifier> {
  const session = await ort.InferenceSession.create(modelPath);
  const input = session.inputNames[0]!;
  const output = session.outputNames[0]!;
  return {
    async classify(image) {
      if (!(image instanceof Float32Array) || image.length !== IMAGE_SIZE) {
        throw new TypeError(
          `classify(image): expected a Float32Array of ${IMAGE_SIZE} values (3x32x32, channels first), received ${
            image instanceof Float32Array ? `a Float32Array of ${image.length}` : typeof image
          }`,
        );
      }
      const result = await session.run({ [input]: new ort.Tensor('float32', image, [1, 3, 32, 32]) });
      const probabilities = softmax(result[output]!.data as Float32Array);
      let label = 0;
      for (let i = 1; i < probabilities.length; i++) if (probabilities[i]! > probabilities[label]!) label = i;
      return { label, probabilities };
    },
    async close() {
      await session.release();
    },
  };
}
