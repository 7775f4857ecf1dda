/**
 * A non-deterministic eager model (issue 8, item 5): when two runs of the eager PyTorch model on one
 * sample differ, its reference samples are random draws and no export can match them. The classic
 * cause is dropout that ignores `model.eval()` (`F.dropout(x, p)`, whose `training` defaults to true).
 * The verdict says so instead of blaming every format.
 *
 * Checked where the eager model already runs: the speed-up's eager baseline (latency measured, model
 * source built in or trusted).
 */
import { checkParity } from '../parity/check.js';
import { formatValue } from '../parity/format.js';
import type { ModelRunner, TensorMap } from '../runtimes/types.js';
import type { Tier4FormatReport } from './types.js';

/**
 * Runs beyond the first: a second, and a third when the second agrees with the first. A random op over
 * few values can draw the same outcome twice (dropout over 4 features did for 116 of 2000 seeds); a
 * third run makes that the square of the odds, for one forward pass of a deterministic model.
 */
const MAX_RUNS = 3;

/** The outputs of `later` that differ from `first` under the fp32 preset, as sentence parts. */
function differences(first: TensorMap, later: TensorMap, run: number): string[] {
  const differing: string[] = [];
  for (const [name, a] of Object.entries(first)) {
    const b = later[name];
    if (!b) continue;
    let p;
    try {
      p = checkParity(b, a, 'fp32');
    } catch {
      differing.push(`output '${name}' changed shape or dtype`);
      continue;
    }
    if (p.status !== 'ok') differing.push(`output '${name}': ${p.mismatched}/${p.numel} elements differ, max |run ${run} - run 1| ${formatValue(p.max_abs_diff)}`);
  }
  return differing;
}

/**
 * Runs `runner` on `inputs` up to three times and compares each later run with the first, output by
 * output, under the fp32 preset (so that a kernel's summation order is not taken for randomness); it
 * stops at the first run that differs. Returns the sentence for the verdict, or null when every run
 * agrees.
 *
 * @param sample - The sample's id (for the message).
 */
export async function eagerNondeterminism(runner: ModelRunner, sample: string, inputs: TensorMap): Promise<string | null> {
  const first = (await runner.run(inputs)).outputs;
  let differing: string[] = [];
  for (let run = 2; run <= MAX_RUNS && differing.length === 0; run++) {
    differing = differences(first, (await runner.run(inputs)).outputs, run);
  }
  if (differing.length === 0) return null;
  return (
    `the eager model is not deterministic: dropout left in training mode? Two runs of ${sample} differ (${differing.slice(0, 3).join('; ')}), ` +
    'so its reference samples are random draws no export can match: use F.dropout(x, p, training=self.training) or nn.Dropout, and export again'
  );
}

/** Names a non-deterministic eager model in the verdict: a warning, and the lead of each failing format's reason. */
export function applyEagerNondeterminism(reason: string | null, formats: Record<string, Tier4FormatReport>, warnings: string[]): void {
  if (reason === null) return;
  warnings.push(reason);
  for (const entry of Object.values(formats)) {
    if (entry.parity === 'fail') entry.reason = entry.reason ? `${reason}; ${entry.reason}` : reason;
  }
}
