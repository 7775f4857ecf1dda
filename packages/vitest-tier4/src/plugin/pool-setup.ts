/**
 * globalSetup registered by the `tier4()` plugin: starts the run's Python worker pool and its
 * server in Vitest's main process, before the test processes start, and points them at it with
 * `TIER4_WORKER_POOL` (see runtimes/pool/). Every validation of the run (`runTier4`, the
 * `validate` fixture) then leases a warm worker instead of starting Python, and the latency
 * measurements of concurrent validations are serialised by the pool's timing gate. With
 * `warm`, the first worker starts right away, so that `import torch` overlaps Vitest's own start.
 * The pool is closed (every Python process ended) when the run ends.
 *
 * Runs in the main process; it must not import the `vitest` runtime.
 */
import type { TestProject } from 'vitest/node';
import { defaultCacheDir } from 'vitest-tier4-fixtures';
import { startWorkerPoolServer, WORKER_POOL_ENV, type WorkerPoolServer } from '../runtimes/pool/pool-server.js';
import { PythonWorkerPool } from '../runtimes/pool/worker-pool.js';
import { profileMark } from '../profile/marks.js';

/** The pool settings the plugin provides to this globalSetup (see `Tier4PluginOptions.workerPool`). */
export interface Tier4PoolRequest {
  /** Most Python worker processes. */
  size: number;
  /** Start the first worker at once. */
  warm: boolean;
}

/** One server per Vitest process, shared by its projects (the environment variable is process-wide). */
let running: { server: WorkerPoolServer; users: number; previous: string | undefined } | undefined;
let starting: Promise<WorkerPoolServer> | undefined;

/**
 * Starts (or joins) the run's pool and returns the teardown that closes it after the last project.
 * @throws Error when the local socket cannot be created.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  profileMark('pool:setup');
  const request = project.getProvidedContext().tier4WorkerPool as Tier4PoolRequest | null | undefined;
  if (!request) return async () => undefined;
  if (!running) {
    starting ??= (async () => {
      const pool = new PythonWorkerPool({ size: request.size, cacheDir: defaultCacheDir(project.config.root) });
      if (request.warm) pool.warm(1);
      try {
        return await startWorkerPoolServer(pool);
      } catch (error) {
        await pool.close();
        starting = undefined;
        throw error;
      }
    })();
    const server = await starting;
    if (!running) {
      running = { server, users: 0, previous: process.env[WORKER_POOL_ENV] };
      process.env[WORKER_POOL_ENV] = server.address;
    }
  }
  running.users++;
  let done = false;
  return async () => {
    if (done || !running) return;
    done = true;
    running.users--;
    if (running.users > 0) return;
    const { server, previous } = running;
    running = undefined;
    starting = undefined;
    if (previous === undefined) delete process.env[WORKER_POOL_ENV];
    else process.env[WORKER_POOL_ENV] = previous;
    await server.close();
  };
}
