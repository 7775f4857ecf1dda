/** How a runner's threads and backend read in tables and messages. */
import type { RunnerThreading } from './types.js';

/** `2 threads, MLAS (onnxruntime CPU execution provider)`; `threads not recorded` for older dicts. */
export function threadsText(t: RunnerThreading | null | undefined): string {
  if (!t) return 'threads not recorded';
  const intra = t.intra_op === null ? 'default threads' : `${t.intra_op} thread${t.intra_op === 1 ? '' : 's'}`;
  return `${intra}, ${t.backend}`;
}
