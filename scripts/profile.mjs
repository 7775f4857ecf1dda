// Timing marks of the plain-Node scripts for bench/demo.mjs: the same JSON lines as
// packages/vitest-tier4/src/profile/marks.ts (`{ mark, t, pid, ...detail }`, appended to the file
// named by TIER4_PROFILE; nothing when it is unset).
import { appendFileSync } from 'node:fs';

/** Appends a mark when TIER4_PROFILE is set; never throws. */
export function profileMark(mark, detail = {}) {
  const file = process.env.TIER4_PROFILE;
  if (!file) return;
  try {
    appendFileSync(file, `${JSON.stringify({ mark, t: performance.timeOrigin + performance.now(), pid: process.pid, ...detail })}\n`);
  } catch {
    // profiling must never break a run
  }
}
