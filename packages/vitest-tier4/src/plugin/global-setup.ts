/**
 * globalSetup registered by the `tier4()` plugin: builds the requested fixtures once per run
 * (cached across runs by `vitest-tier4-fixtures`) and provides their paths to tests as
 * `inject('tier4Fixtures')`. Runs in the main process; it must not import the `vitest` runtime.
 */
import type { TestProject } from 'vitest/node';
import { buildFixture, type BuildFixtureOptions, type Fixture } from 'vitest-tier4-fixtures';
import { profileMark } from '../profile/marks.js';
import type { Tier4FixtureRequest, Tier4ProvidedFixture } from './provided.js';

/** Converts a built fixture to the plain record tests receive. */
export function toProvidedFixture(name: string, fixture: Fixture): Tier4ProvidedFixture {
  const metadata = fixture.metadata;
  return {
    name,
    dir: fixture.dir,
    key: fixture.key,
    cached: fixture.cached,
    paths: { ...fixture.paths },
    task_name: metadata.task_name,
    quantization: metadata.quantization ?? null,
    formats_written: [...metadata.formats_written],
    formats_failed: { ...metadata.formats_failed },
    sample_count: fixture.sampleCount,
  };
}

/** One line per fixture: what it is, whether Python ran, how long it took, where it is. */
export function describeBuild(name: string, fixture: Fixture, elapsedMs: number): string {
  const { task_name: model, quantization, formats_written: formats } = fixture.metadata;
  const what = `${model}${quantization ? ` (${quantization} quantization)` : ''}: ${formats.join(', ')}, ${fixture.sampleCount} samples`;
  const how = fixture.cached
    ? 'reused from the cache'
    : `${fixture.cacheDamage !== undefined ? `the cached entry was damaged (${fixture.cacheDamage}): ` : ''}exported with Python in ${(elapsedMs / 1000).toFixed(1)} s`;
  return ` vitest-tier4 fixture ${name}: ${what}, ${how} -> ${fixture.dir}`;
}

/**
 * Builds every fixture requested through the plugin (concurrently; the fixture cache makes
 * concurrent and repeated builds of the same request safe) and provides them.
 *
 * @param project - the Vitest project whose `tier4FixtureRequests` were provided by the plugin.
 * @throws Error naming the fixture whose build failed, with the builder's message.
 */
export default async function setup(project: TestProject): Promise<void> {
  const requests = (project.getProvidedContext().tier4FixtureRequests ?? {}) as Record<string, Tier4FixtureRequest>;
  profileMark('fixtures:start');
  const entries = await Promise.all(
    Object.entries(requests).map(async ([name, request]) => {
      try {
        const started = performance.now();
        const fixture = await buildFixture(request as unknown as BuildFixtureOptions);
        process.stderr.write(`${describeBuild(name, fixture, performance.now() - started)}\n`);
        return [name, toProvidedFixture(name, fixture)] as const;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`vitest-tier4: building fixture '${name}' (${JSON.stringify(request)}) failed:\n${message}`, { cause: error });
      }
    }),
  );
  profileMark('fixtures:done', { fixtures: entries.length, cached: entries.filter(([, f]) => f.cached).length });
  project.provide('tier4Fixtures', Object.fromEntries(entries));
}
