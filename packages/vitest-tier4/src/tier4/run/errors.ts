/** The one error runTier4 throws about the export dir, and the one-line form of a runner's error. */
import { summarizeErrorText } from '../../runtimes/target.js';

/**
 * The export dir (its metadata.json or a reference sample) cannot be read: thrown by
 * `runTier4` before any format runs. The message is the underlying error's; `dir` names the
 * export dir (the CLI turns this into exit code 2).
 */
export class ExportDirReadError extends Error {
  override readonly name = 'ExportDirReadError';
  /**
   * @param dir - the export dir as given.
   * @param cause - the error of `openExportDir` or `loadSample`.
   */
  constructor(
    readonly dir: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** One line of an error for the dict: the summarised message, plus the interpreters findPython tried. */
export function errorLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const line = summarizeErrorText(msg);
  // findPython's error lists the interpreters it tried on the lines after "Tried:": keep them,
  // they are what the user has to fix (the install hint stays in the full error)
  const tried = /\n\s*Tried:\s*\n((?:[ \t]*- .*(?:\n|$))+)/.exec(msg);
  if (!tried) return line;
  const items = tried[1]!.split('\n').map((l) => l.trim().replace(/^- /, '')).filter((l) => l.length > 0);
  return `${line.replace(/\.$/, '')}; tried: ${items.join('; ')}`;
}
