import { defineConfig } from 'vitest/config';
import { tier4 } from 'vitest-tier4/plugin';

export default defineConfig({
  plugins: [
    // The one line: matchers, the Tier 4 reporter and the fixture build.
    tier4({
      thresholds: { fp32: 1e-4, quantized: 1e-2 },
      // `npm run demo` leaves the verdict at the repository root.
      reportPath: '../tier4-report.json',
      fixtures: {
        cnn: { model: 'simple_cnn' },
        lm: { model: 'lm_stub' },
        // ONNX export of a dynamically quantized model fails in torch 1.13: ask for what exists.
        lmQuantized: { model: 'lm_stub', quantization: 'dynamic', formats: ['torchscript', 'pytorch'] },
        // models shaped like users' projects (examples/models/): two inputs, two outputs, torchvision
        textClassifier: { model: { file: 'models/text_classifier.py', factory: 'make_model' } },
        regressor: { model: { file: 'models/regressor.py', factory: 'make_model' } },
        resnet18: { model: { file: 'models/resnet18.py', factory: 'make_model' } },
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
