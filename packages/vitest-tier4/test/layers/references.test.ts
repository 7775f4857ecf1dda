/**
 * readReferences: the reference tensors of a per-layer comparison are views of one read of the
 * file the Python side wrote (held once), with clear errors for a spec that does not fit the file.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readReferences, type ReferenceSpec } from '../../src/layers/references.js';
import { cleanupTmp, tmpDir } from '../tier4/helpers.js';

afterAll(cleanupTmp);

async function file(bytes: Uint8Array): Promise<string> {
  const path = join(await tmpDir('refs-'), 'references.bin');
  await writeFile(path, bytes);
  return path;
}

describe('readReferences', () => {
  it('views every tensor in one buffer at aligned offsets and copies only an unaligned one', async () => {
    const bytes = new Uint8Array(192);
    new Float32Array(bytes.buffer, 0, 3).set([1.5, -2, 3]);
    new BigInt64Array(bytes.buffer, 64, 2).set([-1n, 2n ** 40n]);
    bytes.set([1, 0, 1], 128);
    new DataView(bytes.buffer).setFloat32(133, 7.25, true); // offset 133: not a multiple of 4
    const specs: ReferenceSpec[] = [
      { name: 'f', dtype: 'float32', shape: [3], offset: 0, nbytes: 12 },
      { name: 'i', dtype: 'int64', shape: [2, 1], offset: 64, nbytes: 16 },
      { name: 'b', dtype: 'bool', shape: [3], offset: 128, nbytes: 3 },
      { name: 'u', dtype: 'float32', shape: [], offset: 133, nbytes: 4 },
      { name: 'e', dtype: 'float32', shape: [0, 4], offset: 192, nbytes: 0 },
    ];
    const refs = await readReferences(await file(bytes), specs);
    const f = refs.get('f')!;
    expect(Array.from(f.data as Float32Array)).toEqual([1.5, -2, 3]);
    expect(Array.from(refs.get('i')!.data as BigInt64Array)).toEqual([-1n, 2n ** 40n]);
    expect(refs.get('i')!.shape).toEqual([2, 1]);
    expect(Array.from(refs.get('b')!.data as Uint8Array)).toEqual([1, 0, 1]);
    expect(Array.from(refs.get('u')!.data as Float32Array)).toEqual([7.25]);
    expect(refs.get('e')!.data.length).toBe(0);
    // the aligned tensors share the file's buffer: the activations are not copied
    expect(refs.get('i')!.data.buffer).toBe(f.data.buffer);
    expect(refs.get('b')!.data.buffer).toBe(f.data.buffer);
    expect(refs.get('u')!.data.buffer).not.toBe(f.data.buffer);
  });

  it('refuses a spec that does not fit, naming the tensor and the file', async () => {
    const path = await file(new Uint8Array(16));
    await expect(readReferences(path, [{ name: 'x', dtype: 'float32', shape: [8], offset: 0, nbytes: 32 }])).rejects.toThrow(
      new RegExp(`reference tensor 'x' of ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: bytes 0\\.\\.32 lie outside the file \\(16 bytes\\)`),
    );
    await expect(readReferences(path, [{ name: 'x', dtype: 'float32', shape: [2], offset: 0, nbytes: 12 }])).rejects.toThrow(
      /reference tensor 'x' .*: 12 bytes for shape \[2\] float32 \(expected 8\)/,
    );
    await expect(readReferences(path, [{ name: 'x', dtype: 'complex64', shape: [1], offset: 0, nbytes: 8 }])).rejects.toThrow(
      /reference tensor 'x' .*: unknown dtype "complex64"/,
    );
    await expect(readReferences(path, [{ name: 'x', dtype: 'float32', shape: [-1], offset: 0, nbytes: 4 }])).rejects.toThrow(
      /shape must be a list of integers >= 0, received \[-1\]/,
    );
  });
});
