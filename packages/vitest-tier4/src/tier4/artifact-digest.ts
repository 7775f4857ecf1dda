/**
 * Is the artifact on disk the one that was exported? Its size and sha256 against what metadata.json recorded
 * at export time. A mismatch is not a failure (users optimise or re-save an ONNX file and validate it against
 * the original references) but a warning in the verdict.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ArtifactCheck } from '../schema/tier4-report.generated.js';

/** What metadata.json records of an artifact (`artifacts.<format>`). */
export interface RecordedArtifact {
  path?: string;
  size_bytes?: number;
  sha256?: string;
}

/** Result of {@link checkArtifactDigest} (the Tier 4 dict's `artifact_check`; defined by its JSON Schema). */
export type { ArtifactCheck } from '../schema/tier4-report.generated.js';

/**
 * Streams the file through sha256 (64 KiB reads: no copy of the whole file in memory).
 *
 * @param path - The file.
 * @param signal - Aborts the read.
 */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: 1 << 16, ...(signal ? { signal } : {}) });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Compares the file at `path` with the size and sha256 metadata.json recorded.
 *
 * @param path - The artifact on disk.
 * @param recorded - `metadata.artifacts.<format>` (or undefined).
 * @param signal - Aborts the read.
 * @param bytes - The file's contents when the caller already read them (an ONNX graph read for the
 *   training-mode check): they are hashed instead of reading the file a second time.
 * @throws the file system error when the file cannot be read.
 */
export async function checkArtifactDigest(
  path: string,
  recorded: RecordedArtifact | undefined,
  signal?: AbortSignal,
  bytes?: Uint8Array,
): Promise<ArtifactCheck> {
  const t0 = performance.now();
  let size: number;
  let sha256: string;
  if (bytes) {
    size = bytes.byteLength;
    sha256 = createHash('sha256').update(bytes).digest('hex');
  } else {
    size = (await stat(path)).size;
    sha256 = await sha256File(path, signal);
  }
  const ms = performance.now() - t0;
  const recSize = typeof recorded?.size_bytes === 'number' ? recorded.size_bytes : null;
  const recSha = typeof recorded?.sha256 === 'string' ? recorded.sha256.toLowerCase() : null;
  const status = recSha === null && recSize === null ? 'unrecorded' : (recSha !== null && recSha !== sha256) || (recSize !== null && recSize !== size) ? 'mismatch' : 'match';
  return { status, size_bytes: size, sha256, recorded_size_bytes: recSize, recorded_sha256: recSha, ms };
}

/** The warning for a mismatch, naming the file, both digests and what is validated instead; null otherwise. */
export function artifactMismatchMessage(file: string, c: ArtifactCheck): string | null {
  if (c.status !== 'mismatch') return null;
  const short = (h: string | null): string => (h === null ? 'none' : h.slice(0, 12));
  return (
    `${file} is not the file that was exported (sha256 ${short(c.sha256)}..., ${c.size_bytes} bytes; metadata.json records ` +
    `sha256 ${short(c.recorded_sha256)}..., ${c.recorded_size_bytes ?? 'no'} bytes): validating the file on disk against the export's reference samples`
  );
}
