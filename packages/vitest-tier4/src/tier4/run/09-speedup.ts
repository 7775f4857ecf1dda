/**
 * Step 9 of runTier4: the speed-up against eager PyTorch. The eager baseline runner (the one the
 * registry marks `eagerBaseline`) is timed like the formats and divides each timed format's mean
 * and p50 latency. A model source the user did not trust is not imported: the speed-up is then not
 * measured and a warning says how to allow it (docs/trust-model.md).
 */
import { measureLatency } from '../../latency/measure.js';
import { UntrustedModelSourceError, untrustedModelSourceCode } from '../../runtimes/model-source.js';
import type { ValidationWorkers } from '../../runtimes/pool/validation-workers.js';
import { openRunner } from '../../runtimes/registry.js';
import type { ModelRunner } from '../../runtimes/types.js';
import { latencyBlock } from '../aggregate.js';
import { applyEagerNondeterminism, eagerNondeterminism } from '../diagnose-eager.js';
import type { RunPlan } from './01-plan.js';
import { runnerOptions } from './03-open-runner.js';
import { isWorkerTimeout, timeoutAdvice, timeoutStep } from '../timeouts.js';
import { errorLine } from './errors.js';

/** The warnings of a speed-up that was not measured start with this. */
export const SPEEDUP_NOT_MEASURED = 'speed-up vs PyTorch not measured: ';

/** Times the eager baseline and fills the speed-up fields of every format in `timed`. */
export async function measureSpeedup(plan: RunPlan, workers: ValidationWorkers, timed: readonly string[]): Promise<void> {
  const { options, ed, log, warnings, baseline, latency } = plan;
  const sample = plan.samples[0];
  if (!latency || !sample || timed.length === 0) return;
  if (baseline === null) {
    warnings.push(`${SPEEDUP_NOT_MEASURED}no eager baseline runner is registered`);
    return;
  }
  const untrustedCode = options.trustModelSource === true ? null : untrustedModelSourceCode(ed);
  if (untrustedCode !== null) {
    warnings.push(`${SPEEDUP_NOT_MEASURED}${new UntrustedModelSourceError(ed.dir, untrustedCode).message}`);
    return;
  }
  options.signal?.throwIfAborted();
  let eager: ModelRunner | undefined;
  try {
    log(`${baseline}: measuring the eager baseline`);
    await workers.worker().catch(() => undefined);
    const opened = await workers.gated('shared', async () => openRunner(baseline, ed, await runnerOptions(plan, workers, baseline)));
    eager = opened;
    // two runs of one sample that differ: the references are random draws (tier4/diagnose-eager.ts)
    applyEagerNondeterminism(await workers.gated('shared', () => eagerNondeterminism(opened, sample.id, sample.inputs)), plan.formats, warnings);
    const l = await workers.gated('exclusive', () =>
      measureLatency(opened, sample.inputs, {
        // the formats' rule: the same iterations, warm-up and time budget
        iterations: latency.iterations,
        warmup: latency.warmup,
        minIterations: latency.minIterations,
        timeBudgetMs: latency.timeBudgetMs,
        ...plan.timeouts.timeOptions(null, sample.batchSize, latency.iterations + latency.warmup),
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    );
    // the baseline has no budget of its own
    const base = latencyBlock({ ...l, budget_ms: null, budget_status: null }, sample);
    for (const format of timed) {
      const entry = plan.formats[format]!;
      entry.pytorch_latency = base;
      entry.pytorch_threads = eager?.threading ?? null;
      entry.speedup_vs_pytorch = entry.latency_ms && entry.latency_ms > 0 ? base.mean_ms / entry.latency_ms : null;
      entry.speedup_vs_pytorch_p50 = entry.latency_p50_ms && entry.latency_p50_ms > 0 ? base.p50_ms / entry.latency_p50_ms : null;
      entry.speedup_clock =
        entry.latency!.clock === base.clock
          ? `both timed by ${base.clock}`
          : `eager PyTorch timed by ${base.clock}; ${format} timed by ${entry.latency!.clock} (different clocks and processes)`;
    }
  } catch (err) {
    if (options.signal?.aborted) throw err;
    const advice = isWorkerTimeout(err) ? `; ${timeoutAdvice(plan.timeouts.record(null, timeoutStep(err), sample.id, err, errorLine(err)), options.timeoutMs)}` : '';
    warnings.push(`${SPEEDUP_NOT_MEASURED}the eager baseline failed: ${errorLine(err)}${advice}`);
  } finally {
    await eager?.close().catch(() => undefined);
  }
}
