/** The one writer of Tier 4 report files: the JSON dicts (runTier4, the CLI, the reporter) and the HTML page. */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
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
 * Creates `dir` and its missing parents, one level at a time. Not `mkdir({ recursive: true })`:
 * on pseudo file systems such as /proc, where mkdir answers ENOENT below an existing directory,
 * Node's recursive mkdir never returns.
 */
async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let cur = dir; ; ) {
    let st;
    try {
      st = await stat(cur);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      missing.push(cur);
      const parent = dirname(cur);
      if (parent === cur) break;
      cur = parent;
      continue;
    }
    if (!st.isDirectory()) throw new Error(`${cur} is not a directory`);
    break;
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/**
 * Writes a Tier 4 report (or the reporter's run report) as JSON, atomically: the parent
 * directories are created, the JSON goes to a temporary file next to the target, which is then
 * renamed over it. A reader never sees a partial file.
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
 *
 * @param path - destination file (relative paths resolve against the current directory).
 * @param text - the file's content (written as UTF-8).
 * @param example - a file name to suggest when `path` is a directory (`tier4.json`, `tier4-report.html`).
 * @returns the absolute path written.
 * @throws TypeError for a bad `path` or `text`; an Error `Cannot write Tier 4 report to <path>: <why>`
 *   when `path` is a directory, its directory cannot be created, or the write fails.
 */
export async function writeReportFile(path: string, text: string, example = 'tier4.json'): Promise<string> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(`writeReportFile: path must be a non-empty string, received ${JSON.stringify(path)}`);
  }
  if (typeof text !== 'string') throw new TypeError(`writeReportFile: text must be a string, received ${typeof text}`);
  const abs = resolve(path);
  const dir = dirname(abs);
  const fail = (why: string, cause?: unknown): Error => new Error(`Cannot write Tier 4 report to ${abs}: ${why}`, { cause });
  if ((await stat(abs).catch(() => undefined))?.isDirectory()) {
    throw fail(`it is a directory; give a file path such as ${join(abs, example)}`);
  }
  try {
    await makeDirs(dir);
  } catch (err) {
    throw fail(`cannot create the directory ${dir}: ${(err as Error).message}`, err);
  }
  const tmp = join(dir, `.${basename(abs)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, abs);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw fail((err as Error).message, err);
  }
  return abs;
}
