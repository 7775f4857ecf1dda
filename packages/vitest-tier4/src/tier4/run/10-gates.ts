/**
 * Step 10 of runTier4: the deployment gates (minimum speed-up, latency budget, maximum artifact
 * size; tier4/gates.ts) on every validated format. A failing gate's message becomes the reason of
 * a format that did not fail otherwise.
 */
import type { ExportMetadata } from 'vitest-tier4-fixtures';
import { runnerArtifact } from '../../runtimes/registry.js';
import { worseStatus } from '../aggregate.js';
import { describeGates, evaluateGates } from '../gates.js';
import type { RunPlan } from './01-plan.js';
import { SPEEDUP_NOT_MEASURED } from './09-speedup.js';

/** Evaluates the gates of every validated format into its entry, status and reason. */
export function applyGates(plan: RunPlan): void {
  const { md, options, warnings, log } = plan;
  const gateOptions = options.gates ?? {};
  const baselineMissing = warnings.find((w) => w.startsWith(SPEEDUP_NOT_MEASURED))?.slice(SPEEDUP_NOT_MEASURED.length);
  for (const [format, entry] of Object.entries(plan.formats)) {
    if (entry.skipped || entry.samples_checked === 0) continue;
    const size = md.artifacts?.[runnerArtifact(format) as keyof ExportMetadata['artifacts']]?.size_bytes ?? null;
    const why = !plan.latency ? 'latency was not measured (latency: false)' : entry.latency === null ? 'its latency was not measured' : (baselineMissing ?? 'no eager baseline');
    const gates = evaluateGates(format, entry, size, gateOptions, why);
    if (gates.length === 0) continue;
    entry.gates = gates;
    // the budget's verdict is already in; a failing gate's message becomes the reason of a format
    // that did not fail otherwise
    const notHolding = gates.filter((g) => g.status !== 'ok' && g.name !== 'latency_budget');
    for (const gate of [...notHolding.filter((g) => g.status === 'fail'), ...notHolding.filter((g) => g.status !== 'fail')]) {
      if (gate.status === 'fail' && entry.status !== 'fail') entry.reason = gate.message;
      entry.status = worseStatus(entry.status, gate.status);
      entry.reason ??= gate.message;
      warnings.push(`${format}: ${gate.message!}`);
    }
    log(`${format}: gates: ${describeGates(gates)}`);
  }
}
