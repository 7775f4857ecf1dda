/**
 * The environment a verdict was produced in: Node, the machine, onnxruntime-node and Vitest. The Python
 * side (torch, onnx, the interpreter) is in each model's dict (`model.torch_version`, `model.onnx_version`,
 * each format's `runtime`), since an export can be built on another machine.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import type { Tier4Environment } from '../schema/tier4-run-report.generated.js';

/** Versions and machine facts (`environment` of the reporter's file; the type is generated from its schema). */
export type { Tier4Environment };

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
