// Benchmark: the training-mode check of an ONNX file (read + decode of the graph's nodes, what runTier4
// does before validating an ONNX format) on a ~100 MB model: one MatMul whose weight is a 100 MB
// initializer, written once to the OS temp dir with the onnx Python package. Run after `pnpm run build`:
//   node packages/vitest-tier4/bench/training-mode.bench.mjs   (env: BENCH_MB, default 100; BENCH_REPEATS, default 5;
//   TIER4_PYTHON, default python3)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/tier4/onnx-training-mode.js', import.meta.url));
if (!existsSync(entry)) {
  console.error(`bench: ${entry} is missing; run \`pnpm run build\` at the repository root first`);
  process.exit(1);
}
const { onnxTrainingModeReason } = await import(entry);
const MB = Number(process.env.BENCH_MB ?? 100);
const REPEATS = Math.max(3, Number(process.env.BENCH_REPEATS ?? 5));
const path = join(tmpdir(), `vitest-tier4-training-bench-${MB}mb.onnx`);
if (!existsSync(path)) {
  const n = Math.round(Math.sqrt((MB * 1e6) / 4));
  const code = `
import sys, os, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
n = int(sys.argv[2])
w = numpy_helper.from_array(np.ones((n, n), dtype=np.float32), 'w')
X = helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, n])
Y = helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, n])
g = helper.make_graph([helper.make_node('MatMul', ['x', 'w'], ['h']), helper.make_node('Dropout', ['h'], ['y'])], 'g', [X], [Y], [w])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 14)])
tmp = sys.argv[1] + '.tmp'
onnx.save(m, tmp)
os.replace(tmp, sys.argv[1])
`;
  execFileSync(process.env.TIER4_PYTHON ?? 'python3', ['-c', code, path, String(n)], { stdio: 'inherit' });
}
await onnxTrainingModeReason(path, 'model.onnx'); // warm the page cache
const runs = [];
for (let i = 0; i < REPEATS; i++) {
  const t0 = performance.now();
  await onnxTrainingModeReason(path, 'model.onnx');
  runs.push(performance.now() - t0);
}
runs.sort((a, b) => a - b);
console.log(`training-mode check (read + decode) of a ${MB} MB ONNX: median ${runs[runs.length >> 1].toFixed(1)} ms, runs ${runs.map((r) => r.toFixed(1)).join(', ')} (node ${process.version})`);
