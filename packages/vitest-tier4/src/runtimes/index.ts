/** Runtimes barrel: importing it registers the built-in runners (onnx, torchscript, pytorch). */
export * from './types.js';
export { openRunner, registerRunner, registeredFormats, hasRunner, runnerArtifact, type RegisterRunnerOptions } from './registry.js';
export { openOnnxRunner, clearOnnxSessionCache, onnxSessionCacheSize, onnxRuntimeVersion, type OnnxRunnerOptions } from './onnx.js';
export { openTorchScriptRunner, type TorchScriptRunnerOptions } from './torchscript.js';
export { openEagerRunner, type EagerRunnerOptions } from './pytorch.js';
export { UntrustedModelSourceError, assertModelSourceTrusted, untrustedModelSourceCode, TRUST_MODEL_SOURCE_HINT } from './model-source.js';
export {
  PythonWorker,
  PythonWorkerError,
  livePythonWorkers,
  sharedPythonWorker,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_START_TIMEOUT_MS,
  type PythonWorkerErrorCode,
  type PythonWorkerOptions,
  type RequestOptions,
  type WorkerHello,
  type WorkerResponse,
} from './python-worker.js';
export type { WorkerRunnerOptions } from './worker-runner.js';
export { resolveTarget, summarizeErrorText, type ResolvedTarget } from './target.js';
