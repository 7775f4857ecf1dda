/**
 * What the `tier4()` plugin passes from the main process to tests through Vitest's
 * `provide`/`inject`, and the `ProvidedContext` augmentation that types `inject('tier4Fixtures')`.
 */
import type {} from 'vitest';

/** A fixture request as given to the plugin's `fixtures` option (forwarded to `buildFixture`). */
export interface Tier4FixtureRequest {
  /**
   * Built-in model name (`'simple_cnn'`, `'lm_stub'`) or a user model `{ file, factory }`; a relative
   * `file` is resolved against the Vitest project root.
   */
  model: string | { file: string; factory: string };
  /**
   * Formats to export (default: `buildFixture`'s, all three: onnx, torchscript and pytorch; the
   * Python CLI's own default without `--formats` is torchscript and onnx).
   */
  formats?: string[];
  /** `'dynamic'` quantizes Linear layers to int8. */
  quantization?: 'dynamic' | 'static' | null;
  /** Number of reference samples (default 10). */
  samples?: number;
  /** Seed of the model weights and the samples (default 0). */
  seed?: number;
  /** Anything else `buildFixture` accepts (cache dir, python, ...). */
  [option: string]: unknown;
}

/** A fixture built by the plugin's globalSetup, as tests receive it (plain, JSON-serialisable). */
export interface Tier4ProvidedFixture {
  /** The name it was requested under in the plugin options (e.g. `'cnn'`). */
  name: string;
  /** Absolute export directory. */
  dir: string;
  /** Cache key of the build. */
  key: string;
  /** Whether the build came from the cache (no Python started). */
  cached: boolean;
  /** Absolute artifact paths, only for formats present on disk. */
  paths: { metadata: string; onnx?: string; torchscript?: string; pytorch?: string };
  /** `task_name` from metadata.json. */
  task_name: string;
  /** `quantization` from metadata.json. */
  quantization: string | null;
  /** Formats written and formats that failed to export (with their error text). */
  formats_written: string[];
  formats_failed: Record<string, string>;
  /** Number of reference samples. */
  sample_count: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Fixtures built by the tier4() plugin, by the name given in its `fixtures` option. */
    tier4Fixtures: Record<string, Tier4ProvidedFixture>;
    /** The fixture requests, read by the plugin's globalSetup. */
    tier4FixtureRequests: Record<string, Tier4FixtureRequest>;
    /** Default thresholds given to the plugin (`null` when none). */
    tier4Thresholds: Record<string, number> | null;
    /** The worker pool settings, read by the plugin's pool globalSetup (`null`: no pool). */
    tier4WorkerPool: { size: number; warm: boolean } | null;
  }
}

export {};
