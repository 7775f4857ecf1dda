#!/usr/bin/env node
// `pnpm run build`: `tsc -b` of the two packages, skipped when nothing it reads or writes changed
// since the last successful build.
//
// `tsc -b` is incremental already, but even with nothing to do it loads the compiler and reads its
// build info (about 0.4 s here). This script first compares a stat fingerprint (path, size, mtime)
// of every input (the packages' src/, tsconfig files, package.json files, the installed
// dependencies' record node_modules/.modules.yaml, the compiler's version) and every output (dist/)
// with the one written after the last successful build; when they are equal, the build is
// up to date and the script exits at once. Otherwise it runs `tsc -b` and, on success, records the
// new fingerprint. `--force` always runs the compiler.
//
// Plain Node with no dependencies.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.mjs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const PROJECTS = ['packages/fixtures', 'packages/vitest-tier4'];
const STAMP = join(root, 'node_modules', '.cache', 'vitest-tier4', 'build-fingerprint');
const TSC_TIMEOUT_MS = 10 * 60_000;

/** Every file under `dir` (recursively), as paths; none when it does not exist. */
function walk(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/** The fingerprint of the build's inputs and outputs: a hash of every file's path, size and mtime. */
function buildFingerprint() {
  const files = [join(root, 'tsconfig.base.json'), join(root, 'node_modules', '.modules.yaml')];
  for (const project of PROJECTS) {
    const dir = join(root, project);
    files.push(join(dir, 'tsconfig.json'), join(dir, 'package.json'), ...walk(join(dir, 'src')), ...walk(join(dir, 'dist')));
  }
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    let stamp = 'missing';
    try {
      const s = statSync(file);
      stamp = `${s.size}:${s.mtimeMs}`;
    } catch {
      // a missing input or output is part of the fingerprint
    }
    hash.update(relative(root, file)).update('\0').update(stamp).update('\n');
  }
  return hash.digest('hex');
}

function readStamp() {
  try {
    return readFileSync(STAMP, 'utf8').trim();
  } catch {
    return null;
  }
}

function writeStamp(value) {
  try {
    writeFileAtomic(STAMP, `${value}\n`);
  } catch {
    // the stamp only saves time next run
  }
}

/**
 * What a build has to do: `{ status: 0 }` when the last successful build is still current (or
 * `force` is unset and nothing changed), `{ status: 1 }` with the message already printed when the
 * compiler cannot be found, or the compiler's command line and `record()`, which writes the new
 * fingerprint after the compiler succeeded.
 *
 * @param {{ force?: boolean }} [options] - `force`: always run the compiler.
 * @returns {{ status: number } | { command: string, args: string[], cwd: string, timeoutMs: number, record: () => void }}
 */
export function planBuild({ force = false } = {}) {
  const require = createRequire(import.meta.url);
  let tsc;
  let tscVersion;
  try {
    tsc = require.resolve('typescript/bin/tsc');
    tscVersion = JSON.parse(readFileSync(require.resolve('typescript/package.json'), 'utf8')).version;
  } catch (error) {
    process.stderr.write(`build: cannot find the TypeScript compiler (${error.message}); run \`pnpm install\` first.\n`);
    return { status: 1 };
  }
  const key = () => `${tscVersion}:${buildFingerprint()}`;
  if (!force && readStamp() === key()) return { status: 0 };
  return { command: process.execPath, args: [tsc, '-b', ...PROJECTS], cwd: root, timeoutMs: TSC_TIMEOUT_MS, record: () => writeStamp(key()) };
}

/**
 * Runs `tsc -b` of the packages unless the fingerprint shows the last successful build is still
 * current. Returns the exit status (0 when up to date or built).
 *
 * @param {{ force?: boolean }} [options] - `force`: always run the compiler.
 */
export function buildIfNeeded(options = {}) {
  const plan = planBuild(options);
  if ('status' in plan) return plan.status;
  const result = spawnSync(plan.command, plan.args, { cwd: plan.cwd, stdio: 'inherit', timeout: plan.timeoutMs });
  if (result.error || result.status !== 0) {
    if (result.error) process.stderr.write(`build: tsc -b failed: ${result.error.message}\n`);
    return result.status ?? 1;
  }
  plan.record();
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  process.exit(buildIfNeeded({ force: process.argv.includes('--force') }));
}
