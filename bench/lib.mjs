// Helpers shared by the benchmark scripts of bench/ (plain Node, no dependency).
import { readFileSync } from 'node:fs';

/** The 1, 5 and 15 minute load averages from /proc/loadavg (`'n/a'` where there is none). */
export function loadavg() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

/**
 * The median of the finite numbers of `xs` (NaN and infinities, such as a phase a run did not
 * reach, are left out); NaN when none is finite. The input is not reordered.
 */
export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
