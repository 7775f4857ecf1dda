/**
 * runTier4: export dir -> runners -> shape + parity on every sample -> latency and speed-up ->
 * the Tier 4 dict. This file is the order of the steps; each step is one module of `run/`:
 *
 * 1. `run/01-plan.ts`         open the export dir, load the samples, resolve thresholds and formats
 *
 *    per format:
 * 2. `run/02-artifact.ts`     find its artifact (or skip it), check the recorded digest
 * 3. `run/03-open-runner.ts`  open its runner (timing gate shared)
 * 4. `run/04-compare.ts`      run every sample, compare shapes and parity per output
 * 5. `run/05-judge.ts`        the format's verdict: absolute check, scale-free gate, reason
 * 6. `run/06-quantization.ts` a quantized export's quantization section
 * 7. `run/07-localise.ts`     a failing fp32 ONNX: where the divergence is born
 * 8. `run/08-latency.ts`      its latency (timing gate exclusive)
 *
 * 9. `run/09-speedup.ts`      the eager PyTorch baseline and the speed-ups
 * 10. `run/10-gates.ts`       deployment gates on every validated format
 * 11. `run/11-verdict.ts`     the run's verdict and the dict (written when `json` is given)
 *
 * The options, their defaults and their check are in `run/options.ts`.
 */
import { profileMark } from '../profile/marks.js';
import { validationWorkers } from '../runtimes/pool/validation-workers.js';
import { worseStatus } from './aggregate.js';
import type { Tier4Report } from './types.js';
import { writeTier4Report } from './write.js';
import { planRun } from './run/01-plan.js';
import { checkFormatArtifact } from './run/02-artifact.js';
import { openFormatRunner } from './run/03-open-runner.js';
import { compareSamples } from './run/04-compare.js';
import { judgeFormat } from './run/05-judge.js';
import { judgeQuantization } from './run/06-quantization.js';
import { localiseDivergence } from './run/07-localise.js';
import { measureFormatLatency } from './run/08-latency.js';
import { measureSpeedup } from './run/09-speedup.js';
import { applyGates } from './run/10-gates.js';
import { verdict } from './run/11-verdict.js';
import { formatValue } from '../parity/format.js';
import { checkOptions, type RunTier4Options } from './run/options.js';

export { worseStatus };
export { ExportDirReadError } from './run/errors.js';
export { DEFAULT_TIER4_SAMPLES, DEFAULT_TIER4_THRESHOLDS, defaultTier4Threads, type RunTier4Options, type Tier4LatencyOptions } from './run/options.js';


/**
 * Validates an export dir: runs every format on every checked sample, checks shapes and parity
 * against the eager PyTorch reference outputs, measures latency and the speed-up against eager
 * PyTorch, and returns the Tier 4 dict (and writes it when `json` is given).
 *
 * Verdict rules (docs/tier4-report.md): a format whose artifact is missing or failed to export
 * is skipped with a warning; no validated format gives `fail`; any parity or shape failure, or a
 * runner error, fails its format and the report; warnings without failures give `warn`.
 *
 * @throws ExportDirReadError when the export dir cannot be read (no or invalid metadata.json, a
 *   missing or corrupt reference sample), TypeError on invalid options, the signal's error when
 *   aborted. Failures of the model itself never throw: they are in the dict.
 */
export async function runTier4(options: RunTier4Options): Promise<Tier4Report> {
  checkOptions(options);
  const exportDir = typeof options.exportDir === 'string' ? options.exportDir : options.exportDir.dir;
  profileMark('validation:start', { export_dir: exportDir });
  // the end of each step, for bench/demo.mjs's per-step breakdown (nothing unless TIER4_PROFILE is set)
  const stepDone = (step: string, format: string | null = null): void => profileMark('validation:step', { export_dir: exportDir, step, format });
  const plan = await planRun(options);
  stepDone('plan');
  const { log } = plan;
  const workers = validationWorkers({
    ...(options.pool !== undefined ? { pool: options.pool } : {}),
    ...(options.python ? { python: options.python } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    log,
  });
  const timed: string[] = [];
  try {
    for (const format of plan.requested) {
      options.signal?.throwIfAborted();
      const fa = await checkFormatArtifact(plan, format);
      stepDone('artifact', format);
      if (!fa) continue;
      const opened = await openFormatRunner(plan, workers, fa);
      stepDone('open runner', format);
      if (!opened) continue;
      const { runner, releaseGate } = opened;
      try {
        const comparison = await compareSamples(plan, fa, runner);
        stepDone('compare', format);
        judgeFormat(plan, fa, comparison);
        await judgeQuantization(plan, workers, fa, comparison);
        stepDone('quantization', format);
        await localiseDivergence(plan, workers, fa);
        stepDone('localise', format);
        log(`${format}: parity ${fa.entry.parity}, shape ${fa.entry.shape}, max abs diff ${formatValue(fa.entry.max_abs_diff)}`);
        releaseGate();
        if (await measureFormatLatency(plan, workers, fa, runner)) timed.push(format);
        stepDone('latency', format);
      } finally {
        releaseGate();
        await runner.close().catch(() => undefined);
      }
    }
    await measureSpeedup(plan, workers, timed);
    stepDone('speed-up');
  } finally {
    await workers.close();
  }
  stepDone('close');
  applyGates(plan);
  const result = verdict(plan);
  profileMark('validation:end', { export_dir: plan.ed.dir, model: plan.md.task_name });
  if (options.json) await writeTier4Report(options.json, result);
  return result;
}
