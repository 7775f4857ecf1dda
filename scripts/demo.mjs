#!/usr/bin/env node
// `pnpm run demo:run` (what `npm run demo` runs after the set-up): build the packages when they
// changed (scripts/build.mjs), then run the example app's tests with Vitest in examples/, whose
// tier4() plugin builds the fixtures, validates them and writes the Tier 4 report.
//
// The bootstrap calls runDemo() in its own process: the warm demo starts no pnpm and no extra
// Node process before Vitest.
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfNeeded } from './build.mjs';
import { profileMark } from './profile.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const examples = join(root, 'examples');
/** The whole demo (fixture exports on a fresh machine included) gets this long. */
const DEMO_TIMEOUT_MS = 15 * 60_000;

/**
 * Builds, then runs `vitest run` in examples/ with `args` appended. Resolves to the exit status.
 * @param {string[]} [args]
 * @param {NodeJS.ProcessEnv} [env]
 */
export function runDemo(args = [], env = process.env) {
  const built = buildIfNeeded();
  profileMark('build:checked');
  if (built !== 0) return built;
  let vitest;
  try {
    vitest = join(dirname(createRequire(join(examples, 'package.json')).resolve('vitest/package.json')), 'vitest.mjs');
  } catch (error) {
    process.stderr.write(`demo: cannot find Vitest for examples/ (${error.message}); run \`pnpm install\` first.\n`);
    return 1;
  }
  profileMark('vitest:spawn');
  const result = spawnSync(process.execPath, [vitest, 'run', ...args], { cwd: examples, stdio: 'inherit', env, timeout: DEMO_TIMEOUT_MS });
  profileMark('vitest:exit');
  if (result.error) process.stderr.write(`demo: vitest run failed: ${result.error.message}\n`);
  return result.status ?? 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  process.exit(runDemo(process.argv.slice(2)));
}
