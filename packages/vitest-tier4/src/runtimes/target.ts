/** Resolves a {@link RunnerTarget} into an artifact path and the model's names. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { openExportDir, type ExportDir } from 'vitest-tier4-fixtures';
import type { OpenRunnerOptions, RunnerTarget } from './types.js';
import type { DeclaredInput } from './inputs.js';

/** A runner target after resolution. */
export interface ResolvedTarget {
  /** Absolute artifact path (the export dir itself for formats without a single file). */
  file: string;
  /** The export dir, when the target was one. */
  exportDir?: ExportDir;
  /** Input names from metadata.json (or the options) when known. */
  inputNames?: readonly string[];
  /** Output names from metadata.json (or the options) when known. */
  outputNames?: readonly string[];
  /** metadata.json's declared inputs (dtype, shape), when the target was an export dir: what `orderInputs` checks a run's inputs against. */
  inputSpecs?: readonly DeclaredInput[];
}

function isExportDir(t: RunnerTarget): t is ExportDir {
  return typeof t === 'object' && t !== null && typeof (t as ExportDir).dir === 'string' && 'metadata' in t;
}

/**
 * Finds the artifact of `format` in `target`: the building block of a runner factory
 * (docs/runtimes.md, "Adding a runtime").
 *
 * @param format - the export format whose artifact is wanted (`'onnx'`, `'torchscript'`); a runner
 *   of the whole export dir uses {@link resolveExportDirTarget}.
 * @param target - an opened export dir, an export dir path, or the artifact path itself.
 * @param options - `inputNames` / `outputNames` override the names from metadata.json.
 *
 * @throws Error naming the export dir and the format when the artifact is missing, or the path
 *   when it does not exist.
 */
export async function resolveTarget(
  format: string,
  target: RunnerTarget,
  options: OpenRunnerOptions = {},
): Promise<ResolvedTarget> {
  const opened = await openTarget(format, target, options);
  if (opened.kind === 'file') return opened.resolved;
  const { exportDir } = opened;
  const md = exportDir.metadata;
  const file = exportDir.paths[format as keyof ExportDir['paths']];
  if (!file) {
    const failed = md.formats_failed?.[format as keyof typeof md.formats_failed];
    throw new Error(
      failed
        ? `Export dir ${exportDir.dir} has no '${format}' artifact: export failed (${summarizeErrorText(failed)})`
        : `Export dir ${exportDir.dir} has no '${format}' artifact (formats written: ${md.formats_written.join(', ') || 'none'})`,
    );
  }
  return { file, ...namesOf(exportDir, options) };
}

/**
 * Like {@link resolveTarget}, for a runner that reads the whole export dir rather than one artifact
 * (the eager model, rebuilt from metadata.json's `model_source`): `file` is the export dir itself.
 * A bare file target resolves to the file without `exportDir`; the runner says whether it can use it.
 *
 * @throws Error naming the path when it does not exist; TypeError for any other kind of target.
 */
export async function resolveExportDirTarget(format: string, target: RunnerTarget, options: OpenRunnerOptions = {}): Promise<ResolvedTarget> {
  const opened = await openTarget(format, target, options);
  if (opened.kind === 'file') return opened.resolved;
  return { file: opened.exportDir.dir, ...namesOf(opened.exportDir, options) };
}

/** The export dir of a target, or the artifact file the target names. */
async function openTarget(format: string, target: RunnerTarget, options: OpenRunnerOptions): Promise<{ kind: 'file'; resolved: ResolvedTarget } | { kind: 'dir'; exportDir: ExportDir }> {
  if (isExportDir(target)) return { kind: 'dir', exportDir: target };
  if (typeof target !== 'string') {
    throw new TypeError(
      `Cannot open ${format} model: expected an export dir path, an artifact path or an opened ExportDir, received ${JSON.stringify(target)}`,
    );
  }
  const abs = resolve(target);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new Error(`Cannot open ${format} model: ${abs} does not exist`);
  }
  if (st.isDirectory()) return { kind: 'dir', exportDir: await openExportDir(abs) };
  return {
    kind: 'file',
    resolved: {
      file: abs,
      ...(options.inputNames ? { inputNames: options.inputNames } : {}),
      ...(options.outputNames ? { outputNames: options.outputNames } : {}),
    },
  };
}

function namesOf(exportDir: ExportDir, options: OpenRunnerOptions): Required<Pick<ResolvedTarget, 'exportDir' | 'inputNames' | 'outputNames' | 'inputSpecs'>> {
  return {
    exportDir,
    inputNames: options.inputNames ?? exportDir.metadata.inputs.map((i) => i.name),
    outputNames: options.outputNames ?? exportDir.metadata.outputs.map((o) => o.name),
    inputSpecs: exportDir.metadata.inputs,
  };
}

/**
 * One line out of a (possibly multi-line) error text: the exception line of a Python traceback,
 * otherwise the first non-empty line; torch's "Please feel free to request support ..." tail is
 * dropped (the full text stays where it came from, e.g. metadata.json's `formats_failed`).
 */
export function summarizeErrorText(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length === 0) return '(no error text)';
  const line = lines[0]!.startsWith('Traceback') ? lines[lines.length - 1]! : lines[0]!;
  // torch's exporter ends every unsupported-operator error with the same invitation to file an issue
  return line.replace(/\s*Please feel free to request support or submit a pull request on PyTorch GitHub\S*(?::\s*\S+)?\s*$/, '');
}
