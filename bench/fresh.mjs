#!/usr/bin/env node
// Benchmark: the parts of a fresh machine's first `npm run demo` that can be measured on a machine
// that already has everything (without uninstalling what others use). Usage, at the repository root:
//
//   node bench/fresh.mjs            # all three parts
//   node bench/fresh.mjs apt|pnpm|demo
//
// 1. apt: the Debian packages the bootstrap would install. A fresh machine's dpkg state is
//    simulated by this machine's /var/lib/dpkg/status minus every package that the project's apt
//    calls installed (the apt history entries whose command line installs python3-torch and those
//    after it); against it, `apt-get install -s` counts the packages of the bootstrap's call for
//    `demo` and `test`, with and without --no-install-recommends. Then the `demo` set is downloaded
//    into a temporary archive dir (`--download-only`: nothing is installed) and unpacked with
//    `dpkg -x` into a temporary root: download and unpack time, not the maintainer scripts
//    (py3compile, triggers), which a real install adds.
// 2. pnpm: a fresh clone (git clone of this checkout into a temp dir) installed with
//    `pnpm install --frozen-lockfile` with an empty store (what a fresh machine downloads) and with
//    this machine's store (a CI cache).
// 3. demo: in that clone, the first `npm run demo` with an empty fixture cache (TIER4_CACHE_DIR),
//    so every fixture is exported (in parallel), with the phases of bench/demo.mjs.
// Every figure is printed with /proc/loadavg; on a machine shared with other jobs they are upper bounds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadavg } from './lib.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const parts = process.argv.slice(2);
const want = (p) => parts.length === 0 || parts.includes(p);
const work = mkdtempSync(join(tmpdir(), 'vitest-tier4-bench-fresh-'));
const { packagesFor } = await import(pathToFileURL(join(root, 'scripts', 'python.mjs')).href);


/** Runs a command; returns its wall time in s, status and output. */
function timed(command, args, options = {}) {
  const t0 = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 30 * 60_000, ...options });
  return { s: (performance.now() - t0) / 1000, status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function say(line) {
  console.log(`${line}   [loadavg ${loadavg()}]`);
}

try {
  if (want('apt')) {
    const history = readFileSync('/var/log/apt/history.log', 'utf8').split('\n\n');
    const first = history.findIndex((e) => /Commandline: .*apt-get install.*python3-torch/.test(e));
    if (first < 0) throw new Error('no apt history entry installs python3-torch: cannot simulate the fresh machine');
    const installed = new Set();
    for (const entry of history.slice(first)) {
      for (const line of entry.split('\n').filter((l) => l.startsWith('Install: '))) {
        for (const m of line.matchAll(/([a-z0-9.+-]+):[a-z0-9]+ \(/g)) installed.add(m[1]);
      }
    }
    const status = readFileSync('/var/lib/dpkg/status', 'utf8').split('\n\n');
    const fresh = status.filter((b) => {
      const name = /^Package: (\S+)/m.exec(b)?.[1];
      return name && !installed.has(name);
    });
    const statusFile = join(work, 'status');
    writeFileSync(statusFile, `${fresh.join('\n\n')}\n`);
    console.log(`apt: fresh machine simulated by dropping the ${installed.size} packages the project's apt calls installed (${fresh.length} of ${status.length} status entries kept)`);
    for (const task of ['demo', 'test']) {
      const names = packagesFor(task).map((p) => p.name);
      for (const rec of [['--no-install-recommends'], []]) {
        const r = timed('apt-get', ['install', '-s', ...rec, '-o', `Dir::State::status=${statusFile}`, ...names]);
        const n = r.out.split('\n').filter((l) => l.startsWith('Inst ')).length;
        console.log(`  ${task}: apt-get install ${rec.join(' ') || '(with recommends)'} -> ${n} packages`);
      }
    }
    const archives = join(work, 'archives');
    spawnSync('mkdir', ['-p', join(archives, 'partial')]);
    const names = packagesFor('demo').map((p) => p.name);
    const dl = timed('apt-get', ['install', '-y', '-qq', '--download-only', '--no-install-recommends', '-o', `Dir::State::status=${statusFile}`, '-o', `Dir::Cache::archives=${archives}`, ...names]);
    if (dl.status !== 0) throw new Error(`apt-get --download-only failed:\n${dl.out}`);
    const debs = readdirSync(archives).filter((f) => f.endsWith('.deb'));
    const bytes = debs.reduce((s, f) => s + readFileSync(join(archives, f)).length, 0);
    say(`  demo set downloaded: ${debs.length} .debs, ${(bytes / 1e6).toFixed(0)} MB in ${dl.s.toFixed(1)} s`);
    const target = join(work, 'root');
    const ux = timed('sh', ['-c', `mkdir -p "${target}" && for d in "${archives}"/*.deb; do dpkg -x "$d" "${target}" || exit 1; done`]);
    if (ux.status !== 0) throw new Error(`dpkg -x failed:\n${ux.out}`);
    say(`  unpacked with dpkg -x in ${ux.s.toFixed(1)} s (maintainer scripts not run)`);
    rmSync(target, { recursive: true, force: true });
    rmSync(archives, { recursive: true, force: true });
  }

  const clone = join(work, 'clone');
  if (want('pnpm') || want('demo')) {
    const c = timed('git', ['clone', '-q', '--depth', '1', `file://${root}`, clone]);
    if (c.status !== 0) throw new Error(`git clone failed:\n${c.out}`);
    say(`clone: git clone of ${root} in ${c.s.toFixed(1)} s`);
  }
  if (want('pnpm')) {
    const store = join(work, 'empty-store');
    const empty = timed('pnpm', ['install', '--frozen-lockfile', '--store-dir', store], { cwd: clone });
    if (empty.status !== 0) throw new Error(`pnpm install (empty store) failed:\n${empty.out}`);
    say(`pnpm: install with an empty store (everything downloaded): ${empty.s.toFixed(1)} s`);
    rmSync(join(clone, 'node_modules'), { recursive: true, force: true });
    for (const dir of ['packages/fixtures', 'packages/vitest-tier4', 'examples']) rmSync(join(clone, dir, 'node_modules'), { recursive: true, force: true });
    const warm = timed('pnpm', ['install', '--frozen-lockfile'], { cwd: clone });
    if (warm.status !== 0) throw new Error(`pnpm install (store) failed:\n${warm.out}`);
    say(`pnpm: install from this machine's store: ${warm.s.toFixed(1)} s`);
    rmSync(store, { recursive: true, force: true });
  }
  if (want('demo')) {
    const profile = join(work, 'demo.jsonl');
    const cache = join(work, 'fixture-cache');
    const env = { ...process.env, TIER4_PROFILE: profile, TIER4_CACHE_DIR: cache };
    const d = timed('npm', ['run', 'demo'], { cwd: clone, env });
    if (d.status !== 0) throw new Error(`npm run demo in the fresh clone failed:\n${d.out.slice(-4000)}`);
    const marks = existsSync(profile) ? readFileSync(profile, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
    const at = (name) => marks.find((m) => m.mark === name)?.t;
    const span = (a, b) => (at(a) !== undefined && at(b) !== undefined ? `${((at(b) - at(a)) / 1000).toFixed(1)} s` : 'n/a');
    say(
      `demo: first npm run demo in the clone (installs done above${want('pnpm') ? '' : ': pnpm install ran inside'}, fixture cache empty): ${d.s.toFixed(1)} s; ` +
        `set-up ${span('bootstrap:start', 'bootstrap:checked')}, build ${span('bootstrap:checked', 'build:checked')}, ` +
        `fixture exports (parallel) ${span('fixtures:start', 'fixtures:done')}, Vitest to the end ${span('vitest:spawn', 'vitest:exit')}`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
