/** The default size of the Python worker pool (its own module: the plugin reads it at config time). */
import { availableParallelism } from 'node:os';

/** Default pool size: the machine's parallelism, at most 4 (each worker holds torch: ~300 MB). */
export function defaultPoolSize(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}
