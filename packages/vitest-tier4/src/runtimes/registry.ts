/**
 * The runner registry: format name -> what opens it and what it needs. The built-in runners are
 * listed in runtimes/builtin.ts; a user's runtime is one {@link registerRunner} call. runTier4 asks
 * the registry, never a format name, whether a runner needs the Python worker and which runner is the
 * eager baseline of the speed-up.
 */
import { BUILTIN_RUNNERS } from './builtin.js';
import type { ModelRunner, OpenRunnerOptions, RunnerFactory, RunnerTarget } from './types.js';

/** What a runner needs from runTier4. */
export interface RunnerNeeds {
  /** The runner runs in the Python worker: runTier4 leases one and passes it as `worker`. */
  pythonWorker?: boolean;
}

/** One registered runner. */
export interface RunnerDefinition {
  /** Format name in the Tier 4 dict, e.g. `onnx`. */
  format: string;
  /** Opens the runner. */
  open: RunnerFactory;
  /** Export format whose artifact it executes (default `format`; see {@link RegisterRunnerOptions.artifact}). */
  artifact?: string;
  /** What it needs. */
  needs?: RunnerNeeds;
  /** This runner is the eager PyTorch model: the baseline the speed-up divides, not a deployment format. */
  eagerBaseline?: boolean;
}

const definitions = new Map<string, Required<Pick<RunnerDefinition, 'format' | 'open' | 'artifact' | 'needs'>> & { eagerBaseline: boolean }>();

/** Options of {@link registerRunner}. */
export interface RegisterRunnerOptions {
  /** What the runner needs (`{ pythonWorker: true }` for a runner in the Python worker). */
  needs?: RunnerNeeds;
  /** The runner is the eager baseline of the speed-up (at most one; the last registered wins). */
  eagerBaseline?: boolean;
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
  definitions.set(format, { format, open: factory, artifact, needs: { ...(options.needs ?? {}) }, eagerBaseline: options.eagerBaseline === true });
}

/** Registers a {@link RunnerDefinition} (the built-in runners, runtimes/builtin.ts). */
export function registerRunnerDefinition(definition: RunnerDefinition): void {
  registerRunner(definition.format, definition.open, {
    ...(definition.artifact !== undefined ? { artifact: definition.artifact } : {}),
    ...(definition.needs !== undefined ? { needs: definition.needs } : {}),
    ...(definition.eagerBaseline !== undefined ? { eagerBaseline: definition.eagerBaseline } : {}),
  });
}

/** Whether the runner of `format` runs in the Python worker. */
export function runnerNeedsPythonWorker(format: string): boolean {
  return definitions.get(format)?.needs.pythonWorker === true;
}

/** The format of the eager baseline runner, or null when none is registered. */
export function eagerBaselineFormat(): string | null {
  let found: string | null = null;
  for (const d of definitions.values()) if (d.eagerBaseline) found = d.format;
  return found;
}

/** Formats that have a registered runner, in registration order. */
export function registeredFormats(): string[] {
  return [...definitions.keys()];
}

/** Whether a runner is registered for `format`. */
export function hasRunner(format: string): boolean {
  return definitions.has(format);
}

/**
 * The export format whose artifact the runner of `format` executes (see
 * {@link RegisterRunnerOptions.artifact}); `format` itself when none was registered.
 */
export function runnerArtifact(format: string): string {
  return definitions.get(format)?.artifact ?? format;
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
  const factory = definitions.get(format)?.open;
  if (!factory) {
    throw new Error(
      `No runner for format '${format}'; registered formats: ${registeredFormats().map((f) => `'${f}'`).join(', ') || '(none)'}`,
    );
  }
  return factory(target, options);
}

// The built-in runners, from their explicit list.
for (const definition of BUILTIN_RUNNERS) registerRunnerDefinition(definition);
