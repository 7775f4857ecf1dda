/**
 * The runner registry: format name -> factory. Built-in runtimes register themselves when
 * `vitest-tier4` is imported; a new runtime is one file that calls {@link registerRunner}.
 */
import type { ModelRunner, OpenRunnerOptions, RunnerFactory, RunnerTarget } from './types.js';

const factories = new Map<string, RunnerFactory>();

/**
 * Registers (or replaces) the runner factory of a format.
 *
 * @param format - format name as used in metadata.json and the Tier 4 dict (e.g. `"onnx"`).
 * @param factory - creates a runner for an export dir or artifact file.
 */
export function registerRunner(format: string, factory: RunnerFactory): void {
  if (typeof format !== 'string' || format.length === 0) {
    throw new TypeError(`registerRunner: format must be a non-empty string, received ${JSON.stringify(format)}`);
  }
  if (typeof factory !== 'function') {
    throw new TypeError(`registerRunner('${format}'): factory must be a function, received ${typeof factory}`);
  }
  factories.set(format, factory);
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
