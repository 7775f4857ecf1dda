/**
 * The machine-sized defaults of a run: intra-op threads per runtime and the Python worker pool's
 * size (their own module: the plugin reads them at config time, before anything heavy is loaded).
 */
import { availableParallelism } from 'node:os';

/** Default intra-op threads of every runtime: the machine's available parallelism, at most 4. */
export function defaultTier4Threads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Default pool size: as many Python workers as fit the machine's cores when each runs torch with
 * {@link defaultTier4Threads} intra-op threads, at least 1 and at most 4 (each worker holds torch,
 * ~300 MB). So 1 up to 7 CPUs, 2 at 8, 4 from 16. A second worker on cores the first one's threads
 * already fill only contends with it: on a 2-core machine the demo's tests took 7.3-8.0 s with one
 * worker against 8.2-9.6 s with two, and 1.3 s less CPU (docs/runtimes.md).
 */
export function defaultPoolSize(): number {
  return Math.max(1, Math.min(4, Math.floor(availableParallelism() / defaultTier4Threads())));
}
