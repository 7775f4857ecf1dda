/**
 * Deployment gates: the checks people set in CI beside parity. Each is `warn` or `fail` by
 * choice and lands in the format's `gates` list and, when it does not pass, in its status, its
 * reason and the verdict line.
 *
 * - `min_speedup`: the format's mean latency must be at least `value` times faster than eager
 *   PyTorch's (the export checklist asks for > 1.5x). A speed-up that was not measured (no eager
 *   baseline, latency off) cannot show the gate holds: the gate takes its level and says why.
 * - `latency_budget`: the mean latency in ms (`latency.budgetMs`; measured in latency/measure.ts,
 *   listed here so every gate is in one place).
 * - `max_artifact_bytes`: the size of the format's artifact file.
 *
 * Pure: no I/O (the artifact size comes from metadata.json's `artifacts`).
 */
import { formatValue } from '../parity/format.js';
import type { Tier4FormatReport, Tier4Gate, Tier4GateLevel } from './types.js';

/**
 * Gate options of `runTier4` (`gates`), the CLI (`--min-speedup`, `--max-artifact-mb`) and a tiers
 * config entry; their rules are `GATE_RULES` of the one option table (options/table.ts).
 */
export interface Tier4GateOptions {
  /** Minimum speed-up of the mean latency against eager PyTorch, e.g. 1.5 (none by default). */
  minSpeedup?: number;
  /** What a speed-up under `minSpeedup` does: `warn` (default) or `fail`. */
  minSpeedupLevel?: Tier4GateLevel;
  /** Maximum size of each validated format's artifact file, in bytes (none by default). */
  maxArtifactBytes?: number;
  /** What an artifact over `maxArtifactBytes` does: `warn` (default) or `fail`. */
  maxArtifactLevel?: Tier4GateLevel;
}

/** `23.4 MB` / `812 kB` / `96 B` (decimal units, as `ls -h --si` prints them). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(bytes >= 1e5 ? 0 : 1)} kB`;
  return `${bytes} B`;
}

/**
 * Evaluates the gates of one validated format.
 *
 * @param format - the format name (for the messages).
 * @param entry - its report entry after parity and latency (speed-up filled when measured).
 * @param artifactBytes - size of its artifact file (null when unknown).
 * @param options - the gates asked for.
 * @param speedupMissing - why the speed-up is null, for the message (e.g. `latency not measured`).
 * @returns one {@link Tier4Gate} per gate asked for (plus the latency budget when one was set).
 */
export function evaluateGates(
  format: string,
  entry: Tier4FormatReport,
  artifactBytes: number | null,
  options: Tier4GateOptions,
  speedupMissing: string,
): Tier4Gate[] {
  const gates: Tier4Gate[] = [];
  if (options.minSpeedup !== undefined) {
    const level = options.minSpeedupLevel ?? 'warn';
    const actual = entry.speedup_vs_pytorch;
    const limit = options.minSpeedup;
    let status: Tier4Gate['status'] = 'ok';
    let message: string | null = null;
    if (actual === null) {
      status = level;
      message = `speed-up vs eager PyTorch not measured (${speedupMissing}): the min speed-up gate (${limit}x, ${level}) cannot show it holds`;
    } else if (actual < limit) {
      status = level;
      message = `speed-up vs eager PyTorch ${actual.toFixed(2)}x is under the minimum ${limit}x (${level})`;
    }
    gates.push({ name: 'min_speedup', limit, actual, level, status, message });
  }
  if (entry.latency && entry.latency.budget_ms !== null) {
    const status = entry.latency.budget_status ?? 'ok';
    gates.push({
      name: 'latency_budget',
      limit: entry.latency.budget_ms,
      actual: entry.latency.mean_ms,
      level: entry.latency.budget_level,
      status,
      message:
        status === 'ok'
          ? null
          : `mean latency ${formatValue(entry.latency.mean_ms)} ms is over the budget ${entry.latency.budget_ms} ms (${entry.latency.budget_level})`,
    });
  }
  if (options.maxArtifactBytes !== undefined) {
    const level = options.maxArtifactLevel ?? 'warn';
    const limit = options.maxArtifactBytes;
    let status: Tier4Gate['status'] = 'ok';
    let message: string | null = null;
    if (artifactBytes === null) {
      status = level;
      message = `artifact size unknown (no artifacts entry in metadata.json): the max artifact size gate (${formatBytes(limit)}, ${level}) cannot show it holds`;
    } else if (artifactBytes > limit) {
      status = level;
      message = `artifact ${entry.artifact ?? ''} is ${formatBytes(artifactBytes)}, over the maximum ${formatBytes(limit)} (${level})`.replace('artifact  is', 'artifact is');
    }
    gates.push({ name: 'max_artifact_bytes', limit, actual: artifactBytes, level, status, message });
  }
  return gates;
}

/** Short text of a format's gates for the verdict line: `min speed-up 1.5x: 5.74x ok; artifact <= 50 MB: 44.7 MB ok`. */
export function describeGates(gates: readonly Tier4Gate[]): string {
  return gates
    .map((g) => {
      const status = g.status === 'ok' ? 'ok' : g.status.toUpperCase();
      if (g.name === 'min_speedup') return `speed-up >= ${g.limit}x: ${g.actual === null ? 'not measured' : `${g.actual.toFixed(2)}x`} ${status}`;
      // 3 significant digits, like the speed-up's 2 decimals (the table and the JSON keep the full figure)
      if (g.name === 'latency_budget') return `latency <= ${g.limit} ms: ${g.actual === null ? '-' : Number(g.actual.toPrecision(3))} ms ${status}`;
      return `artifact <= ${formatBytes(g.limit)}: ${g.actual === null ? 'unknown' : formatBytes(g.actual)} ${status}`;
    })
    .join('; ');
}
