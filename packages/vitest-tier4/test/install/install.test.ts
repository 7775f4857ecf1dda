/**
 * Installable outside this repository, as docs/getting-started.md says: the two packages are packed
 * with the documented `pnpm pack` commands, installed into a new project with the documented
 * `pnpm add` line (offline, from the pnpm store this workspace was installed from), and that
 * project, made of the guide's own code blocks (pnpm-workspace.yaml, vitest.config.ts and the
 * export test of step 3), is type-checked and its export test run with the project's own Vitest.
 *
 * It takes ~20 s on an idle machine (pack 2 s, install 2 s, tsc 5 s, export and validate 10 s): the
 * export is built fresh by the installed package's bundled Python exporter, not taken from a cache,
 * because that is what a new user's first run does.
 */
import { execFile } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { blockStartingWith, codeBlocks } from '../docs/markdown.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const GUIDE = join(REPO, 'docs', 'getting-started.md');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
/** One step (pack, install, tsc, the project's test run) may take this long before it is killed. */
const STEP_TIMEOUT_MS = 240_000;

/** The guide's tsconfig advice ("moduleResolution": "bundler"), as a new project would write it. */
const TSCONFIG = {
  compilerOptions: { target: 'es2022', module: 'esnext', moduleResolution: 'bundler', strict: true, noEmit: true, skipLibCheck: true },
  include: ['vitest.config.ts', 'test'],
};

/** The environment of a user's shell: none of this test run's Vitest or vitest-tier4 variables (TIER4_PYTHON kept). */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(VITEST|TIER4_)/.test(k) && k !== 'TIER4_PYTHON') continue;
    if (k === 'NODE_OPTIONS' || k === 'NODE_ENV') continue;
    env[k] = v;
  }
  return env;
}

async function step(file: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(file, args, { cwd, env: userEnv(), timeout: STEP_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 << 20 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n--- stdout\n${e.stdout ?? ''}\n--- stderr\n${e.stderr ?? ''}`);
  }
}

/** The test's temporary directory: tarballs/, app/ (the new project) and clone/. */
let base = '';

/**
 * Where the guide's `(cd <dir> && pnpm pack ...)` runs. vitest-tier4 packs in place (pnpm pack only
 * reads it, and needs the workspace for its `workspace:` versions). The fixtures package's prepack /
 * postpack write and delete its `python/` copy, which the fixtures' own pack test also does: packing
 * a copy laid out like the repository (`packages/fixtures` beside `python/tier4_export`) keeps this
 * test from racing that one or leaving anything in the working tree.
 */
async function packDir(dir: string): Promise<string> {
  if (dir !== 'packages/fixtures') return join(REPO, dir);
  const copy = join(base, 'clone');
  const pkg = JSON.parse(await readFile(join(REPO, dir, 'package.json'), 'utf8')) as { files: string[] };
  for (const entry of [...pkg.files.filter((f) => !f.startsWith('!') && f !== 'python'), 'scripts', 'package.json', 'LICENSE']) {
    await cp(join(REPO, dir, entry), join(copy, dir, entry), { recursive: true });
  }
  await cp(join(REPO, 'python', 'tier4_export'), join(copy, 'python', 'tier4_export'), { recursive: true, filter: (src) => !src.includes('__pycache__') });
  return join(copy, dir);
}

const blocks = codeBlocks(GUIDE);
const shell = blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.code.split('\n'));
/** `(cd packages/fixtures && pnpm pack --pack-destination ../../../tarballs)` -> the package dirs, in order. */
const packed = shell.flatMap((l) => /^\(cd (packages\/[\w-]+) && pnpm pack --pack-destination \.\.\/\.\.\/\.\.\/tarballs\)$/.exec(l.trim())?.[1] ?? []);
const addLine = shell.find((l) => l.startsWith('pnpm add -D vitest@') && l.includes('../tarballs/'));

describe('a new project installs the packed packages as docs/getting-started.md says', () => {
  let app = '';
  let tarballs: string[] = [];

  // Pack and install once, in the hook: each test below checks one part of the result and none
  // depends on another test having run.
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'vitest-tier4-install-'));
    app = join(base, 'app');
    await mkdir(join(base, 'tarballs'));
    await mkdir(join(app, 'test'), { recursive: true });
    if (packed.length !== 2 || addLine === undefined) return; // the first test names what the guide lacks
    for (const dir of packed) await step('pnpm', ['pack', '--pack-destination', join(base, 'tarballs')], await packDir(dir));
    tarballs = (await readdir(join(base, 'tarballs'))).sort();
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }, null, 2));
    await writeFile(join(app, 'pnpm-workspace.yaml'), blockStartingWith(blocks, '# pnpm-workspace.yaml (also in a single-package project)').code);
    const [cmd, ...args] = addLine.split(' ');
    await step(cmd!, [...args, '--offline'], app);
  }, 2 * STEP_TIMEOUT_MS);
  afterAll(async () => {
    if (base) await rm(base, { recursive: true, force: true });
  });

  test('the guide documents the pack and install commands this test runs', () => {
    expect(packed).toEqual(['packages/fixtures', 'packages/vitest-tier4']);
    expect(addLine).toBe('pnpm add -D vitest@^4.1 ../tarballs/vitest-tier4-fixtures-0.1.0.tgz ../tarballs/vitest-tier4-0.1.0.tgz');
  });

  test('pnpm pack: versions instead of workspace:, fixtures as a peer, the bundled exporter, a LICENSE, no build info', async () => {
    expect(tarballs).toEqual(['vitest-tier4-0.1.0.tgz', 'vitest-tier4-fixtures-0.1.0.tgz']);
    const license = readFileSync(join(REPO, 'LICENSE'), 'utf8');
    for (const tgz of tarballs) {
      const file = join(base, 'tarballs', tgz);
      const list = (await step('tar', ['tzf', file], base)).stdout.split('\n');
      expect(list.filter((f) => f.includes('tsbuildinfo')), tgz).toEqual([]);
      expect((await step('tar', ['xzf', file, '-O', 'package/LICENSE'], base)).stdout, tgz).toBe(license);
      const pkg = (await step('tar', ['xzf', file, '-O', 'package/package.json'], base)).stdout;
      expect(pkg, tgz).not.toContain('workspace:');
      if (tgz.startsWith('vitest-tier4-fixtures')) {
        expect(list).toContain('package/python/tier4_export/export.py');
      } else {
        const json = JSON.parse(pkg) as { dependencies: Record<string, string>; peerDependencies: Record<string, string> };
        expect(json.peerDependencies['vitest-tier4-fixtures']).toBe('^0.1.0');
        expect(json.dependencies['vitest-tier4-fixtures']).toBeUndefined();
      }
    }
  }, STEP_TIMEOUT_MS);

  test('pnpm add of both tarballs (no override): one vitest-tier4-fixtures, the installed copies, not the repository', () => {
    const fromApp = createRequire(join(app, 'package.json'));
    const tier4Dir = dirname(realpathSync(fromApp.resolve('vitest-tier4/package.json')));
    const fixturesOfApp = realpathSync(fromApp.resolve('vitest-tier4-fixtures/package.json'));
    const fixturesOfTier4 = realpathSync(createRequire(join(tier4Dir, 'package.json')).resolve('vitest-tier4-fixtures/package.json'));
    expect(fixturesOfTier4).toBe(fixturesOfApp);
    for (const p of [tier4Dir, fixturesOfApp]) expect(relative(app, p).startsWith('node_modules')).toBe(true);
  });

  test("the guide's config and export test type-check with only 'vitest-tier4/test' imported, and pass", async () => {
    const config = blockStartingWith(blocks, '// vitest.config.ts');
    const exportTest = blockStartingWith(blocks, '// test/cnn.export.test.ts');
    await writeFile(join(app, 'vitest.config.ts'), config.code);
    await writeFile(join(app, 'test', 'cnn.export.test.ts'), exportTest.code);
    await writeFile(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    // the project's own TypeScript view of the installed packages (this repository's compiler, the project's node_modules)
    await step(process.execPath, [TSC, '-p', join(app, 'tsconfig.json')], app);
    const { stdout, stderr } = await step(join(app, 'node_modules', '.bin', 'vitest'), ['run'], app);
    expect(stdout + stderr).toContain('Tier 4 status: OK');
    const report = JSON.parse(await readFile(join(app, 'tier4-report.json'), 'utf8')) as {
      status: string;
      tests: { passed: number; failed: number };
      models: Record<string, { formats: Record<string, { status: string }> }>;
    };
    expect(report).toMatchObject({ status: 'ok', tests: { passed: 2, failed: 0 } });
    expect(Object.keys(report.models)).toEqual(['simple_cnn']);
    expect(report.models.simple_cnn!.formats).toMatchObject({ onnx: { status: 'ok' }, torchscript: { status: 'ok' } });
    // the export was built by the installed package, into the project's own cache
    expect(stdout + stderr).toMatch(/fixture cnn: simple_cnn: .*exported with Python in .* -> .*app\/node_modules\/\.cache\/vitest-tier4\//);
  }, STEP_TIMEOUT_MS);
});
