#!/usr/bin/env node
// Benchmark: the overhead of vitest-tier4's latency harness on ONNX. In one process, for each model
// (the built-in fixtures simple_cnn and lm_stub, batch 1), alternately:
//   bare     - a plain loop: performance.now() around `await session.run(feeds)` on an onnxruntime-node
//              InferenceSession with ready-made ort.Tensor feeds;
//   harness  - measureLatency(openOnnxRunner(model), sample inputs) as runTier4 and the `latency`
//              fixture call it (tinybench, the runner's input checks and tensor conversions included).
// Each round times 100 iterations after 10 warm-up ones, both ways; the script prints the median
// of the rounds' means and the harness/bare ratio (target: within 2%), with /proc/loadavg.
//
//   pnpm run build && node bench/latency.mjs [rounds=7]
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadavg, median } from './lib.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const lib = (p) => import(pathToFileURL(join(root, p)).href);
const { buildFixture } = await lib('packages/fixtures/dist/index.js');
const { measureLatency, openOnnxRunner } = await lib('packages/vitest-tier4/dist/index.js');
const ortModule = await import(pathToFileURL(join(root, 'packages/vitest-tier4/node_modules/onnxruntime-node/dist/index.js')).href);
const ort = ortModule.default ?? ortModule;

const rounds = Math.max(5, Number(process.argv[2] ?? 7));
const ITERATIONS = 100;
const WARMUP = 10;

async function bare(session, feeds) {
  for (let i = 0; i < WARMUP; i++) await session.run(feeds);
  let sum = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    sum += performance.now() - t0;
  }
  return sum / ITERATIONS;
}

console.log(`ONNX latency: measureLatency vs a bare session.run loop, ${ITERATIONS} iterations after ${WARMUP} warm-up, median of ${rounds} rounds (node ${process.version}); loadavg ${loadavg()}`);
for (const model of ['simple_cnn', 'lm_stub']) {
  const fixture = await buildFixture({ model });
  const sample = await fixture.loadSample(0);
  const runner = await openOnnxRunner(fixture.paths.onnx);
  const session = await ort.InferenceSession.create(fixture.paths.onnx);
  const feeds = Object.fromEntries(session.inputNames.map((n) => [n, new ort.Tensor(sample.inputs[n].dtype, sample.inputs[n].data, sample.inputs[n].shape)]));
  const b = [];
  const h = [];
  for (let r = 0; r < rounds; r++) {
    // alternate the order so that drift of the machine does not favour one side
    if (r % 2 === 0) {
      b.push(await bare(session, feeds));
      h.push((await measureLatency(runner, sample.inputs, { iterations: ITERATIONS, warmup: WARMUP })).mean_ms);
    } else {
      h.push((await measureLatency(runner, sample.inputs, { iterations: ITERATIONS, warmup: WARMUP })).mean_ms);
      b.push(await bare(session, feeds));
    }
  }
  const mb = median(b);
  const mh = median(h);
  console.log(
    `  ${model.padEnd(11)} bare ${mb.toFixed(4)} ms   measureLatency ${mh.toFixed(4)} ms   ratio ${(mh / mb).toFixed(3)} (${((mh / mb - 1) * 100).toFixed(1)}%)` +
      `   rounds bare [${b.map((x) => x.toFixed(3)).join(', ')}] harness [${h.map((x) => x.toFixed(3)).join(', ')}]`,
  );
  await runner.close();
  await session.release();
}
console.log(`loadavg after: ${loadavg()}`);
