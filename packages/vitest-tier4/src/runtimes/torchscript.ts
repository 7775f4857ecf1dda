/**
 * TorchScript runner: the `.torchscript` file is loaded once in a long-lived Python worker
 * (see python-worker.ts) and timed there, so that the pipe is not measured.
 */
import type { RunnerDefinition } from './registry.js';
import { resolveTarget } from './target.js';
import type { ModelRunner, RunnerTarget } from './types.js';
import { loadInWorker, type WorkerRunnerOptions } from './worker-runner.js';

/** Options of {@link openTorchScriptRunner}. */
export type TorchScriptRunnerOptions = WorkerRunnerOptions;

/**
 * Opens a TorchScript runner.
 *
 * @param target - export dir (path or opened) or `.torchscript` file path.
 * @param options - interpreter, timeouts, abort signal, or a shared `worker`.
 * @throws PythonWorkerError naming the file when it cannot be loaded (code `remote`), or when the
 *   worker cannot start.
 */
export async function openTorchScriptRunner(
  target: RunnerTarget,
  options: TorchScriptRunnerOptions = {},
): Promise<ModelRunner> {
  const resolved = await resolveTarget('torchscript', target, options);
  return loadInWorker('torchscript', resolved.file, { kind: 'torchscript', path: resolved.file }, options, resolved);
}

/** The `torchscript` runner: torch.jit.load in the Python worker. Registered by runtimes/builtin.ts. */
export const TORCHSCRIPT_RUNNER: RunnerDefinition = {
  format: 'torchscript',
  open: (target, options) => openTorchScriptRunner(target, options),
  needs: { pythonWorker: true },
};
