/**
 * Runs real Vitest on the small fixture projects under test/reporter/fixtures through
 * `startVitest` from 'vitest/node', capturing what it prints.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startVitest, type Vitest } from 'vitest/node';
import type { TestUserConfig as UserConfig } from 'vitest/node';

export const here = fileURLToPath(new URL('.', import.meta.url));
/** Root of the fixture project `name`. */
export const fixtureRoot = (name: string): string => resolve(here, 'fixtures', name);
/** The matchers' setup file, from source. */
export const SETUP_FILE = resolve(here, '../../src/setup.ts');

/**
 * Collects everything written to it. Vitest pipes a socket into its output stream and that
 * pipe ends the stream when the socket closes, mid-run; a capture must outlive it, so `end()`
 * is ignored.
 */
export class Capture extends Writable {
  text = '';
  override end(): this {
    return this;
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface RunResult {
  vitest: Vitest;
  stdout: string;
  stderr: string;
  exitCode: number | string | undefined;
}

/**
 * Runs `vitest run` on a fixture project with its own reporters and options. The process exit code
 * Vitest sets for failing tests is captured and restored so it does not leak into this test run.
 */
export async function runProject(
  name: string,
  options: UserConfig & { shard?: string; mergeReports?: string },
  viteOverrides: Record<string, unknown> = {},
  env: Record<string, string | undefined> = {},
): Promise<RunResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const previousExit = process.exitCode;
  const previousEnv: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    previousEnv[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  process.exitCode = undefined;
  try {
    const vitest = await startVitest(
      'test',
      [],
      {
        root: fixtureRoot(name),
        config: false,
        watch: false,
        include: ['**/*.spec.ts'],
        setupFiles: [],
        pool: 'threads',
        maxWorkers: 1,
        fileParallelism: false,
        // the project's spec files share one module graph in the thread: each run evaluates the
        // vitest-tier4 source it imports once, not once per file (a test runs ~10 of these
        // projects; the reporter sees the same tasks, results and meta either way)
        isolate: false,
        ...options,
      },
      viteOverrides,
      { stdout, stderr },
    );
    return { vitest, stdout: stdout.text, stderr: stderr.text, exitCode: process.exitCode };
  } finally {
    process.exitCode = previousExit;
    for (const [k, v] of Object.entries(previousEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `tier4-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Reads and parses a JSON file. */
export async function readJson<T = unknown>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}
