/**
 * Greedy next-token prediction with the LM-stub ONNX export (input `input_ids` int64 [B, T],
 * output `logits` float32 [B, T, V]) through onnxruntime-node.
 */
import * as ort from 'onnxruntime-node';

/** Options of {@link createNextTokenPredictor}. */
export interface NextTokenOptions {
  /** Longest context the model accepts (its position table); longer inputs keep the last tokens. @default 16 */
  maxSeqLen?: number;
  /** Vocabulary size; token ids must be in [0, vocabSize). @default 1000 */
  vocabSize?: number;
}

/** A loaded next-token predictor. */
export interface NextTokenPredictor {
  /** The most probable token after `ids` (greedy argmax of the last position's logits). */
  nextToken(ids: readonly number[]): Promise<number>;
  /** Releases the ONNX session. */
  close(): Promise<void>;
}

/**
 * Loads the LM-stub ONNX model.
 *
 * @param modelPath - path of `model.onnx`.
 * @param options - context length and vocabulary size of the model.
 */
export async function createNextTokenPredictor(modelPath: string, options: NextTokenOptions = {}): Promise<NextTokenPredictor> {
  const maxSeqLen = options.maxSeqLen ?? 16;
  const vocabSize = options.vocabSize ?? 1000;
  const session = await ort.InferenceSession.create(modelPath);
  const input = session.inputNames[0]!;
  const output = session.outputNames[0]!;
  return {
    async nextToken(ids) {
      if (!Array.isArray(ids) || ids.length === 0) {
        throw new TypeError(`nextToken(ids): expected a non-empty array of token ids, received ${Array.isArray(ids) ? 'an empty array' : typeof ids}`);
      }
      const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
      if (bad !== -1) {
        throw new RangeError(`nextToken(ids): ids[${bad}] must be an integer in [0, ${vocabSize}), received ${String(ids[bad])}`);
      }
      const context = ids.slice(-maxSeqLen);
      const tensor = new ort.Tensor('int64', BigInt64Array.from(context, (v) => BigInt(v)), [1, context.length]);
      const result = await session.run({ [input]: tensor });
      const logits = result[output]!.data as Float32Array;
      const offset = (context.length - 1) * vocabSize;
      let best = 0;
      for (let v = 1; v < vocabSize; v++) if (logits[offset + v]! > logits[offset + best]!) best = v;
      return best;
    },
    async close() {
      await session.release();
    },
  };
}
