/**
 * The built-in runners, registered explicitly (no import side effects). A new runtime is one file
 * exporting its {@link RunnerDefinition} and one line here (or one `registerRunner` call of a user).
 */
import { ONNX_RUNNER } from './onnx.js';
import { EAGER_RUNNER } from './pytorch.js';
import type { RunnerDefinition } from './registry.js';
import { TORCHSCRIPT_RUNNER } from './torchscript.js';

/** In registration order: the order of the dict's formats and of `registeredFormats()`. */
export const BUILTIN_RUNNERS: readonly RunnerDefinition[] = [ONNX_RUNNER, TORCHSCRIPT_RUNNER, EAGER_RUNNER];
