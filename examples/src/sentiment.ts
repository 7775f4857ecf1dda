/**
 * Sentiment classification with the BERT-like text classifier's ONNX export (inputs `input_ids`
 * and `attention_mask`, int64 [B, T]; output `logits` [B, 3]) through onnxruntime-node.
 *
 * The tokenizer is a toy one (a stable hash of each lower-cased word into the vocabulary), but the
 * batching is the real thing: every text of a batch is padded at the end to the longest one with
 * the pad token, and the attention mask marks the real tokens, as a Hugging Face tokenizer does
 * with `padding: 'longest'`.
 */
import * as ort from 'onnxruntime-node';

/** Vocabulary size, sequence limit and pad token of the exported model (examples/models/text_classifier.py). */
export const VOCAB_SIZE = 500;
export const MAX_SEQ_LEN = 24;
export const PAD_TOKEN_ID = 0;
/** Label of each logit. */
export const LABELS = ['negative', 'neutral', 'positive'] as const;

/** A batch the model takes: ids and mask, `[texts, longest]`, row-major. */
export interface EncodedBatch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  shape: [number, number];
}

/** Token id of one word: FNV-1a hash into `[1, VOCAB_SIZE)` (0 is the pad token). */
export function tokenId(word: string): number {
  let h = 0x811c9dc5;
  for (const ch of word.toLowerCase()) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return 1 + (h % (VOCAB_SIZE - 1));
}

/**
 * Tokenizes and pads a batch of texts.
 *
 * @throws RangeError for an empty batch, an empty text, or a text longer than {@link MAX_SEQ_LEN} words.
 */
export function encode(texts: readonly string[]): EncodedBatch {
  if (texts.length === 0) throw new RangeError('encode: expected at least one text, received none');
  const tokens = texts.map((t, i) => {
    const words = t.split(/\s+/).filter((w) => w.length > 0);
    if (words.length === 0) throw new RangeError(`encode: text ${i} has no words`);
    if (words.length > MAX_SEQ_LEN) throw new RangeError(`encode: text ${i} has ${words.length} words; the model takes at most ${MAX_SEQ_LEN}`);
    return words.map(tokenId);
  });
  const longest = Math.max(...tokens.map((t) => t.length));
  const inputIds = new BigInt64Array(texts.length * longest).fill(BigInt(PAD_TOKEN_ID));
  const attentionMask = new BigInt64Array(texts.length * longest);
  tokens.forEach((ids, row) => {
    ids.forEach((id, col) => {
      inputIds[row * longest + col] = BigInt(id);
      attentionMask[row * longest + col] = 1n;
    });
  });
  return { inputIds, attentionMask, shape: [texts.length, longest] };
}

/** One text's verdict. */
export interface Sentiment {
  label: (typeof LABELS)[number];
  logits: number[];
}

/** A loaded sentiment classifier. */
export interface SentimentClassifier {
  /** Classifies a batch of texts (padded together). */
  classify(texts: readonly string[]): Promise<Sentiment[]>;
  /** Releases the ONNX session. */
  close(): Promise<void>;
}

/**
 * Loads the text classifier's ONNX model.
 *
 * @param modelPath - path of `model.onnx`.
 */
export async function createSentimentClassifier(modelPath: string): Promise<SentimentClassifier> {
  const session = await ort.InferenceSession.create(modelPath);
  return {
    async classify(texts) {
      const batch = encode(texts);
      const out = await session.run({
        input_ids: new ort.Tensor('int64', batch.inputIds, batch.shape),
        attention_mask: new ort.Tensor('int64', batch.attentionMask, batch.shape),
      });
      const logits = out['logits']!.data as Float32Array;
      return texts.map((_, row) => {
        const own = Array.from(logits.subarray(row * LABELS.length, (row + 1) * LABELS.length));
        return { label: LABELS[own.indexOf(Math.max(...own))]!, logits: own };
      });
    },
    async close() {
      await session.release();
    },
  };
}
