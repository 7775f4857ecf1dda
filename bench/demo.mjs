#!/usr/bin/env node
// Benchmark: the warm `npm run demo` (everything installed, built and cached), with the breakdown
// of where its wall time goes. Usage, at the repository root after one `npm run demo`:
//
//   node bench/demo.mjs [runs=5]
//
// Each run spawns `npm run demo` exactly as a user types it, with TIER4_PROFILE pointing at a fresh
// file: the bootstrap, the build check, the plugin's globalSetups, runTier4 and the reporter append
// timing marks to it (packages/vitest-tier4/src/profile/marks.ts, scripts/profile.mjs), so does the
// Python worker, one per request (python/tier4_export/profile.py), and this script turns them into
// phases. It prints every run, then the median of each phase, with the
// machine's load average (/proc/loadavg) before each run: the figures are only meaningful on an
// otherwise idle machine.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg, median } from './lib.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const runs = Math.max(1, Number(process.argv[2] ?? 5));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const RUN_TIMEOUT_MS = 10 * 60_000;

/** One `npm run demo`; resolves to its wall time, exit status, output tail and marks. */
function runDemo(profile) {
  return new Promise((resolve) => {
    const started = performance.timeOrigin + performance.now();
    const child = spawn(npm, ['run', 'demo'], { cwd: root, env: { ...process.env, TIER4_PROFILE: profile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk.toString('utf8')).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS);
    child.on('close', (status) => {
      clearTimeout(timer);
      const ended = performance.timeOrigin + performance.now();
      let marks = [];
      try {
        marks = readFileSync(profile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      } catch {
        // no marks: reported below
      }
      resolve({ started, ended, status, output, marks });
    });
  });
}

/** The runTier4 steps, in the order run.ts marks them. */
const STEPS = ['plan', 'artifact', 'open runner', 'compare', 'quantization', 'localise', 'latency', 'speed-up', 'close'];

/**
 * Time in each runTier4 step summed over the run's validations and formats (`validation:step` marks:
 * a step's time is from the validation's previous mark to its own). Validations run concurrently,
 * so these sums may exceed the validations' wall time; latency and speed-up hold the timing gate
 * exclusively, so their sum is a floor of it.
 */
function stepTotals(marks) {
  const byValidation = new Map();
  for (const m of marks) {
    if (m.mark !== 'validation:start' && m.mark !== 'validation:step') continue;
    const key = `${m.pid} ${m.export_dir}`;
    if (m.mark === 'validation:start') byValidation.set(key, [m]);
    else byValidation.get(key)?.push(m);
  }
  const totals = Object.fromEntries(STEPS.map((s) => [`  step: ${s}`, 0]));
  for (const list of byValidation.values()) {
    for (let i = 1; i < list.length; i++) totals[`  step: ${list[i].step}`] += list[i].t - list[i - 1].t;
  }
  return totals;
}

/**
 * Time spent under the run's timing gate (`gate:held` marks of runTier4's latency and speed-up steps
 * and the `latency` fixture): `exclusive` is the timed work itself (nothing else runs a model
 * meanwhile, so it is a floor of the validations' wall time), and what was waited for it.
 */
function gateTotals(marks) {
  const held = marks.filter((m) => m.mark === 'gate:held');
  const total = (mode, key) => held.filter((m) => m.mode === mode).reduce((a, m) => a + m[key], 0);
  return {
    '  gate: exclusive held (timed work)': total('exclusive', 'held_ms'),
    '  gate: exclusive waited': total('exclusive', 'wait_ms'),
    '  gate: shared waited (eager baseline open)': total('shared', 'wait_ms'),
  };
}

/**
 * The Python workers' own account (`worker:request` marks, one per request, written by the worker:
 * its start, wall and CPU time): how long each worker was busy, and the floor it puts under the run.
 * A worker serves one request at a time, so no run can end before its busiest worker was ready and
 * then did its requests back to back: `floor` is the latest (ready + busy) over the workers, from the
 * run's start; `idle` is the time a worker had nothing to do between being ready and its last request.
 */
function workerTotals(marks, started) {
  const requests = marks.filter((m) => m.mark === 'worker:request');
  const byWorker = new Map();
  for (const r of requests) {
    const w = byWorker.get(r.pid) ?? { busy: 0, cpu: 0, end: -Infinity };
    w.busy += r.wall_ms;
    w.cpu += r.cpu_ms;
    w.end = Math.max(w.end, r.t + r.wall_ms);
    byWorker.set(r.pid, w);
  }
  let floor = NaN;
  let idle = 0;
  for (const ready of marks.filter((m) => m.mark === 'pool:worker-ready')) {
    const w = byWorker.get(ready.worker_pid);
    if (!w) continue;
    floor = Number.isNaN(floor) ? ready.t - started + w.busy : Math.max(floor, ready.t - started + w.busy);
    idle += Math.max(0, w.end - ready.t - w.busy);
  }
  const sum = (key) => [...byWorker.values()].reduce((a, w) => a + w[key], 0);
  return {
    'Python workers busy (requests)': requests.length ? sum('busy') : NaN,
    'Python workers CPU (requests)': requests.length ? sum('cpu') : NaN,
    'Python workers idle (ready to last)': requests.length ? idle : NaN,
    'floor: worker ready + its busy time': floor,
  };
}

/** The phases of one run, in ms. */
function phases({ started, ended, marks }) {
  const first = (name) => marks.find((m) => m.mark === name)?.t ?? NaN;
  const all = (name) => marks.filter((m) => m.mark === name);
  const validationStarts = all('validation:start').map((m) => m.t);
  const validationEnds = all('validation:end').map((m) => m.t);
  const workers = all('pool:worker-ready');
  const fixtures = marks.find((m) => m.mark === 'fixtures:done');
  return {
    wall: ended - started,
    'npm + node start': first('bootstrap:start') - started,
    'bootstrap checks': first('bootstrap:checked') - first('bootstrap:start'),
    'build check': first('build:checked') - first('bootstrap:checked'),
    'Vitest start (to globalSetup)': first('pool:setup') - first('vitest:spawn'),
    'fixture cache hits': first('fixtures:done') - first('fixtures:start'),
    'worker start (import torch; overlaps)': workers[0]?.start_ms ?? NaN,
    'test files load (to 1st validation)': Math.min(...validationStarts) - first('fixtures:done'),
    validations: Math.max(...validationEnds) - Math.min(...validationStarts),
    'rest of the tests (to report)': first('report:start') - Math.max(...validationEnds),
    report: first('report:written') - first('report:start'),
    'Vitest exit': first('vitest:exit') - first('report:written'),
    'npm exit': ended - first('vitest:exit'),
    ...stepTotals(marks),
    ...gateTotals(marks),
    ...workerTotals(marks, started),
    _validations: validationStarts.length,
    _workers: workers.length,
    _cached: fixtures ? `${fixtures.cached}/${fixtures.fixtures}` : 'n/a',
  };
}

const dir = mkdtempSync(join(tmpdir(), 'vitest-tier4-bench-demo-'));
const results = [];
try {
  console.log(`warm npm run demo, ${runs} run(s) (node ${process.version})`);
  for (let i = 0; i < runs; i++) {
    const load = loadavg();
    const run = await runDemo(join(dir, `run-${i}.jsonl`));
    if (run.status !== 0 && !run.marks.some((m) => m.mark === 'report:written')) {
      console.error(`run ${i + 1}: npm run demo exited with ${run.status}:\n${run.output}`);
      process.exit(1);
    }
    // a run whose tests failed (a latency budget on a loaded machine) still timed every phase: kept, and said
    if (run.status !== 0) console.log(`  run ${i + 1}: npm run demo exited with ${run.status} (its report was written; timings kept):\n${run.output.split('\n').filter((l) => /failed|FAIL/.test(l)).slice(0, 6).join('\n')}`);
    const p = phases(run);
    results.push({ load, p });
    console.log(
      `  run ${i + 1}: ${(p.wall / 1000).toFixed(2)} s wall, validations ${(p.validations / 1000).toFixed(2)} s ` +
        `(${p._validations} validations, ${p._workers} Python worker(s) started, fixtures cached ${p._cached}); loadavg ${load}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const names = Object.keys(results[0].p).filter((k) => !k.startsWith('_'));
console.log(`\nmedian of ${runs} (ms; loadavg before the runs: ${results.map((r) => r.load.split(' ')[0]).join(', ')})`);
for (const name of names) {
  const m = median(results.map((r) => r.p[name]));
  console.log(`  ${name.padEnd(40)} ${Number.isFinite(m) ? m.toFixed(0).padStart(7) : '    n/a'}`);
}
