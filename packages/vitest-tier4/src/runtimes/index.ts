/** Runtimes barrel. The built-in runners (onnx, torchscript, pytorch) are listed in builtin.ts and registered by registry.ts. */
export * from './types.js';
export {
  eagerBaselineFormat,
  hasRunner,
  openRunner,
  registerRunner,
  registerRunnerDefinition,
  registeredFormats,
  runnerArtifact,
  runnerNeedsPythonWorker,
  type RegisterRunnerOptions,
  type RunnerDefinition,
  type RunnerNeeds,
} from './registry.js';
export { BUILTIN_RUNNERS } from './builtin.js';
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
export { resolveExportDirTarget, resolveTarget, summarizeErrorText, type ResolvedTarget } from './target.js';
export type { DeclaredInput } from './inputs.js';
