/** The one writer of Tier 4 report files: the JSON dicts (runTier4, the CLI, the reporter) and the HTML page. */
import { writeFileAtomic } from './atomic-file.js';
import type { Tier4Report } from './types.js';

/**
 * Serialises a report as stable, readable JSON (2-space indent, trailing newline). Non-finite
 * numbers become `null` and bigints become numbers, so the file is always valid JSON.
 */
export function serializeTier4Report(report: Tier4Report | object): string {
  return (
    JSON.stringify(
      report,
      (_key, value: unknown) => {
        if (typeof value === 'number' && !Number.isFinite(value)) return null;
        if (typeof value === 'bigint') return Number(value);
        return value;
      },
      2,
    ) + '\n'
  );
}

/**
 * Writes a Tier 4 report (or the reporter's run report) as JSON, atomically: the parent
 * directories are created, the JSON goes to a temporary file next to the target, which is then
 * renamed over it. A reader never sees a partial file. Only regular files are written: a path
 * that is a directory, a device, a FIFO, a socket or a link to one is refused with an Error
 * `Cannot write Tier 4 report to <path>: <why>`.
 *
 * @param path - destination file (relative paths resolve against the current directory).
 * @param report - the dict to write.
 * @returns the absolute path written.
 * @throws TypeError when `path` is not a non-empty string or `report` not an object; an Error
 *   `Cannot write Tier 4 report to <path>: <why>` when `path` is a directory, its directory cannot
 *   be created, or the write fails.
 */
export async function writeTier4Report(path: string, report: Tier4Report | object): Promise<string> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(`writeTier4Report: path must be a non-empty string, received ${JSON.stringify(path)}`);
  }
  if (typeof report !== 'object' || report === null || Array.isArray(report)) {
    throw new TypeError(`writeTier4Report: report must be an object, received ${report === null ? 'null' : Array.isArray(report) ? 'an array' : typeof report}`);
  }
  return writeReportFile(path, serializeTier4Report(report), 'tier4.json');
}

/**
 * The one atomic writer behind every report file (the JSON dicts, the HTML page): the parent
 * directories are created, the text goes to a temporary file next to the target, which is then
 * renamed over it, so a reader never sees a partial file and a failed write leaves the old one.
 * Only regular files are written: a symlink is followed to the regular file it names; a
 * directory, a device (`/dev/full`), a FIFO, a socket, a link to one and a dangling link are
 * refused untouched (`writeFileAtomic`, docs/trust-model.md).
 *
 * @param path - destination file (relative paths resolve against the current directory).
 * @param text - the file's content (written as UTF-8).
 * @param example - a file name to suggest when `path` is a directory (`tier4.json`, `tier4-report.html`).
 * @returns the absolute path written.
 * @throws TypeError for a bad `path` or `text`; an Error `Cannot write Tier 4 report to <path>: <why>`
 *   when `path` is a directory, a device, a FIFO, a socket or a link to one (or to nothing), its
 *   directory cannot be created, or the write fails.
 */
export async function writeReportFile(path: string, text: string, example = 'tier4.json'): Promise<string> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(`writeReportFile: path must be a non-empty string, received ${JSON.stringify(path)}`);
  }
  if (typeof text !== 'string') throw new TypeError(`writeReportFile: text must be a string, received ${typeof text}`);
  return writeFileAtomic(path, text, 'Tier 4 report', example);
}
