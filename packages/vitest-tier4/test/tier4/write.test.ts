import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { serializeTier4Report, writeTier4Report } from '../../src/tier4/index.js';
import { cleanupTmp, tmpDir } from './helpers.js';

afterAll(cleanupTmp);

describe('writeTier4Report (the one writer)', () => {
  test('creates parent directories, writes readable JSON, leaves no temporary file', async () => {
    const dir = await tmpDir('write-');
    const path = join(dir, 'a', 'b', 'tier4.json');
    const written = await writeTier4Report(path, { status: 'ok', warnings: [] });
    expect(written).toBe(path);
    expect(await readFile(path, 'utf8')).toBe('{\n  "status": "ok",\n  "warnings": []\n}\n');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['tier4.json']);
  });

  test('replaces an existing file atomically (rename over it)', async () => {
    const path = join(await tmpDir('write-'), 'tier4.json');
    await writeFile(path, 'old');
    await writeTier4Report(path, { status: 'fail' });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ status: 'fail' });
  });

  test('non-finite numbers become null and bigints numbers, so the file is always JSON', () => {
    expect(JSON.parse(serializeTier4Report({ a: Number.POSITIVE_INFINITY, b: Number.NaN, c: 5n }))).toEqual({ a: null, b: null, c: 5 });
  });

  test('bad arguments are TypeErrors; a failed write names the path', async () => {
    await expect(writeTier4Report('', {})).rejects.toThrow('writeTier4Report: path must be a non-empty string, received ""');
    await expect(writeTier4Report('x.json', null as never)).rejects.toThrow('writeTier4Report: report must be an object, received null');
    const file = join(await tmpDir('write-'), 'file');
    await writeFile(file, '');
    // a path below a regular file cannot be created
    await expect(writeTier4Report(join(file, 'sub', 'tier4.json'), {})).rejects.toThrow(
      `Cannot write Tier 4 report to ${join(file, 'sub', 'tier4.json')}: cannot create the directory ${join(file, 'sub')}: `,
    );
    await expect(writeTier4Report(join(file, 'tier4.json'), {})).rejects.toThrow(`cannot create the directory ${file}: ${file} is not a directory`);
    // a directory is not a file path
    const dir = await tmpDir('write-');
    await expect(writeTier4Report(dir, {})).rejects.toThrow(`Cannot write Tier 4 report to ${dir}: it is a directory; give a file path such as ${join(dir, 'tier4.json')}`);
  });

  test.runIf(process.platform === 'linux')('a directory that cannot be made is an error, not a hang (Node\'s recursive mkdir loops forever under /proc)', async () => {
    await expect(writeTier4Report('/proc/vitest-tier4-nope/tier4.json', {})).rejects.toThrow(
      'Cannot write Tier 4 report to /proc/vitest-tier4-nope/tier4.json: cannot create the directory /proc/vitest-tier4-nope: ',
    );
  });
});
