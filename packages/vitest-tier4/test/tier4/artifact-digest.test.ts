import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { artifactMismatchMessage, checkArtifactDigest, sha256File } from '../../src/tier4/artifact-digest.js';
import { cleanupTmp, tmpDir } from './helpers.js';

afterAll(cleanupTmp);

describe('artifact digest', () => {
  test('sha256File streams the file and equals the one-shot hash (several 64 KiB reads)', async () => {
    const bytes = Buffer.alloc(300_001);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;
    const path = join(await tmpDir('digest-'), 'model.onnx');
    await writeFile(path, bytes);
    expect(await sha256File(path)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  test('match, size mismatch, sha256 mismatch, unrecorded', async () => {
    const path = join(await tmpDir('digest-'), 'model.onnx');
    await writeFile(path, 'abc');
    const sha = createHash('sha256').update('abc').digest('hex');
    expect(await checkArtifactDigest(path, { size_bytes: 3, sha256: sha.toUpperCase() })).toMatchObject({ status: 'match', size_bytes: 3, sha256: sha });
    expect((await checkArtifactDigest(path, { size_bytes: 4, sha256: sha })).status).toBe('mismatch');
    const other = await checkArtifactDigest(path, { size_bytes: 3, sha256: 'f'.repeat(64) });
    expect(other.status).toBe('mismatch');
    expect(other.ms).toBeGreaterThanOrEqual(0);
    expect((await checkArtifactDigest(path, undefined)).status).toBe('unrecorded');
    expect(artifactMismatchMessage('model.onnx', other)).toBe(
      `model.onnx is not the file that was exported (sha256 ${sha.slice(0, 12)}..., 3 bytes; metadata.json records sha256 ffffffffffff..., 3 bytes): ` +
        "validating the file on disk against the export's reference samples",
    );
    expect(artifactMismatchMessage('model.onnx', await checkArtifactDigest(path, { size_bytes: 3, sha256: sha }))).toBeNull();
  });

  test('bytes the caller already read give the same check as streaming the file', async () => {
    const path = join(await tmpDir('digest-'), 'model.onnx');
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 31) % 251);
    await writeFile(path, bytes);
    const recorded = { size_bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    const { ms: _streamMs, ...streamed } = await checkArtifactDigest(path, recorded);
    const { ms, ...fromBytes } = await checkArtifactDigest(path, recorded, undefined, bytes);
    expect(fromBytes).toEqual(streamed);
    expect(fromBytes.status).toBe('match');
    expect(ms).toBeGreaterThanOrEqual(0);
    const { ms: _m, ...changed } = await checkArtifactDigest(path, recorded, undefined, bytes.subarray(1));
    expect(changed).toMatchObject({ status: 'mismatch', size_bytes: bytes.length - 1 });
  });

  test('a missing file is the file system error (the runner reports it)', async () => {
    await expect(checkArtifactDigest('/nonexistent/model.onnx', undefined)).rejects.toThrow(/ENOENT/);
  });
});
