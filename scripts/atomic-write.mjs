// Atomic file writes for the repository's scripts and benchmarks: the text goes to a temporary
// file beside the target, then a rename replaces the target, so an interrupted run leaves either
// the old file or the new one, never a truncated one. Plain Node (the bootstrap uses it before
// any package is installed). A failed write removes its temporary file and throws.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes `text` to `path` atomically, creating its folder. */
export function writeFileAtomic(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}
