/**
 * createTier4Helpers on plain provided records (no plugin run): the errors a test author sees for
 * an unknown fixture name and for an export that has no ONNX file.
 */
import { describe, expect, test } from 'vitest';
import { createTier4Helpers, type Tier4ProvidedFixture } from '../../src/plugin/test-context.js';

const quantized: Tier4ProvidedFixture = {
  name: 'lmQuantized',
  dir: '/cache/lm_stub-dynamic-abc',
  key: 'lm_stub-dynamic-abc',
  cached: true,
  paths: { metadata: '/cache/lm_stub-dynamic-abc/metadata.json', torchscript: '/cache/lm_stub-dynamic-abc/model.torchscript' },
  task_name: 'lm_stub',
  quantization: 'dynamic',
  formats_written: ['torchscript', 'pytorch'],
  formats_failed: { onnx: 'RuntimeError: quantized::linear_dynamic is not supported\nTraceback ...' },
  sample_count: 10,
};

describe('createTier4Helpers', () => {
  const helpers = createTier4Helpers({ lmQuantized: quantized }, { quantized: 1e-2 });

  test('an export without ONNX: onnx() and session() name the formats written and why ONNX failed', () => {
    const message =
      "vitest-tier4: fixture 'lmQuantized' has no ONNX file (formats written: torchscript, pytorch; ONNX export failed: RuntimeError: quantized::linear_dynamic is not supported)";
    expect(() => helpers.onnx('lmQuantized')).toThrow(message);
    expect(() => helpers.session('lmQuantized')).toThrow(message);
  });

  test('an unknown name lists the fixtures the plugin built, or says none were', () => {
    expect(() => helpers.info('cnn')).toThrow("vitest-tier4: no fixture named 'cnn'; the tier4() plugin built 'lmQuantized'");
    expect(() => createTier4Helpers({}, null).exportDir('cnn')).toThrow(
      "vitest-tier4: no fixture named 'cnn'; the tier4() plugin built none (add it to the plugin option `fixtures`)",
    );
  });

  test('thresholds and fixtures are what was provided', () => {
    expect(helpers.thresholds).toEqual({ quantized: 1e-2 });
    expect(helpers.info('lmQuantized').paths.torchscript).toMatch(/model\.torchscript$/);
  });
});
