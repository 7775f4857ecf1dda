/**
 * The trust rule for an export dir's `model_source` (docs/trust-model.md).
 *
 * An export dir is data: validating one loads its ONNX and TorchScript artifacts but never runs
 * Python code the directory names. The eager PyTorch baseline is the exception: it is rebuilt by
 * importing metadata.json's `model_source`. A built-in source (`{ kind: 'builtin' }`) is this
 * package's own code and always allowed; a file source (`{ kind: 'file', file, factory }`) is the
 * `trust_remote_code` case and runs only when the caller says `trustModelSource: true`.
 */
import type { ExportDir } from 'vitest-tier4-fixtures';

/** The CLI flag and the option that allow a file model source to run (named in every message). */
export const TRUST_MODEL_SOURCE_HINT = 'pass trustModelSource: true (tier4 validate --trust-model-source) if you trust this export dir';

/**
 * The eager model of an export dir would run Python code the dir names, and the caller did not
 * opt in. Raised before any process starts or any file is imported.
 */
export class UntrustedModelSourceError extends Error {
  override readonly name = 'UntrustedModelSourceError';
  /**
   * @param dir - the export dir.
   * @param code - the code that would run, e.g. `/abs/models/net.py:make_model`.
   */
  constructor(
    readonly dir: string,
    readonly code: string,
  ) {
    super(
      `the eager baseline would import and run ${code}, Python code named by ${dir}/metadata.json (model_source); ` +
        `it runs only when you opt in: ${TRUST_MODEL_SOURCE_HINT}`,
    );
  }
}

/**
 * The Python code that rebuilding the eager model of `exportDir` would run, or `null` when it
 * runs none of the directory's choosing (a built-in model, or no model source at all).
 */
export function untrustedModelSourceCode(exportDir: ExportDir): string | null {
  const source = exportDir.metadata.model_source as unknown;
  if (source === null || typeof source !== 'object') return null;
  const record = source as Record<string, unknown>;
  if (record['kind'] === 'builtin') return null;
  if (record['kind'] === 'file') return `${String(record['file'])}:${String(record['factory'])}`;
  return JSON.stringify(source);
}

/**
 * Throws {@link UntrustedModelSourceError} unless rebuilding the eager model of `exportDir` is
 * allowed: its model source is built in, or `trusted` is `true`.
 */
export function assertModelSourceTrusted(exportDir: ExportDir, trusted: boolean | undefined): void {
  const code = untrustedModelSourceCode(exportDir);
  if (code !== null && trusted !== true) throw new UntrustedModelSourceError(exportDir.dir, code);
}
