/**
 * Nothing of the user's is destroyed by a report path (docs/trust-model.md, "What is written"):
 * `tier4 validate --json`, `writeTier4Report` (runTier4's `json`, the reporter's `outputFile`) and
 * the reporter's step summary write only regular files. A device (`/dev/full`), a FIFO, a
 * directory and a dangling link are refused untouched, before the run for the CLI; a symlink to a
 * regular file is followed and stays a link; written files get the umask-based mode.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, statSync } from 'node:fs';
import { mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cli } from '../cli/run-cli.js';
import { Tier4Reporter } from '../../src/reporter/index.js';
import { writeTier4Report } from '../../src/tier4/index.js';
import { writeLayersReport } from '../../src/layers/index.js';
import { cleanupTmp, fixture, tmpDir } from '../tier4/helpers.js';

afterAll(cleanupTmp);

const REPORT = { status: 'ok', formats: {}, parity_report: {}, warnings: [], model: null };

describe('tier4 validate --json refuses what is not a regular file, before the run', () => {
  test('/dev/full stays a character device; exit 2 with one line', async () => {
    const fx = await fixture('simple_cnn');
    const before = statSync('/dev/full');
    const r = await cli(['validate', fx.dir, '--json', '/dev/full', '--no-latency']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'tier4: --json: Cannot write Tier 4 report to /dev/full: it is a character device, not a regular file; only regular files are written (see tier4 --help)\n',
    );
    const after = statSync('/dev/full');
    expect(after.isCharacterDevice()).toBe(true);
    expect(after.rdev).toBe(before.rdev);
  });

  test('a FIFO is refused without blocking; a link to /dev/null and a dangling link are refused', async () => {
    const fx = await fixture('simple_cnn');
    const dir = await tmpDir('paths-');
    const fifo = join(dir, 'report.fifo');
    execFileSync('mkfifo', [fifo]);
    const toNull = join(dir, 'to-null.json');
    await symlink('/dev/null', toNull);
    const dangling = join(dir, 'dangling.json');
    await symlink(join(dir, 'missing', 'x.json'), dangling);
    const cases: Array<[string, string]> = [
      [fifo, 'it is a FIFO (named pipe), not a regular file; only regular files are written'],
      [toNull, 'it is a symlink to /dev/null, which is a character device; only regular files are written'],
      [dangling, 'it is a symlink to nothing (a dangling link); remove it or give another path'],
    ];
    for (const [path, why] of cases) {
      const r = await cli(['validate', fx.dir, '--json', path, '--no-latency']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`tier4: --json: Cannot write Tier 4 report to ${path}: ${why} (see tier4 --help)\n`);
    }
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(await readlink(toNull)).toBe('/dev/null');
    expect(await readlink(dangling)).toBe(join(dir, 'missing', 'x.json'));
  });
});

describe('writeTier4Report (runTier4 json, the reporter outputFile)', () => {
  test('a symlink to a regular file is followed: the target is replaced, the link stays a link', async () => {
    const dir = await tmpDir('paths-');
    const target = join(dir, 'runs', 'run-42.json');
    await mkdir(join(dir, 'runs'));
    await writeFile(target, 'old');
    const link = join(dir, 'latest.json');
    await symlink(target, link);
    expect(await writeTier4Report(link, REPORT)).toBe(link);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await readFile(target, 'utf8'))).toEqual(REPORT);
  });

  test('written files get the umask-based mode, not a temporary file\'s 0600', async () => {
    const dir = await tmpDir('paths-');
    const path = join(dir, 'tier4.json');
    await writeTier4Report(path, REPORT);
    const umask = process.umask();
    expect(statSync(path).mode & 0o777).toBe(0o666 & ~umask);
  });

  test('the reporter refuses /dev/full as outputFile and as the step summary, naming the option', async () => {
    const reporter = new Tier4Reporter({ outputFile: '/dev/full', quiet: true });
    await expect(reporter.onTestRunEnd([], [], 'passed')).rejects.toThrow(
      'vitest-tier4: could not write the Tier 4 report to /dev/full (option outputFile / reportPath): Cannot write Tier 4 report to /dev/full: it is a character device, not a regular file; only regular files are written',
    );
    process.exitCode = 0;
    const fifo = join(await tmpDir('paths-'), 'summary.fifo');
    execFileSync('mkfifo', [fifo]);
    const warn: string[] = [];
    const saved = console.warn;
    console.warn = (text: string) => void warn.push(text);
    try {
      const ok = new Tier4Reporter({ outputFile: false, quiet: true, githubSummary: fifo });
      await ok.onTestRunEnd([], [], 'passed');
    } finally {
      console.warn = saved;
    }
    expect(warn).toEqual([`vitest-tier4: could not append the summary to ${fifo}: Cannot write the step summary to ${fifo}: it is a FIFO (named pipe), not a regular file; only regular files are written`]);
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });
});

describe('tier4 layers --json / --markdown follow the same rule (they replaced /dev/full with a regular file)', () => {
  test('refused before the run, exit 2 with one line; writeLayersReport refuses too, and /dev/full stays a device', async () => {
    const fx = await fixture('simple_cnn');
    const r = await cli(['layers', fx.dir, '--json', '/dev/full']);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'tier4: --json: Cannot write per-layer report to /dev/full: it is a character device, not a regular file; only regular files are written (see tier4 layers --help)\n',
    });
    await expect(writeLayersReport('/dev/full', '{}')).rejects.toThrow(
      'Cannot write per-layer report to /dev/full: it is a character device, not a regular file; only regular files are written',
    );
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
    const dir = await tmpDir('layers-path-');
    const file = join(dir, 'nested', 'layers.json');
    expect(await writeLayersReport(file, '{"ok": true}')).toBe(file);
    expect(await readFile(file, 'utf8')).toBe('{"ok": true}\n');
  });
});

