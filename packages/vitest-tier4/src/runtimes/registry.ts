/**
 * The runner registry: format name -> factory. Built-in runtimes register themselves when
 * `vitest-tier4` is imported; a new runtime is one file that calls {@link registerRunner}.
 */
import type { ModelRunner, OpenRunnerOptions, RunnerFactory, RunnerTarget } from './types.js';

const factories = new Map<string, RunnerFactory>();
const artifacts = new Map<string, string>();

/** Options of {@link registerRunner}. */
export interface RegisterRunnerOptions {
  /**
   * Export format whose artifact the runner executes, when it differs from the runner's own name:
   * an onnxruntime-web or GPU runner registered as `'onnx-web'` runs the `onnx` artifact
   * (`model.onnx`), so `runTier4` finds that file, and skips the runner with a warning when the
   * ONNX export failed or the file is missing. Default: the format name itself.
   */
  artifact?: string;
}

/**
 * Registers (or replaces) the runner factory of a format.
 *
 * @param format - format name as used in the Tier 4 dict (e.g. `"onnx"`, or `"onnx-web"` for
 *   another runtime of an existing artifact).
 * @param factory - creates a runner for an export dir or artifact file.
 * @param options - `artifact`: the export format whose file the runner executes (default `format`).
 */
export function registerRunner(format: string, factory: RunnerFactory, options: RegisterRunnerOptions = {}): void {
  if (typeof format !== 'string' || format.length === 0) {
    throw new TypeError(`registerRunner: format must be a non-empty string, received ${JSON.stringify(format)}`);
  }
  if (typeof factory !== 'function') {
    throw new TypeError(`registerRunner('${format}'): factory must be a function, received ${typeof factory}`);
  }
  const artifact = options.artifact ?? format;
  if (typeof artifact !== 'string' || artifact.length === 0) {
    throw new TypeError(`registerRunner('${format}'): artifact must be a non-empty format name such as 'onnx', received ${JSON.stringify(options.artifact)}`);
  }
  factories.set(format, factory);
  artifacts.set(format, artifact);
}

/** Formats that have a registered runner, in registration order. */
export function registeredFormats(): string[] {
  return [...factories.keys()];
}

/** Whether a runner is registered for `format`. */
export function hasRunner(format: string): boolean {
  return factories.has(format);
}

/**
 * The export format whose artifact the runner of `format` executes (see
 * {@link RegisterRunnerOptions.artifact}); `format` itself when none was registered.
 */
export function runnerArtifact(format: string): string {
  return artifacts.get(format) ?? format;
}

/**
 * Opens a runner for one format of an export.
 *
 * @param format - a registered format (`"onnx"`, `"torchscript"`, `"pytorch"` built in).
 * @param target - an opened export dir, an export dir path, or the artifact file path.
 * @param options - runner options (Python interpreter, timeouts, abort signal, names).
 * @throws Error naming the format and the registered ones when no runner exists.
 */
export async function openRunner(
  format: string,
  target: RunnerTarget,
  options: OpenRunnerOptions = {},
): Promise<ModelRunner> {
  const factory = factories.get(format);
  if (!factory) {
    throw new Error(
      `No runner for format '${format}'; registered formats: ${registeredFormats().map((f) => `'${f}'`).join(', ') || '(none)'}`,
    );
  }
  return factory(target, options);
}
