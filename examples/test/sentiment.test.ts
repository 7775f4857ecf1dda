// Unit tests of the app's sentiment classifier: batching with padding and masks, and that padding
// does not change a text's verdict (the model honours attention_mask).
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { MAX_SEQ_LEN, PAD_TOKEN_ID, createSentimentClassifier, encode, tokenId, type SentimentClassifier } from '../src/sentiment.js';

describe('encode(texts)', () => {
  test('pads every text at the end to the longest one and masks the padding', () => {
    const batch = encode(['a fine film', 'bad']);
    expect(batch.shape).toEqual([2, 3]);
    expect(Array.from(batch.attentionMask)).toEqual([1n, 1n, 1n, 1n, 0n, 0n]);
    expect(batch.inputIds[3]).toBe(BigInt(tokenId('bad')));
    expect(batch.inputIds[4]).toBe(BigInt(PAD_TOKEN_ID));
    expect(tokenId('Film')).toBe(tokenId('film'));
    expect(tokenId('film')).toBeGreaterThan(0);
  });

  test('refuses what the model cannot take', () => {
    expect(() => encode([])).toThrow('encode: expected at least one text, received none');
    expect(() => encode(['ok', '  '])).toThrow('encode: text 1 has no words');
    expect(() => encode([Array(MAX_SEQ_LEN + 1).fill('w').join(' ')])).toThrow(`encode: text 0 has ${MAX_SEQ_LEN + 1} words; the model takes at most ${MAX_SEQ_LEN}`);
  });
});

describe('classify(texts)', () => {
  let classifier: SentimentClassifier;
  beforeAll(async () => {
    classifier = await createSentimentClassifier(inject('tier4Fixtures').textClassifier!.paths.onnx!);
  });
  afterAll(() => classifier.close());

  test('a text gets the same logits alone and padded in a batch with a longer one', async () => {
    const short = 'what a wonderful evening';
    const [alone] = await classifier.classify([short]);
    const [, padded] = await classifier.classify(['the plot was slow and the ending made no sense at all', short]);
    for (let i = 0; i < 3; i++) expect(padded!.logits[i]).toBeCloseTo(alone!.logits[i]!, 5);
    expect(padded!.label).toBe(alone!.label);
  });
});
