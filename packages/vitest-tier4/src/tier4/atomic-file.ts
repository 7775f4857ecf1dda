/**
 * Writing a report file without destroying anything: only regular files are written, atomically
 * (a temporary file next to the target, renamed over it), with the usual umask-based mode.
 *
 * The rule for what a path may name (docs/trust-model.md, "What is written"):
 *
 * - nothing yet: the file is created (missing parent directories too);
 * - a regular file: it is replaced as a whole;
 * - a symlink: it is followed; the regular file it points to is replaced and the link stays (as
 *   the shell's `>` writes through a link). A link to anything else, or to nothing, is refused;
 * - a directory, a device (`/dev/full`, `/dev/null`), a FIFO or a socket: refused, untouched.
 */
import { randomBytes } from 'node:crypto';
import { lstat, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { faultPoint, fileKind, makeDirs } from 'vitest-tier4-fixtures';

/**
 * Where writing to `abs` will actually put the file, by the rule above.
 *
 * @returns the path of the regular file to replace or create.
 * @throws Error `<why>` (without the path prefix) when the rule refuses the path.
 */
async function writeTarget(abs: string, example: string): Promise<string> {
  let link;
  try {
    link = await lstat(abs);
  } catch (err) {
    // missing (or below a non-directory: creating the directory explains that)
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return abs;
    throw err;
  }
  if (link.isFile()) return abs;
  if (link.isSymbolicLink()) {
    let target: string;
    try {
      target = await realpath(abs);
    } catch {
      throw new Error('it is a symlink to nothing (a dangling link); remove it or give another path');
    }
    const st = await stat(target);
    if (st.isFile()) return target;
    throw new Error(`it is a symlink to ${target}, which is ${fileKind(st)}; only regular files are written`);
  }
  if (link.isDirectory()) throw new Error(`it is a directory; give a file path such as ${join(abs, example)}`);
  throw new Error(`it is ${fileKind(link)}, not a regular file; only regular files are written`);
}

/**
 * Checks, without writing, that {@link writeFileAtomic} would accept `path` (to refuse a bad path
 * before a long run instead of after it).
 *
 * @throws Error `Cannot write <what> to <abs>: <why>` when the rule refuses it.
 */
export async function assertWritableFile(path: string, what: string, example = 'out.json'): Promise<void> {
  const abs = resolve(path);
  try {
    await writeTarget(abs, example);
  } catch (err) {
    throw new Error(`Cannot write ${what} to ${abs}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Writes `text` to `path` atomically, by the rule of this module.
 *
 * @param path - the destination (relative paths resolve against the current directory).
 * @param text - the content (UTF-8).
 * @param what - what is written, for messages: `Cannot write <what> to <path>: <why>`.
 * @param example - a file name to suggest when `path` is a directory (e.g. `tier4.json`).
 * @returns the absolute path given (not the link's target).
 * @throws Error `Cannot write <what> to <abs>: <why>`; nothing is created, replaced or left behind.
 */
export async function writeFileAtomic(path: string, text: string, what: string, example = 'out.json'): Promise<string> {
  const abs = resolve(path);
  const fail = (why: string, cause?: unknown): Error => new Error(`Cannot write ${what} to ${abs}: ${why}`, { cause });
  let target: string;
  try {
    target = await writeTarget(abs, example);
  } catch (err) {
    throw fail((err as Error).message, err);
  }
  const dir = dirname(target);
  try {
    await makeDirs(dir);
  } catch (err) {
    throw fail(`cannot create the directory ${dir}: ${(err as Error).message}`, err);
  }
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // flag 'wx': the temporary name is new, never an existing file or link
    await writeFile(tmp, text, { encoding: 'utf8', flag: 'wx' });
    faultPoint('report-rename');
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw fail((err as Error).message, err);
  }
  return abs;
}
