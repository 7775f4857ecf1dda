/**
 * What the memory probes measure, in one place: the `memory_method` of the report, named by the ONNX child
 * script and by the TorchScript probe's caller (which knows which process measured; the Python probe,
 * python/tier4_export/memory_probe.py, prints no method text).
 *
 * @packageDocumentation
 */

/** How `memory_bytes` of an ONNX artifact is measured. */
export const ONNX_MEMORY_METHOD = (loads: number): string =>
  `onnxruntime-node in a fresh Node process: median growth of process.memoryUsage().rss over ${loads} ` +
  'InferenceSession.create of the file after one warm-up session, every session kept alive';

/**
 * Which process measured a TorchScript file: `zygote`, a child forked for this probe from the Python
 * worker's zygote (forked right after `import torch`, before any op ran: python/tier4_export/zygote.py);
 * `fresh`, a Python process started for this probe (`python -m tier4_export.memory_probe`): no worker was
 * given, it has no zygote, or its zygote is no longer running.
 */
export type TorchScriptProbeProcess = 'zygote' | 'fresh';

/** How `memory_bytes` of a TorchScript artifact is measured. */
export const TORCHSCRIPT_MEMORY_METHOD = (loads: number, process: TorchScriptProbeProcess): string =>
  `torch in ${
    process === 'zygote'
      ? "a Python process forked for this probe from the worker's zygote (forked right after import torch, before any op ran)"
      : 'a fresh Python process'
  }: median growth of VmRSS (/proc/self/status) over ${loads} torch.jit.load of the file after one warm-up load, every copy kept alive`;

/** Median of a non-empty list (the mean of the two middle values for an even count). */
export function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}
