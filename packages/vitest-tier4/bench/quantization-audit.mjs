// The quantization audit on real models: builds each model dynamically quantized (int8 ONNX by graph rewrite,
// qint8 TorchScript) with its fp32 baselines, validates it with runTier4 (memory probes and per-layer SQNR on),
// and prints, per model and format: size ratio, quantized-weight bytes ratio, resident-memory ratio, relative
// error, SQNR, cosine, top-1 agreement, worst layer and the verdict. Run after `pnpm run build`:
//   node packages/vitest-tier4/bench/quantization-audit.mjs [--json out.json]      (env: TIER4_PYTHON)
// Not a test: it takes minutes (resnet18) and its memory figures depend on the machine.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildFixture } from 'vitest-tier4-fixtures';
import { runTier4 } from '../dist/index.js';

const models = fileURLToPath(new URL('./quantization/models.py', import.meta.url));
const CASES = [
  ['simple_cnn', 'simple_cnn'],
  ['lm_stub', 'lm_stub'],
  ['mlp', { file: models, factory: 'make_mlp' }],
  ['resnet18 (3x32x32)', { file: models, factory: 'make_resnet18' }],
  ['tied_lm (shared embedding / LM head)', { file: models, factory: 'make_tied_lm' }],
  ['mlp, inputs x 1e-6', { file: models, factory: 'make_mlp_tiny_inputs' }],
  ['mlp, inputs x 1e4', { file: models, factory: 'make_mlp_huge_inputs' }],
  ['wide mlp (11.6 MB fp32: memory above page granularity)', { file: models, factory: 'make_wide_mlp' }],
];
console.error(`load average before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);

const f = (x, d = 3) => (x === null || x === undefined ? '-' : Number(x).toFixed(d));
const e = (x) => (x === null || x === undefined ? '-' : Number(x).toExponential(2));
const rows = [];
const out = {};
for (const [label, model] of CASES) {
  const started = Date.now();
  const fx = await buildFixture({ model, quantization: 'dynamic', formats: ['onnx', 'torchscript', 'pytorch'], samples: 10, timeoutMs: 900_000 });
  const report = await runTier4({ exportDir: fx.dir, latency: false, trustModelSource: true, quantization: { verbose: true } });
  out[label] = report;
  for (const [format, entry] of Object.entries(report.formats)) {
    const q = entry.quantization;
    rows.push([
      label, format, f(q?.size_ratio), f(q?.weight_bytes_ratio), f(q?.memory_ratio), e(q?.relative_error), f(q?.sqnr_db, 1), q?.cosine?.toFixed(6) ?? '-',
      f(q?.top1_agreement, 4), q?.worst_layer ? `${q.worst_layer.name} ${f(q.worst_layer.sqnr_db, 1)} dB` : '-', `${entry.status}${entry.reason ? ` (${entry.reason})` : ''}`,
      e(entry.mean_abs_diff),
    ]);
  }
  console.error(`${label}: ${report.status} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
console.error(`load average after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
const head = ['model', 'format', 'size', 'weights', 'memory', 'rel. error', 'SQNR dB', 'cosine', 'top-1', 'worst layer', 'verdict', 'mean |diff|'];
console.log(`| ${head.join(' | ')} |\n|${head.map(() => ' --- ').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
const i = process.argv.indexOf('--json');
if (i > 0 && process.argv[i + 1]) writeFileSync(process.argv[i + 1], JSON.stringify(out, null, 2));
