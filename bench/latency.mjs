#!/usr/bin/env node
// Benchmark: the overhead of vitest-tier4's latency harness on ONNX (issue 15 item 6: "the mean
// reported by measureLatency is within 2% of a bare session.run loop timed in the same process").
//
//   pnpm run build && node bench/latency.mjs [rounds=401] [--iterations=100] [--warmup=10]
//       [--threads=runTier4's] [--models=simple_cnn,lm_stub,text_classifier,regressor] [--seed=1] [--json=out.json]
//
// Per model, in one process, on ONE onnxruntime-node session (the one the ONNX runner opens, with
// runTier4's thread count) and ONE set of feeds (the runner's own conversion of the first reference
// sample), each round times two sides with the same counts:
//   A  measureLatency(runner, inputs, { iterations, warmup }): tinybench 6 as runTier4's latency
//      step drives it; the figure is the mean it reports;
//   B  a bare loop: `warmup` calls of `await session.run(feeds)`, then `iterations` calls, each
//      between two performance.now() readings; the figure is the mean of those.
// A round's figure is the ratio A / B of the two means. The rounds come in pairs, one AB and one
// BA in a seeded random order, so that neither side is favoured by going first or by a drift of the
// machine (this is what keeps the ratio honest on a shared machine: both sides of a round see the
// same load). One unrecorded round of each side runs first.
//
// The verdict is on the median of the per-round ratios and its distribution-free 95% interval (the
// order statistics of a Binomial(n, 1/2) rank, bench/lib.mjs medianCI): "within 2%" when the whole
// interval lies in [0.98, 1.02], "NOT within 2%" when it lies wholly outside, else "not shown" (the
// interval is too wide at this load: run more rounds or on a quieter machine).
//
// Fixtures: simple_cnn and lm_stub are built-in models; text_classifier and regressor are the
// examples' user-like models (examples/models/*.py). buildFixture exports each once with the Python
// exporter (torch needed; see docs/getting-started.md) into the cache that `npm run demo` and the
// tests share (<repository>/node_modules/.cache/vitest-tier4, or TIER4_CACHE_DIR), and reuses it.
import { writeFileAtomic } from '../scripts/atomic-write.mjs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { balancedOrders, loadavg, median, medianCI, seededRandom } from './lib.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const lib = (p) => import(pathToFileURL(join(root, p)).href);

/** The target of issue 15 item 6. */
const TARGET = 0.02;
const MODELS = {
  simple_cnn: 'simple_cnn',
  lm_stub: 'lm_stub',
  text_classifier: { file: join(root, 'examples/models/text_classifier.py'), factory: 'make_model' },
  regressor: { file: join(root, 'examples/models/regressor.py'), factory: 'make_model' },
};

function parseArgs(argv) {
  const args = { rounds: 401, iterations: 100, warmup: 10, models: Object.keys(MODELS), seed: 1, json: null, threads: null };
  const int = (name, v, min) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`bench/latency.mjs: ${name} expected an integer >= ${min}, received ${JSON.stringify(v)}`);
    return n;
  };
  for (const a of argv) {
    const m = /^--([a-z]+)=(.*)$/.exec(a);
    if (!m) args.rounds = int('rounds', a, 2);
    else if (m[1] === 'iterations') args.iterations = int('--iterations', m[2], 1);
    else if (m[1] === 'warmup') args.warmup = int('--warmup', m[2], 0);
    else if (m[1] === 'seed') args.seed = int('--seed', m[2], 0);
    else if (m[1] === 'threads') args.threads = int('--threads', m[2], 1);
    else if (m[1] === 'json') args.json = m[2];
    else if (m[1] === 'rounds') args.rounds = int('--rounds', m[2], 2);
    else if (m[1] === 'models') {
      args.models = m[2].split(',').filter(Boolean);
      const unknown = args.models.filter((x) => !(x in MODELS));
      if (unknown.length || !args.models.length) throw new Error(`bench/latency.mjs: --models expected some of ${Object.keys(MODELS).join(', ')}, received ${JSON.stringify(m[2])}`);
    } else throw new Error(`bench/latency.mjs: unknown option ${JSON.stringify(a)} (rounds, --iterations, --warmup, --threads, --models, --seed, --json)`);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const { buildFixture } = await lib('packages/fixtures/dist/index.js');
const { measureLatency, openOnnxRunner, defaultTier4Threads, onnxRuntimeVersion } = await lib('packages/vitest-tier4/dist/index.js');

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const utc = () => new Date().toISOString().slice(0, 19).replace('T', ' ') + ' UTC';

/**
 * B: the bare loop, the same counts as A. Returns the mean (and median) of the timed calls in ms. The samples go
 * into a preallocated array, as tinybench pushes each of its own: nothing else happens per call.
 */
async function bareMean(session, feeds, iterations, warmup) {
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const samples = new Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    samples[i] = performance.now() - t0;
  }
  return { mean: mean(samples), p50: median(samples) };
}

/**
 * The ONNX runner's own session and feeds (OnnxRunner's private `session` and `feeds()`,
 * runtimes/onnx.ts), so that both sides run the same session on the same tensors.
 */
function sessionAndFeeds(runner, inputs) {
  if (typeof runner.session?.run !== 'function' || typeof runner.feeds !== 'function') {
    throw new Error('bench/latency.mjs: the ONNX runner no longer has a `session` and a `feeds()` (runtimes/onnx.ts): update sessionAndFeeds');
  }
  return { session: runner.session, feeds: runner.feeds(inputs) };
}

async function benchModel(name, threads, random) {
  const fixture = await buildFixture({ model: MODELS[name] });
  const sample = await fixture.loadSample(0);
  const runner = await openOnnxRunner(fixture, { threads });
  try {
    const { session, feeds } = sessionAndFeeds(runner, sample.inputs);
    const { iterations, warmup } = args;
    const timeA = async () => {
      const l = await measureLatency(runner, sample.inputs, { iterations, warmup });
      return { mean: l.mean_ms, p50: l.p50_ms };
    };
    const timeB = () => bareMean(session, feeds, iterations, warmup);
    await timeA(); // unrecorded: both code paths compiled and the session warm before round 1
    await timeB();
    const a = [];
    const b = [];
    const load0 = loadavg();
    for (const aFirst of balancedOrders(args.rounds, random)) {
      if (aFirst) {
        a.push(await timeA());
        b.push(await timeB());
      } else {
        b.push(await timeB());
        a.push(await timeA());
      }
    }
    const ratios = a.map((x, i) => x.mean / b[i].mean);
    const ci = medianCI(ratios);
    const p50 = medianCI(a.map((x, i) => x.p50 / b[i].p50));
    const verdict =
      ci.lo >= 1 - TARGET && ci.hi <= 1 + TARGET ? `within ${TARGET * 100}%` : ci.lo > 1 + TARGET || ci.hi < 1 - TARGET ? `NOT within ${TARGET * 100}%` : 'not shown';
    const batch = sample.batchSize ?? Object.values(sample.inputs)[0]?.shape?.[0];
    return { model: name, batch, rounds: args.rounds, meanA: median(a.map((x) => x.mean)), meanB: median(b.map((x) => x.mean)), ratio: ci.median, lo: ci.lo, hi: ci.hi, coverage: ci.coverage, verdict, p50Ratio: p50.median, p50Lo: p50.lo, p50Hi: p50.hi, loadavg: [load0, loadavg()], a, b };
  } finally {
    await runner.close();
  }
}

const threads = args.threads ?? defaultTier4Threads();
const pct = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(2)}%`;
const started = { time: utc(), loadavg: loadavg() };
console.log(
  `bench/latency.mjs: measureLatency (A) against a bare session.run loop (B) on ONNX, in one process\n` +
    `  ${args.rounds} rounds per model, each timing A and B once in a seeded random balanced order (--seed=${args.seed}), ` +
    `${args.iterations} timed iterations after ${args.warmup} warm-up on each side\n` +
    `  onnxruntime-node ${onnxRuntimeVersion()}, intraOpNumThreads ${threads}${args.threads === null ? " (runTier4's default)" : ''}, ${availableParallelism()} CPUs, node ${process.version}\n` +
    `  started ${started.time}, load average ${started.loadavg} (1, 5, 15 min)`,
);
const random = seededRandom(args.seed);
const results = [];
for (const name of args.models) results.push(await benchModel(name, threads, random));
const ended = { time: utc(), loadavg: loadavg() };

const head = ['model', 'batch', 'rounds', 'mean A ms', 'mean B ms', 'median A/B', '95% CI of the median', 'verdict', 'p50 A/B (CI)'];
const rows = results.map((r) => [
  r.model,
  String(r.batch ?? '?'),
  String(r.rounds),
  r.meanA.toFixed(4),
  r.meanB.toFixed(4),
  `${r.ratio.toFixed(4)} (${pct(r.ratio)})`,
  `${r.lo.toFixed(4)} .. ${r.hi.toFixed(4)}`,
  r.verdict,
  `${r.p50Ratio.toFixed(4)} (${r.p50Lo.toFixed(4)} .. ${r.p50Hi.toFixed(4)})`,
]);
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => ('  ' + cells.map((c, i) => (i === 0 || i === 7 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).trimEnd();
console.log('\n' + line(head));
console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows) console.log(line(row));
console.log(
  `\n  mean A, mean B: the median over the rounds of each side's mean per call. median A/B: the median of the\n` +
    `  per-round ratios (A's mean over B's in the same round); its 95% CI is distribution-free (order statistics).\n` +
    `  verdict (on the means): "within ${TARGET * 100}%" when the whole CI lies in [${1 - TARGET}, ${1 + TARGET}], "NOT within ${TARGET * 100}%" when it lies\n` +
    `  wholly outside, "not shown" when it straddles a bound (too noisy at this load: more rounds or a quieter machine).\n` +
    `  p50 A/B: the same for the per-round medians of the calls (context only: a mean counts every call,\n` +
    `  including the ones that waited for a CPU; a median does not).\n` +
    `  ended ${ended.time}, load average ${ended.loadavg}`,
);
// this benchmark itself keeps about `threads` CPUs busy (the main thread and onnxruntime's pool)
const load1 = Math.max(Number(started.loadavg.split(' ')[0]), Number(ended.loadavg.split(' ')[0]));
if (load1 - threads > 0.5) {
  console.log(
    `  NOTE: the machine was loaded (1-min load up to ${load1} on ${availableParallelism()} CPUs, of which this benchmark's\n` +
      `  ${threads} onnxruntime thread${threads === 1 ? '' : 's'} account for about ${threads}). Each call here takes tens to\n` +
      `  hundreds of microseconds, and a call during which this process is descheduled takes milliseconds, so\n` +
      `  the means (both sides) are dominated by such waits and the ratio is noisy. Interleaving keeps it\n` +
      `  fair, not precise: for the figure of record, run on an idle machine.`,
  );
}
if (args.json) {
  const out = { args, threads, cpus: availableParallelism(), node: process.version, onnxruntime: onnxRuntimeVersion(), started, ended, results };
  writeFileAtomic(args.json, JSON.stringify(out, null, 2) + '\n');
  console.log(`  per-round figures written to ${args.json}`);
}
