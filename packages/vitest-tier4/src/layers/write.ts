/** Writing a per-layer report (JSON or Markdown) atomically, by the report-path rule of tier4/atomic-file.ts. */
import { writeFileAtomic } from '../tier4/atomic-file.js';

/**
 * Writes `text` to `path` through a temporary file in the same directory renamed over it (a reader
 * never sees a partial file); parent directories are created. Only a regular file (or a symlink to
 * one) is replaced: a directory, a device or a FIFO is refused untouched (docs/trust-model.md).
 * Returns the absolute path.
 *
 * @throws Error `Cannot write per-layer report to <abs>: <why>`.
 */
export async function writeLayersReport(path: string, text: string): Promise<string> {
  return writeFileAtomic(path, text.endsWith('\n') ? text : `${text}\n`, 'per-layer report', 'layers.json');
}
