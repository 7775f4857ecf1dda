/**
 * The environment a verdict was produced in: Node, the machine, onnxruntime-node and Vitest. The Python
 * side (torch, onnx, the interpreter) is in each model's dict (`model.torch_version`, `model.onnx_version`,
 * each format's `runtime`), since an export can be built on another machine.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, platform, release, totalmem } from 'node:os';

/** Versions and machine facts (JSON). */
export interface Tier4Environment {
  /** `process.version`, e.g. `v20.20.2`. */
  node: string;
  /** `linux x64 (6.1.0-...)`. */
  os: string;
  /** CPU model and logical core count, e.g. `AMD EPYC 7B13 × 2`. */
  cpu: string;
  /** Total memory in bytes. */
  memory_bytes: number;
  /** onnxruntime-node version, or null when it cannot be resolved. */
  onnxruntime_node: string | null;
  /** Vitest version, or null outside Vitest. */
  vitest: string | null;
  /** vitest-tier4 version. */
  vitest_tier4: string | null;
}

function packageVersion(specifier: string): string | null {
  try {
    const require = createRequire(import.meta.url);
    const path = require.resolve(`${specifier}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

function ownVersion(): string | null {
  try {
    const url = new URL('../../package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

/**
 * Reads the environment of this process. Never throws: what cannot be read is `null` or `unknown`.
 *
 * @param vitestVersion - the running Vitest's version, when known.
 */
export function collectEnvironment(vitestVersion: string | null = null): Tier4Environment {
  const list = cpus();
  const model = list[0]?.model?.trim() || 'unknown CPU';
  return {
    node: process.version,
    os: `${platform()} ${arch()} (${release()})`,
    cpu: `${model} × ${list.length}`,
    memory_bytes: totalmem(),
    onnxruntime_node: packageVersion('onnxruntime-node'),
    vitest: vitestVersion ?? packageVersion('vitest'),
    vitest_tier4: ownVersion(),
  };
}
