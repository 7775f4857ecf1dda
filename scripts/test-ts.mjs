#!/usr/bin/env node
// `pnpm run test:ts`: the TypeScript tests of every workspace package (pnpm-workspace.yaml), one
// package at a time like `pnpm -r --workspace-concurrency=1 run test`, each also writing Vitest's
// JSON report to node_modules/.cache/vitest-tier4/test-times/<package>.json, which
// `pnpm run test:slowest` (scripts/slowest-tests.mjs) reads to list where the suite's time goes.
// Extra arguments are passed to every package's `vitest run`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const TIMES_DIR = join(root, 'node_modules', '.cache', 'vitest-tier4', 'test-times');
/** One package's suite may take this long (the whole `npm test` is meant to stay under 5 minutes). */
const PACKAGE_TIMEOUT_MS = 20 * 60_000;

/** Workspace package dirs in pnpm-workspace.yaml order (`dir/*` expanded alphabetically). */
function workspacePackages() {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const start = yaml.indexOf('packages:');
  const globs = [];
  for (const line of yaml.slice(start).split('\n').slice(1)) {
    const m = /^\s+-\s+['"]?([^'"#\s]+)['"]?/.exec(line);
    if (m) globs.push(m[1]);
    else if (/^\S/.test(line)) break;
  }
  return globs.flatMap((g) => (g.endsWith('/*') ? readdirSync(join(root, g.slice(0, -2))).sort().map((d) => `${g.slice(0, -2)}/${d}`) : [g]));
}

mkdirSync(TIMES_DIR, { recursive: true });
const extra = process.argv.slice(2);
for (const dir of workspacePackages()) {
  const manifest = join(root, dir, 'package.json');
  if (!existsSync(manifest)) continue;
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  if (!pkg.scripts?.test) continue;
  const out = join(TIMES_DIR, `${pkg.name}.json`);
  process.stdout.write(`\n> ${pkg.name} (${dir}): ${pkg.scripts.test}\n`);
  const result = spawnSync('pnpm', ['run', '--silent', 'test', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...extra], {
    cwd: join(root, dir),
    stdio: 'inherit',
    timeout: PACKAGE_TIMEOUT_MS,
  });
  if (result.error || result.status !== 0) {
    process.stderr.write(`test:ts: ${pkg.name} failed (${result.error ? result.error.message : `exit ${result.status}`})\n`);
    process.exit(result.status || 1);
  }
}
