/**
 * Step 3 of runTier4, per format: open the format's runner. Opening and the parity runs hold the
 * run's timing gate shared (other validations may open and compare meanwhile, nobody times); the
 * Python worker is leased or started before the gate is taken, so a Python start does not hold up
 * another validation's timings. A runner that cannot be opened fails its format, not the run.
 */
import type { ValidationWorkers } from '../../runtimes/pool/validation-workers.js';
import { openRunner, runnerNeedsPythonWorker } from '../../runtimes/registry.js';
import type { ModelRunner, OpenRunnerOptions } from '../../runtimes/types.js';
import type { WorkerChannel } from '../../runtimes/worker-runner.js';
import type { RunPlan } from './01-plan.js';
import type { FormatArtifact } from './02-artifact.js';
import { isWorkerTimeout, timeoutReason } from '../timeouts.js';
import { errorLine } from './errors.js';

/** The options every runner of this run is opened with (the worker only for a runner that needs it). */
export async function runnerOptions(plan: RunPlan, workers: ValidationWorkers, format: string): Promise<OpenRunnerOptions & { worker?: WorkerChannel }> {
  const { options } = plan;
  return {
    threads: plan.threads,
    ...(options.python ? { python: options.python } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.trustModelSource === true ? { trustModelSource: true } : {}),
    ...(runnerNeedsPythonWorker(format) ? { worker: await workers.worker() } : {}),
  };
}

/** An opened runner and the release of the shared timing gate it was opened under. */
export interface OpenedFormat {
  runner: ModelRunner;
  /** Releases the shared gate (idempotent): before latency is timed, and on every way out. */
  releaseGate: () => void;
}

/**
 * Opens the runner of `fa.format` holding the timing gate shared; on failure the entry fails with
 * `cannot open: ...` and null is returned (the gate is released). Rethrows when the run was aborted.
 */
export async function openFormatRunner(plan: RunPlan, workers: ValidationWorkers, fa: FormatArtifact): Promise<OpenedFormat | null> {
  const { format, entry } = fa;
  const { options, log } = plan;
  plan.parityReport[format] = {};
  // lease (or start) the worker before taking the gate: waiting for a Python start must not hold up others' timings
  if (runnerNeedsPythonWorker(format)) await workers.worker().catch(() => undefined);
  let ungate: (() => void) | undefined = await workers.gate('shared');
  const releaseGate = (): void => {
    ungate?.();
    ungate = undefined;
  };
  try {
    log(`${format}: opening ${fa.path}`);
    const runner = await openRunner(format, plan.ed, await runnerOptions(plan, workers, format));
    entry.runtime = runner.runtime;
    entry.threads = runner.threading ?? null;
    return { runner, releaseGate };
  } catch (err) {
    releaseGate();
    if (options.signal?.aborted) throw err;
    entry.status = 'fail';
    entry.timeout = isWorkerTimeout(err) ? plan.timeouts.record(format, 'open', null, err, errorLine(err)) : null;
    entry.reason = entry.timeout ? timeoutReason(entry.timeout, options.timeoutMs) : `cannot open: ${errorLine(err)}`;
    log(`${format}: ${entry.reason}`);
    return null;
  }
}
