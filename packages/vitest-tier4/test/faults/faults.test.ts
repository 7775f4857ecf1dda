/**
 * Fault injection: the exporter, the Python worker and the two CLIs are SIGKILLed at chosen moments
 * (TIER4_FAULT_POINT / TIER4_FAULT_MARKER: the process reaching the named point writes its pid to the
 * marker and blocks until killed; fixtures/src/fault-point.ts, python/tier4_export/fault.py). After each
 * kill the cache entry, the export dir and the report files are complete or absent, never half, and the
 * next run recovers. One private cache dir and the small simple_cnn (ONNX + TorchScript, 2 samples) keep
 * the suite to a few Python starts: the kills while exporting (2), the publish kill and the rebuild after it
 * (2 exports), the --out swap kill (1 export) and the worker kill (1 worker).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildFixture, openExportDir } from 'vitest-tier4-fixtures';
import { waitForFile } from '../../../fixtures/test/helpers.js';
import { envWithoutPool, processAlive, schemaValidator, waitForExit } from '../tier4/helpers.js';

const FIXTURES_BIN = fileURLToPath(new URL('../../../fixtures/bin/vitest-tier4-fixtures.js', import.meta.url));
const TIER4_BIN = fileURLToPath(new URL('../../bin/tier4.js', import.meta.url));
const BUILD = ['--formats', 'onnx,torchscript', '--samples', '2'];

let root: string;
let cacheDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tier4-faults-'));
  cacheDir = join(root, 'cache');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Run {
  pid: number;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts a bin with the fault point armed. */
function start(bin: string, args: string[], point: string | null, marker: string): Run {
  // without the test run's worker pool: the CLI starts its own worker, which inherits the fault point
  const env = { ...envWithoutPool(), TIER4_FAULT_POINT: point ?? '', TIER4_FAULT_MARKER: point ? marker : '' };
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Awaited<Run['done']>>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
  return { pid: child.pid!, done };
}

/** Runs a bin until the process named by the fault point reaches it, SIGKILLs that process, and waits for the bin. */
async function killAt(bin: string, args: string[], point: string): Promise<{ killed: number; bin: Awaited<Run['done']> }> {
  const marker = join(root, `marker-${point}-${Date.now()}`);
  const run = start(bin, args, point, marker);
  const killed = Number(await waitForFile(marker, 120_000, `a process to reach the fault point ${point}`));
  process.kill(killed, 'SIGKILL');
  expect(await waitForExit(killed, 10_000)).toBe(true);
  return { killed, bin: await run.done };
}

/** The cache dir's entries for simple_cnn (finished entries, temp dirs), stamps and locks left out. */
async function cacheEntries(): Promise<{ entries: string[]; temps: string[] }> {
  const names = existsSync(cacheDir) ? await readdir(cacheDir) : [];
  return {
    entries: names.filter((n) => n.startsWith('simple_cnn-') && !n.endsWith('.lock') && !n.endsWith('.verified.json')),
    temps: names.filter((n) => n.startsWith('.tmp-simple_cnn-')),
  };
}

let entryDir: string;

describe('the exporter killed while building a cache entry', () => {
  test.each(['export-artifacts', 'export-metadata'])('at %s: the bin exits 1 naming the kill, and the cache has no entry and no temp dir', async (point) => {
    const { bin } = await killAt(FIXTURES_BIN, ['build', 'simple_cnn', ...BUILD, '--cache-dir', cacheDir], point);
    expect(bin.code).toBe(1);
    expect(bin.stderr).toMatch(/tier4_export build of simple_cnn failed: Python was killed by SIGKILL/);
    expect(bin.stdout).toBe('');
    expect(await cacheEntries()).toEqual({ entries: [], temps: [] });
  });

  test('the bin killed between a finished build and its publication: no entry (a complete temp dir at most); the next build publishes a complete one', async () => {
    const { bin } = await killAt(FIXTURES_BIN, ['build', 'simple_cnn', ...BUILD, '--cache-dir', cacheDir], 'cache-publish');
    expect(bin.signal).toBe('SIGKILL');
    const left = await cacheEntries();
    expect(left.entries).toEqual([]);
    expect(left.temps).toHaveLength(1);
    const fx = await buildFixture({ model: 'simple_cnn', formats: ['onnx', 'torchscript'], samples: 2, cacheDir });
    expect(fx.cached).toBe(false);
    expect(await cacheEntries()).toEqual({ entries: [fx.key], temps: [] });
    expect(Object.keys(fx.metadata.files ?? {})).toHaveLength(6);
    expect((await buildFixture({ model: 'simple_cnn', formats: ['onnx', 'torchscript'], samples: 2, cacheDir })).cached).toBe(true);
    entryDir = fx.dir;
  });
});

describe('build --out killed while replacing an earlier export', () => {
  test('killed between the two renames: DIR is absent (never a mix), the old and the new export are whole beside it', async () => {
    const parent = await mkdtemp(join(root, 'out-'));
    const out = join(parent, 'export');
    await cp(entryDir, out, { recursive: true });
    const { bin } = await killAt(FIXTURES_BIN, ['build', 'simple_cnn', ...BUILD, '--seed', '1', '--out', out], 'out-swap');
    expect(bin.signal).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false);
    const beside = (await readdir(parent)).sort();
    expect(beside).toHaveLength(2);
    const [aside, built] = [beside.find((n) => n.startsWith('.export.old-'))!, beside.find((n) => n.startsWith('.export.tmp-'))!];
    expect((await openExportDir(join(parent, aside))).metadata.seed).toBe(0);
    expect((await openExportDir(join(parent, built))).metadata.seed).toBe(1);
  });
});

describe('the Python worker killed during a validation', () => {
  test('tier4 validate: the TorchScript format fails naming the dead worker, ONNX is still validated, the JSON report is complete', async () => {
    const json = join(root, 'worker-killed.json');
    const { killed, bin } = await killAt(
      TIER4_BIN,
      ['validate', entryDir, '--samples', '1', '--no-latency', '--formats', 'torchscript,onnx', '--json', json],
      'worker-run',
    );
    expect(bin.code).toBe(1);
    expect(processAlive(killed)).toBe(false);
    const report = JSON.parse(await readFile(json, 'utf8')) as { status: string; formats: Record<string, { status: string; reason: string | null }> };
    expect((await schemaValidator())(report)).toEqual([]);
    expect(report.status).toBe('fail');
    expect(report.formats.torchscript!.status).toBe('fail');
    expect(report.formats.torchscript!.reason).toMatch(/worker/i);
    expect(report.formats.onnx!.status).toBe('ok');
  });
});

describe('tier4 validate killed while writing its report', () => {
  test('an earlier report stays whole; without one the path stays absent; only a hidden temp file is left', async () => {
    const dir = await mkdtemp(join(root, 'reports-'));
    const earlier = join(dir, 'earlier.json');
    const text = `${JSON.stringify({ status: 'ok', earlier: true })}\n`;
    await writeFile(earlier, text);
    for (const [path, before] of [[earlier, text], [join(dir, 'fresh.json'), null]] as const) {
      const { bin } = await killAt(TIER4_BIN, ['validate', entryDir, '--samples', '1', '--no-latency', '--formats', 'onnx', '--json', path], 'report-rename');
      expect(bin.signal).toBe('SIGKILL');
      if (before === null) expect(existsSync(path)).toBe(false);
      else expect(await readFile(path, 'utf8')).toBe(before);
    }
    const temps = (await readdir(dir)).filter((n) => n.endsWith('.tmp'));
    expect(temps).toHaveLength(2);
    // each temp file is a whole report (the kill came after it was written, before the rename)
    for (const t of temps) expect(JSON.parse(await readFile(resolve(dir, t), 'utf8'))).toHaveProperty('status', 'ok');
  });
});
