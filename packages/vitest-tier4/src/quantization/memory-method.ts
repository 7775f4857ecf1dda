/**
 * What the memory probes measure, in one place (the ONNX child script and the TorchScript probe's caller
 * both name it in the report).
 *
 * @packageDocumentation
 */

/** How `memory_bytes` of an ONNX artifact is measured. */
export const ONNX_MEMORY_METHOD = (loads: number): string =>
  `onnxruntime-node in a fresh Node process: median growth of process.memoryUsage().rss over ${loads} ` +
  'InferenceSession.create of the file after one warm-up session, every session kept alive';

/** Median of a non-empty list (the mean of the two middle values for an even count). */
export function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}
