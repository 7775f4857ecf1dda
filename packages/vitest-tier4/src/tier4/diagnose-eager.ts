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
 * Runs `runner` twice on `inputs` and compares the runs output by output under the fp32 preset (so
 * that a kernel's summation order is not taken for randomness). Returns the sentence for the verdict,
 * or null when both runs agree.
 *
 * @param sample - The sample's id (for the message).
 */
export async function eagerNondeterminism(runner: ModelRunner, sample: string, inputs: TensorMap): Promise<string | null> {
  const first = (await runner.run(inputs)).outputs;
  const second = (await runner.run(inputs)).outputs;
  const differing: string[] = [];
  for (const [name, a] of Object.entries(first)) {
    const b = second[name];
    if (!b) continue;
    let p;
    try {
      p = checkParity(b, a, 'fp32');
    } catch {
      differing.push(`output '${name}' changed shape or dtype`);
      continue;
    }
    if (p.status !== 'ok') differing.push(`output '${name}': ${p.mismatched}/${p.numel} elements differ, max |run 2 - run 1| ${formatValue(p.max_abs_diff)}`);
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
