// Benchmark: the figures issue 8 asks for. For lm_stub, simple_cnn and torchvision resnet18 and
// mobilenet_v3_small (random weights, 64x64; bench/verdicts_models.py), each format's scale-free
// agreement with the eager references (SQNR, relative error, cosine of the worst output over all
// samples) and its speed-up against eager PyTorch (mean and p50) with the thread count and backend of
// each runtime, from runTier4's dict. The machine's load average is printed before and after: a
// speed-up measured on a busy machine says little. Run after `pnpm run build`:
//   node packages/vitest-tier4/bench/verdicts.bench.mjs
//   env: TIER4_PYTHON (default: findPython), BENCH_MODELS (comma list, default all four),
//        BENCH_SAMPLES (default 10), BENCH_ITERATIONS (default 100), BENCH_THREADS (default runTier4's)
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = (p) => fileURLToPath(new URL(`../dist/${p}`, import.meta.url));
if (!existsSync(dist('tier4/run.js'))) {
  console.error(`bench: ${dist('tier4/run.js')} is missing; run \`pnpm run build\` at the repository root first`);
  process.exit(1);
}
const { runTier4 } = await import(dist('tier4/run.js'));
const { buildFixture } = await import('vitest-tier4-fixtures');

const models = fileURLToPath(new URL('./verdicts_models.py', import.meta.url));
const ALL = {
  lm_stub: { model: 'lm_stub' },
  simple_cnn: { model: 'simple_cnn' },
  resnet18: { model: { file: models, factory: 'resnet18' }, formats: ['onnx', 'torchscript'] },
  mobilenet_v3_small: { model: { file: models, factory: 'mobilenet_v3_small' }, formats: ['onnx', 'torchscript'] },
};
const names = (process.env.BENCH_MODELS ?? Object.keys(ALL).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
for (const n of names) if (!ALL[n]) throw new Error(`BENCH_MODELS: unknown model '${n}' (expected ${Object.keys(ALL).join(', ')})`);
const samples = Number(process.env.BENCH_SAMPLES ?? 10);
const iterations = Number(process.env.BENCH_ITERATIONS ?? 100);
const threads = process.env.BENCH_THREADS ? Number(process.env.BENCH_THREADS) : undefined;

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();
const db = (x) => (x === null || x === undefined ? '+Inf' : x === Infinity ? '+Inf' : x.toFixed(1));
const sci = (x) => (x === null || x === undefined ? '-' : x === 0 ? '0' : x.toExponential(2));
const ratio = (x) => (x === null || x === undefined ? '-' : `${x.toFixed(2)}x`);
const thr = (t) => (t ? `${t.intra_op} (${t.backend})` : '-');

// build every export first (cached), so that the timed runs do not overlap an export
const fixtures = {};
for (const n of names) {
  const t0 = performance.now();
  fixtures[n] = await buildFixture({ ...ALL[n], samples });
  console.error(`bench: ${n} export ready (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

const rows = [['model', 'format', 'status', 'SQNR dB', 'rel. error', 'cosine', 'speed-up mean', 'speed-up p50', 'threads (format)', 'threads (eager)']];
const before = loadavg();
for (const n of names) {
  const r = await runTier4({
    exportDir: fixtures[n].dir,
    numSamples: samples,
    trustModelSource: true,
    localise: false,
    latency: { iterations, warmup: 10 },
    ...(threads ? { threads } : {}),
  });
  for (const [format, f] of Object.entries(r.formats)) {
    rows.push([n, format, f.status, db(f.sqnr_db), sci(f.relative_error), f.cosine === null ? '-' : String(Number(f.cosine.toPrecision(6))), ratio(f.speedup_vs_pytorch), ratio(f.speedup_vs_pytorch_p50), thr(f.threads), thr(f.pytorch_threads)]);
  }
  console.error(`bench: ${n} done (load ${loadavg()})`);
}
const after = loadavg();
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(rows[0]));
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
for (const r of rows.slice(1)) console.log(line(r));
console.log(`\n${samples} samples, ${iterations} latency iterations after 10 warm-up; /proc/loadavg before: ${before}; after: ${after} (node ${process.version})`);
