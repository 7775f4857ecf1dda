// Export tests of the two-output localisation regressor (examples/models/regressor.py): outputs
// positions [B, 2] and uncertainties [B, 2] on (batch, 3, 128, 32), each named and judged on its own.
import { describe, expect } from 'vitest';
import { tier4Test as test } from 'vitest-tier4/test';

describe('regressor export', () => {
  test('both outputs named, shaped [B, 2] and within 1e-4 of PyTorch in ONNX and TorchScript', async ({ validate }) => {
    const report = await validate('regressor', { outputThresholds: { positions: 1e-4, uncertainties: 1e-4 } });
    expect(report.model.inputs).toEqual([{ name: 'pixel_values', dtype: 'float32', shape: ['batch', 3, 128, 32] }]);
    expect(report.model.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['positions', ['batch', 2]],
      ['uncertainties', ['batch', 2]],
    ]);
    expect(report.status).toBe('ok');
    for (const format of ['onnx', 'torchscript']) {
      const f = report.formats[format]!;
      expect(f.max_abs_diff).toBeLessThan(1e-4);
      expect(Object.keys(f.outputs!)).toEqual(['positions', 'uncertainties']);
      for (const output of Object.values(f.outputs!)) expect(output).toMatchObject({ status: 'ok', samples_failed: 0 });
    }
  });
});
