/**
 * One-line messages naming the thing, the expected and the received, for the bad CLI inputs of
 * issue 9: negative numbers to numeric flags (node's parseArgs said "argument is ambiguous"), an
 * empty export dir argument (it meant the current directory), a directory that does not exist.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cli } from '../cli/run-cli.js';
import { cleanupTmp, copyExport, fixture } from '../tier4/helpers.js';

afterAll(cleanupTmp);

describe('tier4 validate: one-line usage errors (exit 2)', () => {
  test.each([
    [['validate', 'x', '--samples', '-1'], 'tier4: option "--samples" expected an integer >= 1, received -1 (see tier4 --help)\n'],
    [['validate', 'x', '--iterations', '-3'], 'tier4: option "--iterations" expected an integer >= 1, received -3 (see tier4 --help)\n'],
    [['validate', 'x', '--timeout-ms', '-5'], 'tier4: option "--timeout-ms" expected a finite number of ms > 0, received -5 (see tier4 --help)\n'],
    [['validate', 'x', '--budget-ms', '-0.5'], 'tier4: option "--budget-ms" expected a finite number of ms > 0, received -0.5 (see tier4 --help)\n'],
    [['validate', ''], 'tier4: validate: <export-dir> expects a directory path, received "" (see tier4 --help)\n'],
  ])('%j', async (argv, message) => {
    expect(await cli(argv)).toEqual({ code: 2, stdout: '', stderr: message });
  });

  test('a directory that does not exist says so (not that its metadata.json is missing)', async () => {
    const r = await cli(['validate', '/nonexistent/tier4/export', '--no-latency']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'tier4: cannot read export dir /nonexistent/tier4/export: Export directory /nonexistent/tier4/export does not exist\n' });
  });
});

/** The data of a version 1.0 .npy file re-written with a header whose length does not align the data (numpy reads such files). */
function unalignedNpy(original: Buffer): Buffer {
  const headerLen = original.readUInt16LE(8);
  const header = original.subarray(10, 10 + headerLen).toString('latin1').trimEnd();
  const text = Buffer.from(`${header} \n`, 'latin1'); // 10 + len is no longer a multiple of 16 (nor of 4)
  const len = Buffer.alloc(2);
  len.writeUInt16LE(text.length);
  return Buffer.concat([original.subarray(0, 8), len, text, original.subarray(10 + headerLen)]);
}

describe('tier4 validate on damaged or unusual .npy samples', () => {
  test('a truncated .npy: one line naming the file, the bytes it needs and the bytes it has (was "Invalid typed array length")', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    const npy = join(dir, 'samples/sample_000/pixel_values.npy');
    const bytes = await readFile(npy);
    await writeFile(npy, bytes.subarray(0, 6208));
    const r = await cli(['validate', dir, '--samples', '1', '--no-latency', '--formats', 'onnx']);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr:
        `tier4: cannot read export dir ${dir}: Cannot load samples[0].inputs.pixel_values listed in ${join(dir, 'metadata.json')}: ` +
        `loadNpy: ${npy} is truncated: shape [1, 3, 32, 32] float32 needs 12288 bytes of data after the 128-byte header, the file has 6080\n`,
    });
  });

  test('an unaligned .npy header is read as numpy reads it (was a typed-array offset error): the export validates', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    const npy = join(dir, 'samples/sample_000/pixel_values.npy');
    const original = await readFile(npy);
    const shifted = unalignedNpy(original);
    expect((shifted.readUInt16LE(8) + 10) % 4).not.toBe(0);
    await writeFile(npy, shifted);
    const r = await cli(['validate', dir, '--samples', '1', '--no-latency', '--formats', 'onnx']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tier4: OK simple_cnn/m);
  });
});

