// Export tests of the BERT-like text classifier (examples/models/text_classifier.py): two inputs
// fed by name, honest padding masks at two sequence lengths, ONNX and TorchScript against PyTorch.
import { describe, expect } from 'vitest';
import { tier4Test as test } from 'vitest-tier4/test';

describe('text classifier export', () => {
  test('ONNX and TorchScript match PyTorch on masked batches of 1, 4 and 3 at two lengths', async ({ validate }) => {
    const report = await validate('textClassifier');
    expect(report.model.inputs.map((i) => i.name)).toEqual(['input_ids', 'attention_mask']);
    expect(report.status).toBe('ok');
    for (const format of ['onnx', 'torchscript']) {
      const f = report.formats[format]!;
      expect(f).toMatchObject({ status: 'ok', parity: 'ok', shape: 'ok', samples_checked: 10 });
      expect(f.max_abs_diff).toBeLessThan(1e-4);
      const seen = Object.values(report.parity_report[format]!).map((s) => s.outputs['logits']!.shape.bindings);
      expect(new Set(seen.map((b) => b['batch']))).toEqual(new Set([1, 4, 3]));
    }
  });

  test('the reference masks pad at the end of rows of different real lengths', async ({ tier4 }) => {
    const dir = await tier4.exportDir('textClassifier');
    const sample = await dir.loadSample(1); // batch 4
    const [rows, length] = sample.inputs['attention_mask']!.shape as [number, number];
    const mask = sample.inputs['attention_mask']!.data as BigInt64Array;
    const lengths = Array.from({ length: rows }, (_, r) => mask.subarray(r * length, (r + 1) * length).reduce((a, b) => a + Number(b), 0));
    expect(lengths[0]).toBe(length);
    expect(lengths[1]).toBeLessThan(length);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(mask.subarray(r * length, (r + 1) * length), Number);
      expect(row).toEqual([...Array(lengths[r]).fill(1), ...Array(length - lengths[r]!).fill(0)]);
    }
  });
});
