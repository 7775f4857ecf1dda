// Export tests of torchvision's resnet18 (examples/models/resnet18.py, seeded random weights): the
// classifier people actually deploy, with a deployment gate on the artifact size.
import { describe, expect } from 'vitest';
import { tier4Test as test } from 'vitest-tier4/test';

describe('resnet18 export', () => {
  test('ONNX and TorchScript match PyTorch within 1e-4; both artifacts under 50 MB', async ({ validate }) => {
    // resnet18 takes ~0.1 s a forward in eager PyTorch here: a short latency run keeps the demo quick
    const report = await validate('resnet18', { latency: { iterations: 10, warmup: 2 }, gates: { maxArtifactBytes: 50e6, maxArtifactLevel: 'fail' } });
    expect(report.status).toBe('ok');
    for (const format of ['onnx', 'torchscript']) {
      const f = report.formats[format]!;
      expect(f).toMatchObject({ status: 'ok', parity: 'ok', shape: 'ok', samples_checked: 10 });
      expect(f.max_abs_diff).toBeLessThan(1e-4);
      expect(f.gates!.find((g) => g.name === 'max_artifact_bytes')).toMatchObject({ status: 'ok' });
    }
  });
});
