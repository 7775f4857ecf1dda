import { expect, test } from 'vitest';
import { BUILTIN_RUNNERS, eagerBaselineFormat, registerRunner, registeredFormats, runnerNeedsPythonWorker } from '../../src/runtimes/index.js';

test('the built-in runners are registered from their explicit list and declare what they need', () => {
  expect(BUILTIN_RUNNERS.map((r) => r.format)).toEqual(['onnx', 'torchscript', 'pytorch']);
  expect(registeredFormats().slice(0, 3)).toEqual(['onnx', 'torchscript', 'pytorch']);
  expect(runnerNeedsPythonWorker('onnx')).toBe(false);
  expect(runnerNeedsPythonWorker('torchscript')).toBe(true);
  expect(runnerNeedsPythonWorker('pytorch')).toBe(true);
  expect(eagerBaselineFormat()).toBe('pytorch');
});

test('a user runtime declares its needs in the registerRunner call', () => {
  registerRunner('tflite-in-python', () => Promise.reject(new Error('not opened in this test')), { needs: { pythonWorker: true } });
  expect(runnerNeedsPythonWorker('tflite-in-python')).toBe(true);
  expect(eagerBaselineFormat()).toBe('pytorch');
});
