/**
 * One meaning per preset (issue 8, item 3): `fp32` is the parity core's preset (atol 1e-4, rtol 1e-4)
 * in toMatchParity, runTier4, the CLI and the reporter; a threshold replaces its atol only.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import '../../src/setup.js';
import { PRESETS, presetTolerance, resolveTolerance } from '../../src/parity/tolerance.js';
import { renderSummaryTable } from '../../src/cli/table.js';
import { DEFAULT_TIER4_THRESHOLDS, describeFormatTolerance, thresholdTolerance } from '../../src/tier4/outputs.js';
import { runTier4 } from '../../src/tier4/run.js';
import type { Tier4Report } from '../../src/tier4/types.js';
import { failureOf } from '../matchers/helpers.js';
import { cleanupTmp, copyExport, fixture, scaleOnnxOutput } from './helpers.js';

afterAll(cleanupTmp);

describe('one definition of each preset', () => {
  test('runTier4 defaults and tolerances come from the parity core presets', () => {
    expect(DEFAULT_TIER4_THRESHOLDS).toEqual({ fp32: PRESETS.fp32.atol, quantized: PRESETS.quantized.atol });
    expect(thresholdTolerance('fp32', 1e-4)).toEqual({ preset: 'fp32', atol: 1e-4, rtol: 1e-4 });
    expect(thresholdTolerance('quantized', 1e-2)).toEqual({ preset: 'quantized', atol: 1e-2, rtol: 0 });
    for (const preset of ['fp32', 'quantized'] as const) {
      for (const atol of [PRESETS[preset].atol, 3e-5]) {
        const matcher = resolveTolerance({ [preset]: atol }).description;
        expect(resolveTolerance(thresholdTolerance(preset, atol)).description).toBe(matcher);
        expect(presetTolerance(preset, atol).description).toBe(matcher);
        expect(describeFormatTolerance({ threshold_preset: preset, threshold: atol, threshold_rtol: thresholdTolerance(preset, atol).rtol })).toBe(matcher);
      }
    }
    expect(presetTolerance('fp32').description).toBe('preset fp32 (atol 1e-4, rtol 1e-4)');
    expect(presetTolerance('fp32', 1e-5).description).toBe('preset fp32 (atol 1e-5, rtol 1e-4)');
    expect(presetTolerance('quantized').description).toBe('preset quantized (atol 0.01, rtol 0, statistic mean)');
    expect(() => presetTolerance('fp33' as never)).toThrow("tolerance: unknown preset 'fp33' (expected one of fp32, fp16, bf16, quantized, exact)");
    expect(() => presetTolerance('fp32', -1)).toThrow('tolerance: expected fp32 to be a finite number >= 0, received -1');
  });
});

describe('runTier4 and toMatchParity judge the same tensors the same way', () => {
  // ONNX logits scaled by (1 + e): |a - r| = e |r|, above atol 1e-4 on the largest logits, and within
  // atol + rtol |r| everywhere only when e <= 1e-4 (SQNR 20 log10(1/e) stays above the 60 dB gate)
  async function scaled(e: number): Promise<Tier4Report> {
    const fx = await fixture('lm_stub');
    const dir = await copyExport(fx.dir);
    await scaleOnnxOutput(join(fx.dir, 'model.onnx'), join(dir, 'model.onnx'), 1 + e);
    return runTier4({ exportDir: dir, formats: ['onnx'], numSamples: 2, latency: false, localise: false });
  }

  test('within rtol: ok, although max |a - r| is above the threshold (atol); the table prints the rule', async () => {
    const report = await scaled(8e-5);
    const f = report.formats.onnx!;
    expect(f).toMatchObject({ parity: 'ok', threshold: 1e-4, threshold_rtol: 1e-4, threshold_preset: 'fp32', threshold_statistic: 'elementwise' });
    expect(f.max_abs_diff!).toBeGreaterThan(1e-4); // rtol 0 would have failed it
    const p = Object.values(report.parity_report.onnx!)[0]!.outputs.logits!.parity!;
    expect(p.tolerance.description).toBe('preset fp32 (atol 1e-4, rtol 1e-4)');
    expect(renderSummaryTable(report)).toContain(
      "fp32 export: every element's |actual - reference| must be <= atol + rtol * |reference|, preset fp32 (atol 1e-4, rtol 1e-4).",
    );
  });

  test('beyond rtol: fail, and the reason names the tolerance in the words of toMatchParity', async () => {
    const f = (await scaled(4e-4)).formats.onnx!;
    expect(f.parity).toBe('fail');
    expect(f.reason).toMatch(/elements over tolerance \(preset fp32 \(atol 1e-4, rtol 1e-4\)\); max abs diff/);
    // the same reference and a tensor off by the same factor, through the matcher
    const ref = { data: new Float32Array([2, -1.5, 0.25]), dims: [1, 3], type: 'float32' };
    const act = { data: ref.data.map((x) => x * (1 + 4e-4)), dims: [1, 3], type: 'float32' };
    expect(failureOf(() => expect(act).toMatchParity(ref))).toContain('Tolerance: preset fp32 (atol 1e-4, rtol 1e-4)\n');
    // and the same tensors within rtol pass both
    expect({ ...act, data: ref.data.map((x) => x * (1 + 8e-5)) }).toMatchParity(ref);
  });
});
