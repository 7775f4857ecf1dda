#!/usr/bin/env node
// `pnpm run check` (what `npm test` runs) and its parts: every check of the repository as a set of
// steps run side by side, as many at a time as the machine has cores.
//
//   node scripts/check.mjs                 everything: build, schema types, tsc, mypy, eslint, the
//                                          API reference's checks (TypeDoc), the TypeScript tests
//                                          of every package, pytest, then the slowest tests
//                                          (`pnpm run test:slowest`)
//   node scripts/check.mjs <group>...      only these groups (and the steps they need, such as the
//                                          build): build, schema, typecheck, typecheck:py, lint,
//                                          docs, test:ts, test:py
//   --jobs N (or TIER4_CHECK_JOBS=N)       steps at a time (default: the machine's parallelism)
//   --list                                 print the steps and exit
//   extra arguments after `--`             passed to every package's `vitest run`
//
// Why: each check is one single-threaded process (tsc, mypy, eslint, one Vitest run), so running
// them one after another left one of the two cores of a small CI machine idle most of the time.
// A step starts when the steps it needs have passed; among the ready ones the one that heads the
// longest chain of work (by the last run's times, recorded in
// node_modules/.cache/vitest-tier4/check-times.json, or by estimates on a fresh clone) starts
// first: the build, then the long test suite, never last. A step's output is printed as one block when it ends (so the
// output of two steps never interleaves), with its wall time and CPU time (user + sys of the step
// and everything it started: a figure that does not depend on how busy the machine is). A failed
// step does not stop the others, except those that need it; the exit status is 1 when any failed,
// and the summary names them. Every step has a time limit; on a limit, Ctrl-C or a kill, the step's
// whole process group is ended.
//
// Plain Node with no dependencies.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.mjs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const CACHE = join(root, 'node_modules', '.cache', 'vitest-tier4');
/** Vitest JSON reports (one per package) and pytest's JUnit XML, read by scripts/slowest-tests.mjs. */
const TIMES_DIR = join(CACHE, 'test-times');
const STEP_TIMES = join(CACHE, 'check-times.json');
const MINUTE = 60_000;
/** Grace between SIGTERM and SIGKILL of a step's process group. */
const KILL_GRACE_MS = 5000;

const node = process.execPath;
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);

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

/** The workspace packages with a `test` script and a tsconfig.test.json, with their names. */
function packages() {
  const out = [];
  for (const dir of workspacePackages()) {
    const manifest = join(root, dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    out.push({ dir, name: pkg.name, test: Boolean(pkg.scripts?.test), tsconfig: existsSync(join(root, dir, 'tsconfig.test.json')) });
  }
  return out;
}

/**
 * @typedef {object} Step
 * @property {string} name      unique, printed
 * @property {string} group     what `check.mjs <group>` selects
 * @property {string} command
 * @property {string[]} args
 * @property {string} [cwd]
 * @property {string[]} needs   names of steps that must pass first
 * @property {number} timeoutMs
 * @property {number} guessMs   expected wall time when no earlier run recorded one
 */

/** Expected wall time of each package's tests before a run has recorded one (idle 2-core machine). */
const PACKAGE_TEST_GUESS_MS = { 'vitest-tier4': 300_000, 'vitest-tier4-fixtures': 70_000, 'vitest-tier4-examples': 25_000 };

/** Every step of the check (one definition: package.json's scripts select groups of it). */
function allSteps(vitestArgs) {
  /** @type {Step[]} */
  const steps = [
    { name: 'build', group: 'build', command: node, args: [join(root, 'scripts', 'build.mjs')], needs: [], timeoutMs: 10 * MINUTE, guessMs: 20_000 },
    { name: 'schema types', group: 'schema', command: node, args: [join(root, 'scripts', 'schema-types.mjs'), '--check'], needs: [], timeoutMs: 2 * MINUTE, guessMs: 2000 },
    { name: 'eslint', group: 'lint', command: node, args: [bin('eslint', 'bin/eslint.js'), '--max-warnings=0', '.'], needs: [], timeoutMs: 10 * MINUTE, guessMs: 15_000 },
    { name: 'mypy', group: 'typecheck:py', command: node, args: [join(root, 'scripts', 'python-check.mjs'), 'mypy'], needs: [], timeoutMs: 15 * MINUTE, guessMs: 10_000 },
    // the API reference's checks (typedoc.config.mjs); tsc checks the types themselves
    { name: 'typedoc', group: 'docs', command: node, args: [bin('typedoc', 'bin/typedoc'), '--emit', 'none', '--logLevel', 'Warn'], needs: ['build'], timeoutMs: 10 * MINUTE, guessMs: 15_000 },
    { name: 'pytest', group: 'test:py', command: node, args: [join(root, 'scripts', 'python-check.mjs'), 'pytest'], needs: [], timeoutMs: 15 * MINUTE, guessMs: 20_000 },
  ];
  const testConfigs = packages().filter((p) => p.tsconfig).map((p) => join(root, p.dir, 'tsconfig.test.json'));
  if (testConfigs.length > 0) {
    // Every package's tests, benches and configs in ONE `tsc -b`: one process loads the libraries'
    // declarations (Node's, Vitest's and Vite's: most of what tsc reads) once for all of them, and a
    // package's test config references its own tsconfig.json, so its src/ (type-checked by the
    // build) is read from the built .d.ts instead of being checked again (about 24 s of CPU -> 15).
    steps.push({ name: 'tsc', group: 'typecheck', command: node, args: [bin('typescript', 'bin/tsc'), '-b', ...testConfigs], needs: ['build'], timeoutMs: 10 * MINUTE, guessMs: 30_000 });
  }
  for (const pkg of packages()) {
    if (pkg.test) {
      const out = join(TIMES_DIR, `${pkg.name}.json`);
      steps.push({
        name: `vitest ${pkg.name}`,
        group: 'test:ts',
        command: 'pnpm',
        args: ['run', '--silent', 'test', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...vitestArgs],
        cwd: join(root, pkg.dir),
        needs: ['build'],
        // a fresh clone has no recorded times: the package suites' sizes, as measured on a 2-core machine
        guessMs: PACKAGE_TEST_GUESS_MS[pkg.name] ?? 60_000,
        // a hang's limit, not a speed target: the suite took over 20 min at load 10 (6 users, 2 cores)
        timeoutMs: 45 * MINUTE,
      });
    }
  }
  return steps;
}

const GROUPS = ['build', 'schema', 'typecheck', 'typecheck:py', 'lint', 'docs', 'test:ts', 'test:py'];

function parseArgs(argv) {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const vitestArgs = dash === -1 ? [] : argv.slice(dash + 1);
  let jobs = process.env.TIER4_CHECK_JOBS ? Number(process.env.TIER4_CHECK_JOBS) : availableParallelism();
  let list = false;
  const groups = [];
  for (let i = 0; i < own.length; i++) {
    const a = own[i];
    if (a === '--jobs') jobs = Number(own[++i]);
    else if (a.startsWith('--jobs=')) jobs = Number(a.slice('--jobs='.length));
    else if (a === '--list') list = true;
    else if (GROUPS.includes(a)) groups.push(a);
    else {
      process.stderr.write(`check: unknown argument ${JSON.stringify(a)}; expected a group (${GROUPS.join(', ')}), --jobs N, --list or -- <vitest args>\n`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(jobs) || jobs < 1) {
    process.stderr.write(`check: --jobs / TIER4_CHECK_JOBS must be an integer >= 1, received ${JSON.stringify(String(jobs))}\n`);
    process.exit(2);
  }
  return { groups, jobs, list, vitestArgs };
}

/** The selected steps and everything they need. */
function select(steps, groups) {
  if (groups.length === 0) return steps;
  const byName = new Map(steps.map((s) => [s.name, s]));
  const chosen = new Set();
  const add = (s) => {
    if (chosen.has(s)) return;
    chosen.add(s);
    for (const n of s.needs) add(byName.get(n));
  };
  for (const s of steps) if (groups.includes(s.group)) add(s);
  return steps.filter((s) => chosen.has(s));
}

function readTimes() {
  try {
    const value = JSON.parse(readFileSync(STEP_TIMES, 'utf8'));
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}

function writeTimes(times) {
  try {
    writeFileAtomic(STEP_TIMES, `${JSON.stringify(times, null, 2)}\n`);
  } catch {
    // the record only orders the next run
  }
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const seconds = (ms) => (ms === null || ms === undefined ? '   n/a' : `${(ms / 1000).toFixed(1).padStart(5)} s`);

// a reader that went away (`| head`) is not an error of the check
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
});

/** Process groups of the running steps, ended on every way out. */
const running = new Set();
/** Set on a signal: no further step starts. */
let stopping = false;
function killAll(signal) {
  for (const pid of running) {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopping = true;
    killAll('SIGTERM');
    setTimeout(() => {
      killAll('SIGKILL');
      process.exit(130);
    }, KILL_GRACE_MS).unref();
    process.stderr.write(`\ncheck: ${signal}: ending ${running.size} running step(s)\n`);
  });
}
process.on('exit', () => killAll('SIGKILL'));

/** Runs one step in its own process group; resolves to { ok, wallMs, cpuMs, output, why }. */
function runStep(step) {
  return new Promise((resolve) => {
    const started = performance.now();
    const chunks = [];
    let report;
    const child = spawn(node, [join(root, 'scripts', 'cpu-time.mjs'), '3', step.command, ...step.args], {
      cwd: step.cwd ?? root,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
      // output is buffered: keep the colours a terminal would have shown
      env: process.stdout.isTTY && process.env.FORCE_COLOR === undefined ? { ...process.env, FORCE_COLOR: '1' } : process.env,
    });
    running.add(child.pid);
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    let reportText = '';
    child.stdio[3].on('data', (c) => {
      reportText += c;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // gone
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }, KILL_GRACE_MS).unref();
    }, step.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      running.delete(child.pid);
      resolve({ ok: false, wallMs: performance.now() - started, cpuMs: null, output: Buffer.concat(chunks).toString(), why: `cannot start: ${error.message}` });
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      running.delete(child.pid);
      try {
        report = JSON.parse(reportText.trim().split('\n').pop() || 'null');
      } catch {
        report = null;
      }
      const wallMs = performance.now() - started;
      const ok = !timedOut && status === 0;
      const why = timedOut
        ? `killed after its time limit of ${step.timeoutMs / MINUTE} min`
        : status !== 0
          ? `exit ${status ?? signal}`
          : '';
      resolve({ ok, wallMs, cpuMs: report?.cpuMs ?? null, output: Buffer.concat(chunks).toString(), why });
    });
  });
}

async function main() {
  const { groups, jobs, list, vitestArgs } = parseArgs(process.argv.slice(2));
  const steps = select(allSteps(vitestArgs), groups);
  const times = readTimes();
  const expected = (s) => times[s.name]?.wallMs ?? s.guessMs;
  // a step's priority is the longest chain of work it starts: its own time plus that of its
  // longest chain of dependents (the build, which every test waits for, goes first)
  const priority = new Map();
  const chain = (s) => {
    if (!priority.has(s.name)) {
      const after = steps.filter((d) => d.needs.includes(s.name)).map(chain);
      priority.set(s.name, expected(s) + Math.max(0, ...after));
    }
    return priority.get(s.name);
  };
  if (list) {
    for (const s of [...steps].sort((a, b) => chain(b) - chain(a))) {
      process.stdout.write(`${s.name.padEnd(34)} ${s.group.padEnd(13)} expected ${seconds(expected(s))}, chain ${seconds(chain(s))}  needs: ${s.needs.join(', ') || '-'}\n`);
    }
    return 0;
  }
  mkdirSync(TIMES_DIR, { recursive: true });
  const t0 = performance.now();
  process.stdout.write(`check: ${plural(steps.length, 'step')}, ${jobs} at a time\n`);

  /** @type {Map<string, {ok: boolean, wallMs: number|null, cpuMs: number|null, why: string}>} */
  const results = new Map();
  const pending = new Set(steps);
  let active = 0;
  await new Promise((done) => {
    const pump = () => {
      // steps whose needs failed are not run
      for (const s of pending) {
        const failed = s.needs.find((n) => results.has(n) && !results.get(n).ok);
        if (failed) {
          pending.delete(s);
          results.set(s.name, { ok: false, wallMs: null, cpuMs: null, why: `not run: ${failed} failed` });
        }
      }
      const ready = [...pending].filter((s) => s.needs.every((n) => results.get(n)?.ok)).sort((a, b) => chain(b) - chain(a));
      while (!stopping && active < jobs && ready.length > 0) {
        const s = ready.shift();
        pending.delete(s);
        active++;
        process.stdout.write(`check: started ${s.name}\n`);
        void runStep(s).then((r) => {
          active--;
          results.set(s.name, r);
          const head = `${r.ok ? 'ok  ' : 'FAIL'} ${s.name}: ${seconds(r.wallMs).trim()} wall, ${seconds(r.cpuMs).trim()} CPU${r.why ? ` (${r.why})` : ''}`;
          process.stdout.write(`\n──── ${head} ────\n${r.output}${r.output.endsWith('\n') || !r.output ? '' : '\n'}`);
          if (r.ok) times[s.name] = { wallMs: Math.round(r.wallMs), cpuMs: r.cpuMs };
          pump();
        });
      }
      if (active === 0 && (pending.size === 0 || stopping)) done();
    };
    pump();
  });
  for (const s of pending) results.set(s.name, { ok: false, wallMs: null, cpuMs: null, why: 'not run: stopped' });
  writeTimes(times);

  const wallMs = performance.now() - t0;
  const cpuMs = [...results.values()].reduce((sum, r) => sum + (r.cpuMs ?? 0), 0);
  process.stdout.write(`\ncheck: ${plural(steps.length, 'step')} in ${seconds(wallMs).trim()} wall, ${seconds(cpuMs).trim()} CPU in all (load ${loadavg()})\n`);
  for (const s of steps) {
    const r = results.get(s.name);
    process.stdout.write(`  ${r.ok ? 'ok  ' : 'FAIL'} ${s.name.padEnd(34)} ${seconds(r.wallMs)} wall ${seconds(r.cpuMs)} CPU${r.why ? `  ${r.why}` : ''}\n`);
  }
  const failed = steps.filter((s) => !results.get(s.name).ok);
  if (stopping) return 130;
  if (failed.length > 0) {
    process.stdout.write(`\ncheck: FAILED: ${failed.map((s) => s.name).join(', ')}\n`);
    return 1;
  }
  if (groups.length === 0 || groups.some((g) => g.startsWith('test'))) {
    // where the suite's time went (reads the reports the test steps just wrote)
    spawnSync(node, [join(root, 'scripts', 'slowest-tests.mjs')], { cwd: root, stdio: 'inherit', timeout: MINUTE });
  }
  return 0;
}

function loadavg() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

process.exitCode = await main();
