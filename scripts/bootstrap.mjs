#!/usr/bin/env node
// Fresh-machine entry point for `npm test` and `npm run demo`.
//
// A fresh machine has Node 20, npm and Python. This script makes sure the rest is there, then runs
// the task through pnpm:
//   1. pnpm (installed with `npm install -g pnpm@12` when missing; corepack fails on this kind of machine),
//   2. the workspace packages (`pnpm install --frozen-lockfile` when the lockfile or a manifest changed),
//   3. a Python interpreter that can import torch, onnx, numpy (and pytest for `test`), installed from
//      Debian with apt-get when missing and running as root; otherwise it stops with the exact command.
// When everything is present it prints nothing about set-up.
//
// Plain Node with no dependencies: it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython, DEBIAN_PACKAGES } from './python.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tasks = { test: 'check', demo: 'demo:run' };
const task = process.argv[2];

function say(message) {
  process.stderr.write(`[vitest-tier4 setup] ${message}\n`);
}

function fail(message) {
  process.stderr.write(`\n[vitest-tier4 setup] ${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  return spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
}

function hasCommand(command) {
  const result = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return result.status === 0;
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(`Node ${process.versions.node} is too old: vitest-tier4 needs Node >= 20.19. Install a newer Node and run again.`);
  }
}

function ensurePnpm() {
  if (hasCommand('pnpm')) return;
  say('pnpm is missing: installing it with `npm install -g pnpm@12` (corepack cannot verify pnpm here).');
  const result = run('npm', ['install', '-g', 'pnpm@12']);
  if (result.status !== 0 || !hasCommand('pnpm')) {
    fail('Could not install pnpm. Run `npm install -g pnpm@12` (with sudo if npm asks for it), then run this command again.');
  }
}

/** Hash of everything that decides what `pnpm install` puts in node_modules. */
function installFingerprint() {
  const hash = createHash('sha256');
  const manifests = ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json', 'packages/vitest-tier4/package.json', 'packages/fixtures/package.json', 'examples/package.json'];
  for (const file of manifests) {
    const path = join(root, file);
    hash.update(file).update('\0').update(existsSync(path) ? readFileSync(path) : '').update('\0');
  }
  hash.update(process.version);
  return hash.digest('hex');
}

function ensurePackages() {
  const stampPath = join(root, 'node_modules', '.vitest-tier4-install');
  const fingerprint = installFingerprint();
  if (existsSync(stampPath) && readFileSync(stampPath, 'utf8').trim() === fingerprint) return;
  say('installing the workspace packages: pnpm install --frozen-lockfile');
  const result = run('pnpm', ['install', '--frozen-lockfile']);
  if (result.status !== 0) {
    fail('`pnpm install --frozen-lockfile` failed (see above). Fix the cause, then run this command again.');
  }
  const tmp = `${stampPath}.${process.pid}.tmp`;
  writeFileSync(tmp, `${fingerprint}\n`);
  renameSync(tmp, stampPath);
}

function ensurePython(modules) {
  const found = findPython(modules);
  if (found.python) return found.python;
  const packages = DEBIAN_PACKAGES.join(' ');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && hasCommand('apt-get')) {
    say(`no Python can import ${modules.join(', ')} (tried: ${found.report}).`);
    say(`installing from Debian: apt-get install -y ${packages}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = run('apt-get', ['update', '-qq'], { env });
    const install = update.status === 0 ? run('apt-get', ['install', '-y', '-qq', ...DEBIAN_PACKAGES], { env }) : update;
    const again = findPython(modules);
    if (install.status === 0 && again.python) {
      say(`using Python ${again.python}`);
      return again.python;
    }
    fail(`apt-get could not provide a Python with ${modules.join(', ')} (tried: ${again.report}).\n` +
      `Run: apt-get update && apt-get install -y ${packages}\n` +
      'or point TIER4_PYTHON at an interpreter that has torch, onnx, numpy and pytest.');
  }
  fail(`No Python interpreter can import ${modules.join(', ')} (tried: ${found.report}).\n` +
    `Run: sudo apt-get install -y ${packages}\n` +
    'or point TIER4_PYTHON at an interpreter that has torch, onnx, numpy and pytest, then run this command again.');
}

const script = tasks[task];
if (!script) {
  fail(`unknown task ${JSON.stringify(task)}: expected one of ${Object.keys(tasks).join(', ')}.`);
}
checkNode();
ensurePnpm();
ensurePackages();
const python = ensurePython(task === 'test' ? ['torch', 'onnx', 'numpy', 'pytest', 'mypy'] : ['torch', 'onnx', 'numpy']);
const result = run('pnpm', ['run', '--silent', script], { env: { ...process.env, TIER4_PYTHON: python } });
process.exit(result.status ?? 1);
