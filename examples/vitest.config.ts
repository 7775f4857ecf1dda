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
        // dynamic int8: an int8 model.onnx (MatMulInteger, rewritten from the fp32 graph) and a
        // quantize_dynamic TorchScript, each judged against the fp32 model with a quantization section
        lmQuantized: { model: 'lm_stub', quantization: 'dynamic' },
        // models shaped like users' projects (examples/models/): two inputs, two outputs, torchvision
        textClassifier: { model: { file: 'models/text_classifier.py', factory: 'make_model' } },
        regressor: { model: { file: 'models/regressor.py', factory: 'make_model' } },
        resnet18: { model: { file: 'models/resnet18.py', factory: 'make_model' } },
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    // The test files share no mutable state (each opens and closes its own sessions and runners):
    // one test process runs them all, so onnxruntime-node, vitest-tier4 and the per-worker ONNX
    // sessions of the test context are loaded once, not once per file (measured here: about 40%
    // less CPU time for the four unit-test files; see bench/demo.mjs).
    isolate: false,
    // A validation waits its turn for the timing gate (latency phases of concurrent validations are
    // serialised so they do not time each other), so a test's time includes the other models' timed
    // phases: at load 30 on 2 cores, three validations waited behind resnet18's TorchScript latency
    // past 120 s. A hang is still cut by runTier4's own per-request worker limits.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
