/**
 * Eager PyTorch runner (format `"pytorch"`): rebuilds the fp32 model of an export dir in the
 * Python worker from metadata.json's `model_source`, with the `model.pth` state dict loaded on top
 * when the export has one (otherwise the factory's own weights: the same for a built-in model, and
 * irrelevant to latency). It is the baseline of the speed-up ratio.
 *
 * A model source that is a Python file named by the export dir runs only with
 * `trustModelSource: true` (docs/trust-model.md).
 */
import { assertModelSourceTrusted } from './model-source.js';
import type { RunnerDefinition } from './registry.js';
import { resolveExportDirTarget } from './target.js';
import type { ModelRunner, OpenRunnerOptions, RunnerTarget } from './types.js';
import { loadInWorker, type WorkerRunnerOptions } from './worker-runner.js';

/** Options of {@link openEagerRunner}: the worker runners' options and `trustModelSource`. */
export type EagerRunnerOptions = WorkerRunnerOptions & Pick<OpenRunnerOptions, 'trustModelSource'>;

/**
 * Opens the eager PyTorch model of an export dir.
 *
 * @param target - an export dir (path or opened); a bare file cannot be rebuilt.
 * @throws UntrustedModelSourceError when the model source is a Python file and
 *   `options.trustModelSource` is not `true` (nothing is started or imported), Error when the export
 *   has no `model_source`, PythonWorkerError when the model source
 *   cannot be rebuilt or a listed model.pth is missing.
 */
export async function openEagerRunner(target: RunnerTarget, options: EagerRunnerOptions = {}): Promise<ModelRunner> {
  const resolved = await resolveExportDirTarget('pytorch', target, options);
  if (!resolved.exportDir) {
    throw new Error(`The eager PyTorch model needs an export dir (metadata.json with model_source), received the file ${resolved.file}`);
  }
  // The eager model is rebuilt from model_source (+ model.pth when the export has one, see worker.py).
  if (resolved.exportDir.metadata.model_source === null) {
    throw new Error(
      `Export dir ${resolved.exportDir.dir} has no model_source in metadata.json (export_model was given an in-memory model): the eager model cannot be rebuilt`,
    );
  }
  assertModelSourceTrusted(resolved.exportDir, options.trustModelSource);
  const load = { kind: 'eager', export_dir: resolved.exportDir.dir, trust_model_source: options.trustModelSource === true };
  return loadInWorker('pytorch', resolved.exportDir.dir, load, options, resolved);
}

/** The `pytorch` runner: The eager PyTorch model rebuilt in the Python worker: the baseline of the speed-up. Registered by runtimes/builtin.ts. */
export const EAGER_RUNNER: RunnerDefinition = {
  format: 'pytorch',
  open: (target, options) => openEagerRunner(target, options),
  needs: { pythonWorker: true },
  eagerBaseline: true,
};
