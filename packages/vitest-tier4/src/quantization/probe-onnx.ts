/**
 * Child-process entry of the ONNX memory probe (spawned by {@link measureResidentMemory}, never imported):
 * `node probe-onnx.js <model.onnx> <loads>` creates one onnxruntime-node session to warm the runtime, then
 * `loads` more sessions of the same file, keeping every one alive, and reads `process.memoryUsage().rss`
 * before and after each. Prints one JSON line `{ "rss_deltas": [...], "memory_bytes": median, "method" }`;
 * exits 1 with the error on stderr when the model cannot be loaded.
 *
 * @packageDocumentation
 */
import type * as OrtModule from 'onnxruntime-node';
import { medianOf, ONNX_MEMORY_METHOD } from './memory-method.js';

type Ort = typeof OrtModule;

async function main(): Promise<void> {
  const [path, loadsText] = process.argv.slice(2);
  const loads = Number(loadsText ?? '3');
  if (!path || !Number.isInteger(loads) || loads < 1) {
    process.stderr.write('usage: node probe-onnx.js <model.onnx> <loads >= 1>\n');
    process.exit(2);
  }
  const imported = (await import('onnxruntime-node')) as unknown as { default?: Ort } & Ort;
  const ort = imported.default ?? imported;
  const kept: unknown[] = [await ort.InferenceSession.create(path)];
  const deltas: number[] = [];
  for (let i = 0; i < loads; i++) {
    const before = process.memoryUsage().rss;
    kept.push(await ort.InferenceSession.create(path));
    deltas.push(process.memoryUsage().rss - before);
  }
  process.stdout.write(`${JSON.stringify({ rss_deltas: deltas, memory_bytes: medianOf(deltas), method: ONNX_MEMORY_METHOD(loads), sessions: kept.length })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`probe-onnx: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
