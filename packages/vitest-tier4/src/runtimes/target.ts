/** Resolves a {@link RunnerTarget} into an artifact path and the model's names. */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { openExportDir, type ExportDir } from 'vitest-tier4-fixtures';
import type { OpenRunnerOptions, RunnerTarget } from './types.js';

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
}

function isExportDir(t: RunnerTarget): t is ExportDir {
  return typeof t === 'object' && t !== null && typeof (t as ExportDir).dir === 'string' && 'metadata' in t;
}

/**
 * Finds the artifact of `format` in `target`: the building block of a runner factory
 * (docs/runtimes.md, "Adding a runtime").
 *
 * @param format - the export format whose artifact is wanted (`'onnx'`, `'torchscript'`, or
 *   `'pytorch'` for the export dir of the eager model).
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
  let exportDir: ExportDir | undefined;
  if (isExportDir(target)) {
    exportDir = target;
  } else if (typeof target === 'string') {
    const abs = resolve(target);
    let st;
    try {
      st = await stat(abs);
    } catch {
      throw new Error(`Cannot open ${format} model: ${abs} does not exist`);
    }
    if (st.isDirectory()) {
      exportDir = await openExportDir(abs);
    } else {
      return {
        file: abs,
        ...(options.inputNames ? { inputNames: options.inputNames } : {}),
        ...(options.outputNames ? { outputNames: options.outputNames } : {}),
      };
    }
  } else {
    throw new TypeError(
      `Cannot open ${format} model: expected an export dir path, an artifact path or an opened ExportDir, received ${JSON.stringify(target)}`,
    );
  }
  const md = exportDir.metadata;
  const file = format === 'pytorch' ? exportDir.dir : exportDir.paths[format as keyof ExportDir['paths']];
  // The eager model is rebuilt from model_source (+ model.pth when the export has one, see worker.py).
  if (format === 'pytorch' && md.model_source === null) {
    throw new Error(
      `Export dir ${exportDir.dir} has no model_source in metadata.json (export_model was given an in-memory model): the eager model cannot be rebuilt`,
    );
  }
  if (!file) {
    const failed = md.formats_failed?.[format as keyof typeof md.formats_failed];
    throw new Error(
      failed
        ? `Export dir ${exportDir.dir} has no '${format}' artifact: export failed (${summarizeErrorText(failed)})`
        : `Export dir ${exportDir.dir} has no '${format}' artifact (formats written: ${md.formats_written.join(', ') || 'none'})`,
    );
  }
  return {
    file,
    exportDir,
    inputNames: options.inputNames ?? md.inputs.map((i) => i.name),
    outputNames: options.outputNames ?? md.outputs.map((o) => o.name),
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
