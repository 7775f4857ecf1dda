/**
 * Timing marks for the benchmarks (bench/demo.mjs): when `TIER4_PROFILE` names a file, each
 * {@link profileMark} appends one JSON line `{ "mark": name, "t": ms since the epoch (sub-ms), "pid", ...detail }`
 * to it; otherwise it does nothing. scripts/profile.mjs writes the same lines from the plain-Node
 * scripts (bootstrap, build), so one file holds the whole run's timeline across its processes.
 */
import { appendFileSync } from 'node:fs';

/** The environment variable naming the profile file. */
export const PROFILE_ENV = 'TIER4_PROFILE';

/** Appends a mark (with optional JSON-serialisable details) when profiling is on; never throws. */
export function profileMark(mark: string, detail: Record<string, unknown> = {}): void {
  const file = process.env[PROFILE_ENV];
  if (!file) return;
  try {
    appendFileSync(file, `${JSON.stringify({ mark, t: performance.timeOrigin + performance.now(), pid: process.pid, ...detail })}\n`);
  } catch {
    // profiling must never break a run
  }
}
