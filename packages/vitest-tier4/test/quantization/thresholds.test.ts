/** The one set of rules for quantization thresholds: parsing, checking, judging and the failure lines. */
import { describe, expect, test } from 'vitest';
import {
  checkQuantizationThresholds,
  DEFAULT_QUANTIZATION_THRESHOLDS,
  describeFailures,
  judgeQuantization,
  parseQuantizationThresholds,
} from '../../src/quantization/thresholds.js';

describe('quantization thresholds', () => {
  test('the default is sqnr_db >= 20 only', () => {
    expect(DEFAULT_QUANTIZATION_THRESHOLDS).toEqual({ sqnr_db: 20 });
  });

  test('CLI form: key=value and the bound written out', () => {
    expect(parseQuantizationThresholds('sqnr_db=20,top1_agreement>=0.99, relative_error<=0.01')).toEqual({ sqnr_db: 20, top1_agreement: 0.99, relative_error: 0.01 });
    expect(() => parseQuantizationThresholds('sqnr_db<=20')).toThrow("--threshold: sqnr_db is bounded from below (>=), received 'sqnr_db<=20'");
    expect(() => parseQuantizationThresholds('relative_error>=0.1')).toThrow("--threshold: relative_error is bounded from above (<=), received 'relative_error>=0.1'");
    expect(() => parseQuantizationThresholds('sqnr=20')).toThrow("--threshold: unknown quantization threshold 'sqnr' (expected one of sqnr_db, cosine, top1_agreement, relative_error, kl_divergence)");
    expect(() => parseQuantizationThresholds('sqnr_db')).toThrow("--threshold: expected key=value items such as sqnr_db=20,top1_agreement=0.99, received 'sqnr_db'");
    expect(() => parseQuantizationThresholds('top1_agreement=1.5')).toThrow('--threshold: quantization threshold top1_agreement must be a number from 0 to 1, received 1.5');
    // the text received, never the null that JSON makes of NaN or -Infinity
    expect(() => parseQuantizationThresholds('sqnr_db=abc')).toThrow("--threshold: quantization threshold sqnr_db must be a finite number, received 'abc'");
    expect(() => parseQuantizationThresholds('sqnr_db>=')).toThrow("--threshold: expected key=value items such as sqnr_db=20,top1_agreement=0.99, received 'sqnr_db>='");
    expect(() => parseQuantizationThresholds('top1_agreement>=high')).toThrow("--threshold: quantization threshold top1_agreement must be a number from 0 to 1, received 'high'");
    expect(() => parseQuantizationThresholds('sqnr_db>=-Infinity')).toThrow('--threshold: quantization threshold sqnr_db must be a finite number, received -Infinity');
  });

  test('object form: unknown keys and bad values are TypeErrors naming the caller', () => {
    expect(checkQuantizationThresholds({ cosine: 0.999, kl_divergence: undefined }, 'runTier4')).toEqual({ cosine: 0.999 });
    expect(() => checkQuantizationThresholds({ relative_error: -1 }, 'runTier4')).toThrow('runTier4: quantization threshold relative_error must be a number >= 0, received -1');
    expect(() => checkQuantizationThresholds({ sqnr_db: Number.NaN }, 'runTier4')).toThrow('runTier4: quantization threshold sqnr_db must be a finite number, received NaN');
    expect(() => checkQuantizationThresholds([], 'tier4()')).toThrow('tier4(): quantization thresholds must be an object such as { sqnr_db: 20 }, received an array');
  });

  test('judging: min and max bounds, not measured, NaN fails, +Infinity SQNR passes', () => {
    const checks = judgeQuantization(
      { sqnr_db: 17.41, cosine: 0.9999, top1_agreement: null, relative_error: 0.2, kl_divergence: NaN },
      { sqnr_db: 20, cosine: 0.99, top1_agreement: 0.99, relative_error: 0.01, kl_divergence: 0.1 },
    );
    expect(checks.map((c) => [c.metric, c.status])).toEqual([
      ['sqnr_db', 'fail'],
      ['cosine', 'ok'],
      ['top1_agreement', 'not_measured'],
      ['relative_error', 'fail'],
      ['kl_divergence', 'fail'],
    ]);
    expect(describeFailures(checks)).toEqual([
      'sqnr_db 17.41 dB, below the threshold sqnr_db >= 20 dB',
      'relative_error 0.2, above the threshold relative_error <= 0.01',
      'kl_divergence NaN nats, above the threshold kl_divergence <= 0.1 nats',
    ]);
    expect(judgeQuantization({ sqnr_db: Infinity }, { sqnr_db: 40 })[0]!.status).toBe('ok');
  });
});
