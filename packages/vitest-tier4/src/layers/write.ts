/** Writing a per-layer report (JSON or Markdown) atomically. */
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Writes `text` to `path` through a temporary file in the same directory renamed over it (a reader
 * never sees a partial file); parent directories are created. Returns the absolute path.
 */
export async function writeLayersReport(path: string, text: string): Promise<string> {
  const abs = resolve(path);
  await mkdir(dirname(abs), { recursive: true });
  const tmp = `${abs}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, text.endsWith('\n') ? text : `${text}\n`, 'utf8');
    await rename(tmp, abs);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  return abs;
}
