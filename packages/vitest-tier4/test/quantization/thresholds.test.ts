/** The one set of rules for quantization thresholds: parsing, checking, judging and the failure lines. */
import { describe, expect, test } from 'vitest';
import { checkThresholds } from '../../src/options/check.js';
import { parseThresholdsFlag } from '../../src/options/cli.js';
import { DEFAULT_QUANTIZATION_THRESHOLDS, describeFailures, judgeQuantization } from '../../src/quantization/thresholds.js';

describe('quantization thresholds', () => {
  test('the default is sqnr_db >= 20 only', () => {
    expect(DEFAULT_QUANTIZATION_THRESHOLDS).toEqual({ sqnr_db: 20 });
  });

  test('CLI form: key=value and the bound written out (the one option table, options/cli.ts)', () => {
    expect(parseThresholdsFlag('sqnr_db=20,top1_agreement>=0.99, relative_error<=0.01')).toEqual({ sqnr_db: 20, top1_agreement: 0.99, relative_error: 0.01 });
    expect(() => parseThresholdsFlag('sqnr_db<=20')).toThrow('option "--threshold sqnr_db" expected sqnr_db>=<value> (bounded from below), received "sqnr_db<=20"');
    expect(() => parseThresholdsFlag('relative_error>=0.1')).toThrow('option "--threshold relative_error" expected relative_error<=<value> (bounded from above), received "relative_error>=0.1"');
    expect(() => parseThresholdsFlag('sqnr=20')).toThrow(
      'unknown option "--threshold sqnr" (expected one of "fp32", "quantized", "sqnr_db", "cosine", "top1_agreement", "relative_error", "kl_divergence")',
    );
    expect(() => parseThresholdsFlag('sqnr_db')).toThrow('option "--threshold" expected name=value items such as fp32=1e-4,quantized=1e-2,sqnr_db>=20, received "sqnr_db"');
    expect(() => parseThresholdsFlag('top1_agreement=1.5')).toThrow('option "--threshold top1_agreement" expected a number from 0 to 1, received 1.5');
    expect(() => parseThresholdsFlag('sqnr_db=abc')).toThrow('option "--threshold sqnr_db" expected a finite number, received "abc"');
    // the text received, never the null that JSON makes of NaN or -Infinity
    expect(() => parseThresholdsFlag('sqnr_db>=')).toThrow('option "--threshold" expected name=value items such as fp32=1e-4,quantized=1e-2,sqnr_db>=20, received "sqnr_db>="');
    expect(() => parseThresholdsFlag('top1_agreement>=high')).toThrow('option "--threshold top1_agreement" expected a number from 0 to 1, received "high"');
    expect(() => parseThresholdsFlag('sqnr_db>=-Infinity')).toThrow('option "--threshold sqnr_db" expected a finite number, received -Infinity');
  });

  test('object form: unknown keys and bad values are TypeErrors naming the caller', () => {
    expect(() => checkThresholds('runTier4', 'thresholds', { cosine: 0.999, kl_divergence: undefined })).not.toThrow();
    expect(() => checkThresholds('runTier4', 'thresholds', { relative_error: -1 })).toThrow('runTier4: option "thresholds.relative_error" expected a finite number >= 0, received -1');
    expect(() => checkThresholds('runTier4', 'thresholds', { sqnr_db: Number.NaN })).toThrow('runTier4: option "thresholds.sqnr_db" expected a finite number, received NaN');
    expect(() => checkThresholds('tier4()', 'thresholds', [])).toThrow('tier4(): option "thresholds" expected an object such as { fp32: 1e-4, quantized: 1e-2, sqnr_db: 20 }, received []');
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
