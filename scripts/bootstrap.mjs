#!/usr/bin/env node
// Fresh-machine entry point for `npm test` and `npm run demo`.
//
// A fresh machine has Node 20, npm and Python. This script makes sure the rest is there, then runs
// the task (`pnpm run check`; the demo's steps, scripts/demo.mjs, in this process):
//   1. pnpm (installed with `npm install -g --ignore-scripts pnpm@12` when missing; corepack fails on this kind of machine),
//   2. the workspace packages (`pnpm install --frozen-lockfile` when the lockfile or a manifest changed),
//   3. the Debian packages of scripts/python.mjs the task needs (a Python interpreter that can import
//      torch, onnx, numpy, ...): every missing one in ONE `apt-get install --no-install-recommends`
//      call, when running as root; otherwise it stops with the exact command. The apt call runs while
//      pnpm installs and, once pnpm is done, while the packages build (`tsc -b`, scripts/build.mjs:
//      about 8 s that would otherwise come after apt's 40-60 s). A failed pnpm install or build is
//      reported once apt has finished; apt is never cut off halfway.
// When everything is present it prints nothing about set-up, and starts no process to find out:
// what was found last time is remembered in node_modules/.vitest-tier4-setup.json, keyed on what
// decides it (task, TIER4_PYTHON, PATH, the package list) and reused while the files it was read
// from are unchanged (stat only: inode, size, mtime). Anything else probes again.
//
// Plain Node with no dependencies: it runs before anything is installed.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.mjs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planBuild } from './build.mjs';
import { profileMark } from './profile.mjs';
import { DEBIAN_PYTHON, aptCommand, findPython, modulesFor, packagesFor, probeModules, whichSync } from './python.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tasks = { test: 'check', demo: 'demo:run' };
const task = process.argv[2];
const STATE_PATH = join(root, 'node_modules', '.vitest-tier4-setup.json');
/** Bump when the meaning of the state file changes. */
const STATE_VERSION = 1;

function say(message) {
  process.stderr.write(`[vitest-tier4 setup] ${message}\n`);
}

/** Children still running (an install in the background); killed when the setup fails. */
const children = new Set();

function fail(message) {
  for (const child of children) child.kill('SIGTERM');
  process.stderr.write(`\n[vitest-tier4 setup] ${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  return spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
}

/** Time limits of the installs (a stuck mirror must not hang the command forever). */
const PNPM_INSTALL_TIMEOUT_MS = 10 * 60_000;
// pnpm's own install scripts only swap its launchers for a native binary; without them pnpm runs
// through Node. npm 11 would otherwise warn that they were not allowed to run.
const PNPM_INSTALL_ARGS = ['install', '-g', '--ignore-scripts', 'pnpm@12'];
const APT_TIMEOUT_MS = 20 * 60_000;

/**
 * Runs a command asynchronously; resolves to its exit status and (when captured) the tail of its
 * output. Killed after `timeoutMs` (its status is then null and the output says so).
 */
function runAsync(command, args, { capture = false, timeoutMs, ...options }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit', ...options });
    children.add(child);
    let output = '';
    const timer = setTimeout(() => {
      output += `\n${command} ${args[0] ?? ''} did not finish in ${timeoutMs / 60_000} min: killed\n`;
      if (!capture) process.stderr.write(output);
      child.kill('SIGTERM');
    }, timeoutMs);
    if (capture) {
      const keep = (chunk) => {
        output = (output + chunk.toString('utf8')).slice(-20_000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
    }
    const done = (result) => {
      clearTimeout(timer);
      children.delete(child);
      resolve(result);
    };
    child.on('error', (error) => done({ status: null, output: `${output}${error.message}\n` }));
    child.on('close', (status) => done({ status, output }));
  });
}

// ---------------------------------------------------------------------------------------------
// The remembered state: what was found, and the stat stamps that prove it still holds.

function stampOf(path) {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function stamps(paths) {
  return [...new Set(paths)].map((p) => [p, stampOf(p)]);
}

function stampsHold(list) {
  return Array.isArray(list) && list.length > 0 && list.every(([p, s]) => stampOf(p) === s);
}

function readState() {
  try {
    const state = JSON.parse(readFileSync(STATE_PATH, 'utf8'));
    if (state && state.version === STATE_VERSION) return state;
  } catch {
    // no state yet, or unreadable: start over
  }
  return { version: STATE_VERSION };
}

function writeState(state) {
  try {
    writeFileAtomic(STATE_PATH, `${JSON.stringify(state, null, 2)}\n`);
  } catch {
    // the state only saves time next run
  }
}

// ---------------------------------------------------------------------------------------------

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(`Node ${process.versions.node} is too old: vitest-tier4 needs Node >= 20.19. Install a newer Node and run again.`);
  }
}

function pnpmWorks() {
  return spawnSync('pnpm', ['--version'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

function ensurePnpm(state) {
  const path = whichSync('pnpm');
  if (path && state.pnpm && state.pnpm.path === path && stampsHold(state.pnpm.stamps)) return;
  if (!path || !pnpmWorks()) {
    const command = `npm ${PNPM_INSTALL_ARGS.join(' ')}`;
    say(`pnpm is missing: installing it with \`${command}\` (corepack cannot verify pnpm here).`);
    const result = run('npm', PNPM_INSTALL_ARGS, { timeout: PNPM_INSTALL_TIMEOUT_MS });
    if (result.status !== 0 || !pnpmWorks()) {
      fail(`Could not install pnpm. Run \`${command}\` (with sudo if npm asks for it), then run this command again.`);
    }
  }
  const found = whichSync('pnpm');
  if (found) state.pnpm = { path: found, stamps: stamps([found, safeRealpath(found)]) };
}

function safeRealpath(path) {
  try {
    return realpathSync(path);
  } catch {
    return path;
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

/** Starts `pnpm install` when the manifests changed since the last successful one; resolves when done. */
function installPackages(state) {
  const fingerprint = installFingerprint();
  // node_modules/.modules.yaml is pnpm's own record: a deleted or replaced node_modules is reinstalled
  if (state.install && state.install.fingerprint === fingerprint && stampsHold(state.install.stamps)) return null;
  say('installing the workspace packages: pnpm install --frozen-lockfile');
  return runAsync('pnpm', ['install', '--frozen-lockfile'], { timeoutMs: PNPM_INSTALL_TIMEOUT_MS }).then((result) => {
    if (result.status !== 0) {
      // thrown, not fail(): an apt install still running beside it is waited for, never cut off
      throw new Error('`pnpm install --frozen-lockfile` failed (see above). Fix the cause, then run this command again.');
    }
    state.install = { fingerprint, stamps: stamps([join(root, 'node_modules', '.modules.yaml')]) };
  });
}

/** What decides the system check's answer besides the files it stamps. */
function systemKey(entries, modules) {
  return JSON.stringify([task, process.env.TIER4_PYTHON ?? null, process.env.PATH ?? '', entries, modules]);
}

/** Which of the task's package entries are missing, given where Python found its modules. */
function missingEntries(entries, python) {
  return entries.filter((p) => {
    if (p.module) return !python || python.missing.includes(p.module);
    if (p.command) return whichSync(p.command) === null;
    if (p.path) return !existsSync(p.path);
    return false;
  });
}

/**
 * Looks for an interpreter with the task's modules and the task's other packages; returns the
 * interpreter, the missing entries and the stamps that will prove the answer next time.
 */
function probeSystem(entries, modules) {
  const found = findPython(modules);
  // with no interpreter that has everything, judge what is missing on the one apt installs for
  const python = found.python
    ? { exe: found.python, found: found.found, missing: [] }
    : (() => {
        const p = probeModules(DEBIAN_PYTHON, modules);
        return p.ok ? p : null;
      })();
  const missing = missingEntries(entries, python);
  const paths = [];
  if (found.python) {
    const given = process.env.TIER4_PYTHON;
    paths.push(found.python, safeRealpath(found.python), ...Object.values(found.found).filter(Boolean));
    if (given) paths.push(whichSync(given) ?? given);
  }
  for (const p of entries) {
    if (p.command) {
      const at = whichSync(p.command);
      if (at) paths.push(at, safeRealpath(at));
    }
    if (p.path) paths.push(p.path);
  }
  return { python: found.python, report: found.report, missing, paths };
}

function aptListsPresent() {
  try {
    return readdirSync('/var/lib/apt/lists').some((f) => f.endsWith('_Packages') || f.endsWith('_Packages.lz4'));
  } catch {
    return false;
  }
}

/** One `apt-get install --no-install-recommends` of `names` (after `apt-get update` only when needed). */
async function aptInstall(names) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => runAsync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], { env, capture: true, timeoutMs: APT_TIMEOUT_MS });
  const update = () => runAsync('apt-get', ['update', '-qq'], { env, capture: true, timeoutMs: APT_TIMEOUT_MS });
  if (!aptListsPresent()) {
    const u = await update();
    if (u.status !== 0) return u;
    return install();
  }
  const first = await install();
  if (first.status === 0) return first;
  // stale or incomplete package lists ("Unable to locate package", 404s): refresh once and retry
  const u = await update();
  if (u.status !== 0) return { status: u.status, output: `${first.output}${u.output}` };
  return install();
}

/**
 * Makes sure the task's Debian packages are there. Returns a promise of the interpreter to use, or
 * the interpreter itself when nothing has to be installed.
 */
function ensureSystem(state, modules) {
  const entries = packagesFor(task);
  const key = systemKey(entries, modules);
  const known = state.system?.[key];
  if (known && stampsHold(known.stamps)) return known.python;
  const first = probeSystem(entries, modules);
  const remember = (result) => {
    state.system = { ...(state.system ?? {}), [key]: { python: result.python, stamps: stamps(result.paths) } };
    return result.python;
  };
  if (first.python && first.missing.length === 0) return remember(first);
  const missing = first.missing.length > 0 ? first.missing : entries.filter((p) => p.module);
  const command = aptCommand(missing);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const what = first.python ? `missing ${missing.map((p) => p.name).join(', ')}` : `no Python can import ${modules.join(', ')} (tried: ${first.report})`;
  if (!isRoot || !whichSync('apt-get')) {
    fail(`${what}.\n` +
      `Run: sudo ${command}\n` +
      'or point TIER4_PYTHON at an interpreter that has the Python modules, then run this command again.');
  }
  say(`${what}.`);
  say(`installing from Debian: ${command}`);
  const started = Date.now();
  return aptInstall(missing.map((p) => p.name)).then((install) => {
    const again = probeSystem(entries, modules);
    if (install.status === 0 && again.python && again.missing.length === 0) {
      say(`Debian packages installed in ${((Date.now() - started) / 1000).toFixed(1)} s; using Python ${again.python}`);
      return remember(again);
    }
    const tail = install.output.trim().split('\n').slice(-15).join('\n');
    fail(`apt-get could not provide ${again.python ? again.missing.map((p) => p.name).join(', ') : `a Python with ${modules.join(', ')} (tried: ${again.report})`}` +
      `${tail ? `; apt-get said:\n${tail}` : ''}\n` +
      `Run: apt-get update && ${command}\n` +
      'or point TIER4_PYTHON at an interpreter that has the Python modules.');
  });
}

/**
 * Builds the packages (scripts/build.mjs's `tsc -b`, skipped when current) while apt installs;
 * rejects when the compiler fails, with its errors printed above.
 */
async function buildBeside() {
  const plan = planBuild();
  if ('status' in plan) {
    if (plan.status !== 0) throw new Error('the build could not start (see above). Run `pnpm install`, then this command again.');
    return;
  }
  say('building the packages while the Debian packages install: tsc -b');
  const started = Date.now();
  const result = await runAsync(plan.command, plan.args, { cwd: plan.cwd, timeoutMs: plan.timeoutMs });
  if (result.status !== 0) throw new Error('the build failed (tsc -b, see above). Fix the errors, then run this command again.');
  plan.record();
  say(`packages built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const script = tasks[task];
if (!script) {
  fail(`unknown task ${JSON.stringify(task)}: expected one of ${Object.keys(tasks).join(', ')}.`);
}
profileMark('bootstrap:start', { node_start_ms: performance.now() });
checkNode();
const state = readState();
const before = JSON.stringify(state);
ensurePnpm(state);
// the Debian packages and the workspace packages install at the same time; while apt still runs
// after pnpm is done, the packages are built too (the task's own build step then finds them current)
const system = ensureSystem(state, modulesFor(task));
const installing = installPackages(state);
const building = system instanceof Promise ? Promise.resolve(installing).then(buildBeside) : null;
// a failed pnpm install or build is reported once apt has finished: a dpkg run cut off halfway
// leaves the machine's packages half-configured
const settled = await Promise.allSettled([system, installing, building]);
const failure = settled.find((r) => r.status === 'rejected');
if (failure) fail(failure.reason instanceof Error ? failure.reason.message : String(failure.reason));
const python = settled[0].value;
if (JSON.stringify(state) !== before) writeState(state);
profileMark('bootstrap:checked');
const env = { ...process.env, TIER4_PYTHON: python };
if (task === 'demo') {
  // in this process: no pnpm and no other Node start before Vitest (scripts/demo.mjs is `demo:run`)
  const { runDemo } = await import('./demo.mjs');
  process.exit(runDemo([], env));
}
const result = run('pnpm', ['run', '--silent', script], { env });
process.exit(result.status ?? 1);
