/**
 * Step 4 of runTier4, per format: run every checked sample and compare each output with its
 * reference (shape, then parity at the output's tolerance). Collects what the verdict (step 5)
 * needs; a sample that cannot be run fails parity and is named in the reason.
 */
import { checkParity } from '../../parity/index.js';
import type { QuantizationMetricsCollector } from '../../quantization/section.js';
import { quantizationCollector } from '../../quantization/step.js';
import { feedsFor, unusedInputs } from '../../runtimes/inputs.js';
import type { ModelRunner } from '../../runtimes/types.js';
import { ParityAggregate } from '../aggregate.js';
import { nonFiniteParityReason, referenceNonFiniteReason } from '../non-finite.js';
import { OutputTally, toleranceFor } from '../outputs.js';
import { AgreementAccumulator } from '../scale-verdict.js';
import { bindInputDims, checkOutputShape } from '../shape.js';
import { isSizeError, type SampleOutcome } from '../specialisation.js';
import { isWorkerTimeout } from '../timeouts.js';
import type { Tier4SampleReport } from '../types.js';
import type { RunPlan } from './01-plan.js';
import type { FormatArtifact } from './02-artifact.js';
import { errorLine } from './errors.js';

/** What the samples of one format gave. */
export interface FormatComparison {
  /** Parity figures and the worst failure over every compared output. */
  parity: ParityAggregate;
  /** The first failure that is not a parity statistic (a run error, a missing output, a shape, a non-finite reference). */
  firstFail: string | null;
  /** Per sample: its dim bindings and whether it failed (to diagnose a graph fixed to its traced size). */
  outcomes: SampleOutcome[];
  /** Scale-free statistics per output over all samples. */
  agreement: AgreementAccumulator;
  /** Per-output pass counts (`formats.<format>.outputs`). */
  tally: OutputTally;
  /** The quantization metrics of a quantized export's format, or null. */
  collector: QuantizationMetricsCollector | null;
}

/** Runs the samples of `plan` through `runner` and compares them; fills `plan.parityReport[format]`. */
export async function compareSamples(plan: RunPlan, fa: FormatArtifact, runner: ModelRunner): Promise<FormatComparison> {
  const { md, options, samples, warnings, tolerance } = plan;
  const { format } = fa;
  const report: Record<string, Tier4SampleReport> = (plan.parityReport[format] ??= {});
  const parity = new ParityAggregate();
  const tally = new OutputTally();
  const outcomes: SampleOutcome[] = [];
  const agreement = new AgreementAccumulator();
  const collector = quantizationCollector(plan.ed, format);
  let firstFail: string | null = null;
  // torch.onnx.export drops inputs the graph does not use: such a sample input is not fed,
  // and the warning tells the deployment engineer the artifact's signature differs
  const feeds = feedsFor(runner.inputNames);
  const unused = unusedInputs(runner.inputNames, samples.flatMap((s) => Object.keys(s.inputs)));
  plan.cross.markInputsDropped(format, unused);
  if (unused.length > 0) {
    warnings.push(
      `${format}: the model takes no input ${unused.map((n) => `'${n}'`).join(', ')} (its inputs: ${runner.inputNames.join(', ')}); ` +
        `not fed (torch.onnx.export drops inputs the graph does not use: do not send ${unused.length === 1 ? 'it' : 'them'} when serving)`,
    );
  }
  for (const sample of samples) {
    options.signal?.throwIfAborted();
    const sr: Tier4SampleReport = { batch_size: sample.batchSize, outputs: {}, error: null };
    report[sample.id] = sr;
    let outputs;
    try {
      const refused = plan.sampleErrors.get(sample.id);
      if (refused !== undefined) throw new Error(refused);
      const t0 = performance.now();
      outputs = (await runner.run(feeds(sample.inputs), plan.timeouts.runOptions(format, sample.batchSize))).outputs;
      plan.timeouts.observe(format, sample.id, sample.batchSize, performance.now() - t0);
      plan.cross.add(format, sample.id, outputs);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      sr.error = errorLine(err);
      // a timeout is its own reason (the worker was killed): the samples after it are not run
      if (isWorkerTimeout(err)) {
        fa.entry.timeout = plan.timeouts.record(format, 'run', sample.id, err, sr.error);
        break;
      }
      parity.runFailed();
      firstFail ??= `run failed on ${sample.id}: ${sr.error}`;
      outcomes.push({ id: sample.id, bindings: bindInputDims(md.inputs, sample.inputs), failed: true, implicates: isSizeError(err instanceof Error ? err.message : String(err)) ? 'all' : [] });
      continue;
    }
    parity.checkedSample(sample.id);
    const bindings = bindInputDims(md.inputs, sample.inputs);
    const sampleBindings = { ...bindings };
    let sampleFailed = false;
    const implicated = new Set<string>();
    const names = [...new Set([...md.outputs.map((o) => o.name), ...Object.keys(sample.outputs)])];
    for (const name of names) {
      const ref = sample.outputs[name];
      const spec = md.outputs.find((o) => o.name === name);
      const act = outputs[name];
      if (!ref) continue; // declared output without a reference file: nothing to compare
      if (!act) {
        const missing = `output '${name}' missing; the format returned [${Object.keys(outputs).join(', ')}]`;
        sr.outputs[name] = {
          parity: null,
          shape: { status: 'fail', actual: [], expected: spec ? [...spec.shape] : [...ref.shape], reference: [...ref.shape], bindings: { ...bindings }, reason: missing },
        };
        parity.addShape('fail');
        firstFail ??= `${sample.id}: ${missing}`;
        tally.fail(name, sample.id, toleranceFor(name, tolerance, options.outputThresholds).atol);
        sampleFailed = true;
        continue;
      }
      const sc = checkOutputShape(name, act.shape, spec ? spec.shape : ref.shape, ref.shape, bindings);
      parity.addShape(sc.status === 'fail' ? 'fail' : 'ok');
      if (sc.status === 'fail') {
        firstFail ??= `${sample.id}: ${sc.reason}`;
        sampleFailed = true;
        // the dynamic dims whose output axes came back with another size than the sample's
        (spec?.shape ?? []).forEach((d, axis) => {
          if (typeof d === 'string' && sc.actual.length === spec!.shape.length && sc.actual[axis] !== sampleBindings[d]) implicated.add(d);
        });
      }
      const outputTolerance = toleranceFor(name, tolerance, options.outputThresholds);
      const p = checkParity(act, ref, outputTolerance, { histogram: true });
      collector?.add(name, act, ref, p);
      tally.add(name, sample.id, p, outputTolerance.atol);
      if (p.status === 'fail') sampleFailed = true;
      sr.outputs[name] = { parity: p, shape: sc };
      agreement.add(name, p);
      parity.add(sample.id, name, p, p.status === 'fail' ? (nonFiniteParityReason(name, sample.id, p, act) ?? undefined) : undefined);
      // a NaN reference equals a NaN output: the export fails unless the user allows it here
      const refBad = referenceNonFiniteReason(name, sample.id, ref, options.allowNonFinite);
      if (refBad !== null) {
        parity.sampleFailed(sample.id);
        sampleFailed = true;
        firstFail ??= refBad;
      }
    }
    outcomes.push({ id: sample.id, bindings: sampleBindings, failed: sampleFailed, implicates: [...implicated] });
  }
  return { parity, firstFail, outcomes, agreement, tally, collector };
}
