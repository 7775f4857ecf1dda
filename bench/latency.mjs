#!/usr/bin/env node
// Benchmark: the overhead of vitest-tier4's latency harness on ONNX. In one process, for each model
// (the built-in fixtures simple_cnn and lm_stub, batch 1, the first reference sample), alternately:
//   bare     - a plain loop: performance.now() around `await session.run(feeds)` on an onnxruntime-node
//              InferenceSession created with the session options runTier4 gives its ONNX runner
//              (intraOpNumThreads = defaultTier4Threads()), with ready-made ort.Tensor feeds;
//   harness  - measureLatency(openOnnxRunner(model, { threads }), sample inputs), as runTier4's latency
//              step and the `latency` test fixture call it (tinybench, the runner's input checks and
//              tensor conversions included; the figure is its reported mean).
// Both time 100 iterations after 10 warm-up ones (runTier4's defaults), in rounds whose order
// alternates (bare first, then harness first), so that drift of the machine favours neither side.
//
// It prints, per model: the median over the rounds of each side's mean; the ratio of those medians;
// the per-round ratios' median and a 95% interval of their geometric mean (Student's t on the log
// ratios), which says whether "within 2%" is shown or only not refuted at this load; and the same
// for the per-round medians (p50), which a loaded machine disturbs less than the means.
//
//   pnpm run build && node bench/latency.mjs [rounds=21]
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadavg, median } from './lib.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const lib = (p) => import(pathToFileURL(join(root, p)).href);
const { buildFixture } = await lib('packages/fixtures/dist/index.js');
const { measureLatency, openOnnxRunner, defaultTier4Threads } = await lib('packages/vitest-tier4/dist/index.js');
const { tCritical95 } = await lib('packages/vitest-tier4/dist/latency/stats.js');
const ortModule = await import(pathToFileURL(join(root, 'packages/vitest-tier4/node_modules/onnxruntime-node/dist/index.js')).href);
const ort = ortModule.default ?? ortModule;

const rounds = Math.max(5, Number(process.argv[2] ?? 21));
const ITERATIONS = 100;
const WARMUP = 10;
/** The target of issue 15 item 6: the harness's mean within 2% of the bare loop's. */
const TARGET = 0.02;

/** The bare loop: per-iteration ms of `iterations` session.run calls after `warmup` ones. */
async function bare(session, feeds) {
  for (let i = 0; i < WARMUP; i++) await session.run(feeds);
  const samples = new Array(ITERATIONS);
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    samples[i] = performance.now() - t0;
  }
  return samples;
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Median of the per-round ratios and a 95% t interval of their geometric mean. */
function ratioStats(harness, bareSide) {
  const logs = harness.map((h, i) => Math.log(h / bareSide[i]));
  const m = mean(logs);
  const sd = Math.sqrt(logs.reduce((a, x) => a + (x - m) ** 2, 0) / (logs.length - 1));
  const moe = (tCritical95(logs.length - 1) * sd) / Math.sqrt(logs.length);
  return { median: median(harness.map((h, i) => h / bareSide[i])), geo: Math.exp(m), lo: Math.exp(m - moe), hi: Math.exp(m + moe) };
}

const pct = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;

function verdict({ lo, hi }) {
  if (lo >= 1 - TARGET && hi <= 1 + TARGET) return `within ${TARGET * 100}% (the whole interval)`;
  if (lo > 1 + TARGET || hi < 1 - TARGET) return `NOT within ${TARGET * 100}%`;
  return `interval too wide at this load to show ${TARGET * 100}% (not refuted)`;
}

const threads = defaultTier4Threads();
console.log(
  `ONNX latency: measureLatency vs a bare session.run loop, ${ITERATIONS} iterations after ${WARMUP} warm-up, ` +
    `${rounds} alternating rounds, intraOpNumThreads ${threads} (node ${process.version}); loadavg ${loadavg()}`,
);
let worst = 0;
for (const model of ['simple_cnn', 'lm_stub']) {
  const fixture = await buildFixture({ model });
  const sample = await fixture.loadSample(0);
  const runner = await openOnnxRunner(fixture.paths.onnx, { threads });
  const session = await ort.InferenceSession.create(fixture.paths.onnx, { intraOpNumThreads: threads });
  const feeds = Object.fromEntries(session.inputNames.map((n) => [n, new ort.Tensor(sample.inputs[n].dtype, sample.inputs[n].data, sample.inputs[n].shape)]));
  const side = { bare: { mean: [], p50: [] }, harness: { mean: [], p50: [] } };
  const timeBare = async () => {
    const s = await bare(session, feeds);
    side.bare.mean.push(mean(s));
    side.bare.p50.push(median(s));
  };
  const timeHarness = async () => {
    const l = await measureLatency(runner, sample.inputs, { iterations: ITERATIONS, warmup: WARMUP });
    side.harness.mean.push(l.mean_ms);
    side.harness.p50.push(l.p50_ms);
  };
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      await timeBare();
      await timeHarness();
    } else {
      await timeHarness();
      await timeBare();
    }
  }
  for (const stat of ['mean', 'p50']) {
    const b = side.bare[stat];
    const h = side.harness[stat];
    const r = ratioStats(h, b);
    if (stat === 'mean') worst = Math.max(worst, Math.abs(r.geo - 1));
    console.log(
      `  ${model.padEnd(11)} ${stat.padEnd(4)} bare ${median(b).toFixed(4)} ms   measureLatency ${median(h).toFixed(4)} ms   ` +
        `per-round ratio: median ${pct(r.median)}, geometric mean ${pct(r.geo)} (95% ${pct(r.lo)} .. ${pct(r.hi)}): ${verdict(r)}`,
    );
  }
  await runner.close();
  await session.release();
}
console.log(`largest |geometric mean of the per-round mean ratios - 1|: ${(100 * worst).toFixed(1)}% (target ${TARGET * 100}%, judged by the intervals above); loadavg after: ${loadavg()}`);
