/**
 * The tier4() plugin lists the built modules of vitest-tier4 and vitest-tier4-fixtures in
 * `test.server.deps.external`, so a project that links the packages (this workspace, pnpm
 * `link:`) loads them with Node instead of Vite's transform, like an installed copy; the matchers,
 * the setup file and the reporter work as before, and the user's own entries stay.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { distPattern, packageExternals } from '../../src/plugin/externals.js';
import type * as PluginModule from '../../src/plugin/index.js';
import type { Tier4RunReport } from '../../src/reporter/index.js';
import { fixtureRoot, readJson, runProject, tempDir } from '../reporter/helpers.js';

const PACKAGE = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(PACKAGE, 'dist');
const FIXTURES_DIST = join(realpathSync(join(PACKAGE, 'node_modules', 'vitest-tier4-fixtures')), 'dist');
const BUILT_PLUGIN = pathToFileURL(join(DIST, 'plugin', 'index.js')).href;
/** The built plugin, as a user's vitest.config.ts imports it (`vitest-tier4/plugin`). */
const builtPlugin = async (): Promise<typeof PluginModule> => (await import(BUILT_PLUGIN)) as typeof PluginModule;

describe('packageExternals', () => {
  test("from dist/: this package's and the fixtures package's built .js modules, never sources", () => {
    const patterns = packageExternals(BUILT_PLUGIN);
    expect(patterns).toHaveLength(2);
    const external = (file: string): boolean => patterns.some((p) => p.test(file));
    expect(external(join(realpathSync(DIST), 'index.js'))).toBe(true);
    expect(external(join(realpathSync(DIST), 'matchers', 'to-match-parity.js'))).toBe(true);
    expect(external(join(FIXTURES_DIST, 'metadata-schema.js'))).toBe(true);
    expect(external(join(realpathSync(PACKAGE), 'src', 'index.ts'))).toBe(false);
    expect(external(join(realpathSync(PACKAGE), 'test', 'plugin', 'externals.test.ts'))).toBe(false);
    expect(external(join(realpathSync(PACKAGE), 'distribution', 'x.js'))).toBe(false);
  });

  test('from src/ (this package run from its TypeScript): only the fixtures package', () => {
    const patterns = packageExternals(pathToFileURL(join(PACKAGE, 'src', 'plugin', 'externals.ts')).href);
    expect(patterns).toHaveLength(1);
    expect(patterns[0]!.test(join(FIXTURES_DIST, 'index.js'))).toBe(true);
    expect(patterns[0]!.test(join(realpathSync(DIST), 'index.js'))).toBe(false);
  });

  test('a folder that does not exist gives no pattern; the characters of its path are literal', async () => {
    expect(distPattern(join(PACKAGE, 'no-such-dir'))).toBeNull();
    const { dir, cleanup } = await tempDir('externals.d+t');
    try {
      const real = realpathSync(dir);
      const pattern = distPattern(dir)!;
      expect(pattern.test(join(real, 'dist', 'index.js'))).toBe(true);
      expect(pattern.test(real.replace('externals.d+t', 'externalsXdt') + '/index.js')).toBe(false);
      expect(pattern.test(join(real, 'index.ts'))).toBe(false);
    } finally {
      await cleanup();
    }
  });
});

describe("the plugin's config hook", () => {
  test("adds the dist folders to test.server.deps.external and replaces none of the user's entries", async () => {
    const { tier4 } = await builtPlugin();
    const config = tier4().config as unknown as (c: Record<string, unknown>) => { test: { server: { deps: { external: RegExp[] } }; testTimeout?: number } };
    const added = config({}).test;
    expect(added.server.deps.external.map(String).sort()).toEqual(packageExternals(BUILT_PLUGIN).map(String).sort());
    expect(added.testTimeout).toBe(60_000);
    // the returned object is merged by Vite, which concatenates arrays: nothing of the user's is replaced
    expect(config({ test: { testTimeout: 10, server: { deps: { external: [/mine/] } } } }).test).toEqual({ server: { deps: { external: added.server.deps.external } } });
  });

  test('in a real run: the user entries stay, the built modules are not transformed, matchers and reporter work', async () => {
    const { tier4 } = await builtPlugin();
    const { dir, cleanup } = await tempDir('plugin-externals');
    try {
      const reportPath = join(dir, 'tier4.json');
      const { vitest, stdout } = await runProject(
        '../../plugin/fixtures/built',
        { setupFiles: [] },
        { plugins: [tier4({ reportPath })], test: { server: { deps: { external: ['user-dep', /user-pattern/] } } } },
      );
      const external = vitest.config.server.deps?.external ?? [];
      expect(external).toEqual(expect.arrayContaining(['user-dep', /user-pattern/, ...packageExternals(BUILT_PLUGIN)]));
      // the test process loaded the built entry with Node, the main process the built reporter and globalSetup
      const graph = (env: string) => vitest.projects[0]!.vite.environments[env]!.moduleGraph;
      const transformed = (env: string, file: string): boolean => graph(env).getModuleById(realpathSync(file))?.transformResult != null;
      const loaded = (env: string, file: string): boolean => graph(env).getModuleById(realpathSync(file)) !== undefined;
      for (const [env, file] of [
        ['ssr', join(DIST, 'index.js')],
        ['ssr', join(DIST, 'setup.js')],
        ['__vitest__', join(DIST, 'reporter', 'index.js')],
        ['__vitest__', join(DIST, 'plugin', 'pool-setup.js')],
      ] as const) {
        expect(loaded(env, file), file).toBe(true);
        expect(transformed(env, file), file).toBe(false);
      }
      // the spec file itself is still Vitest's to transform
      expect(transformed('ssr', join(fixtureRoot('../../plugin/fixtures/built'), 'built.spec.ts'))).toBe(true);
      // expect.extend of the built setup file reached the test's expect; its record reached the reporter
      const report = await readJson<Tier4RunReport>(reportPath);
      expect(report.status).toBe('ok');
      expect(report.tests).toMatchObject({ passed: 1, failed: 0 });
      expect(report.models['toy']!.formats['onnx']).toMatchObject({ parity: 'ok', max_abs_diff: 0 });
      expect(stdout).toContain('1 Tier 4 checks (1 ok, 0 warn, 0 fail)');
    } finally {
      await cleanup();
    }
  });
});
