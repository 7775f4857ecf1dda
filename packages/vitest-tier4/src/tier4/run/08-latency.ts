/**
 * Step 8 of runTier4, per format: measure the format's latency on the first sample, holding the
 * run's timing gate exclusive (no other validation runs a model meanwhile). An overrun budget
 * warns or fails the format as configured; a measurement that fails is a warning, never a verdict.
 */
import { measureLatency } from '../../latency/measure.js';
import { feedsFor } from '../../runtimes/inputs.js';
import type { ValidationWorkers } from '../../runtimes/pool/validation-workers.js';
import type { ModelRunner } from '../../runtimes/types.js';
import { latencyBlock, latencyFields, worseStatus } from '../aggregate.js';
import type { PlannedLatency, RunPlan } from './01-plan.js';
import type { FormatArtifact } from './02-artifact.js';
import { isWorkerTimeout, timeoutReason } from '../timeouts.js';
import { errorLine } from './errors.js';

/** The rule of a planned measurement, for the log. */
export function latencyRule(l: PlannedLatency): string {
  return l.timeBudgetMs === null
    ? `${l.iterations} iterations after ${l.warmup} warm-up`
    : `${l.minIterations} to ${l.iterations} iterations, stopping at ${l.timeBudgetMs} ms measured, after ${l.warmup} warm-up`;
}

/** Measures `runner`'s latency into `fa.entry`; returns whether it was timed (the speed-up's formats). */
export async function measureFormatLatency(plan: RunPlan, workers: ValidationWorkers, fa: FormatArtifact, runner: ModelRunner): Promise<boolean> {
  const { options, log, warnings } = plan;
  const { format, entry } = fa;
  const latency = plan.latency;
  const sample = plan.samples[0];
  if (!latency || !sample || entry.samples_checked === 0 || entry.timeout) return false;
  try {
    log(`${format}: measuring latency (${latencyRule(latency)})`);
    const inputs = feedsFor(runner.inputNames)(sample.inputs);
    const l = await workers.gated('exclusive', () =>
      measureLatency(runner, inputs, {
        ...latency,
        ...plan.timeouts.timeOptions(format, sample.batchSize, latency.iterations + latency.warmup),
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    );
    Object.assign(entry, latencyFields(latencyBlock(l, sample)));
    if (l.status !== 'ok') {
      entry.status = worseStatus(entry.status, l.status);
      warnings.push(`${format}: ${l.message}`);
      entry.reason ??= l.message;
    }
    return true;
  } catch (err) {
    if (options.signal?.aborted) throw err;
    entry.timeout = isWorkerTimeout(err) ? plan.timeouts.record(format, 'latency', sample.id, err, errorLine(err)) : null;
    warnings.push(`${format}: ${entry.timeout ? timeoutReason(entry.timeout, options.timeoutMs) : `latency not measured: ${errorLine(err)}`}`);
    return false;
  }
}
