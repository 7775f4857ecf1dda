#!/usr/bin/env node
/**
 * Per-layer parity benchmark (docs/layers.md).
 *
 *   node bench/layers.bench.mjs sweep [resnet18,resnet50,mobilenet_v3_small,vit_b_16]
 *   node bench/layers.bench.mjs speed [--runs 3]
 *   node bench/layers.bench.mjs memory <export-dir>
 *
 * sweep: exports each architecture (torchvision, seeded random weights, 224x224, one sample,
 * activations stored) into a temporary dir and runs compareLayers on it; prints one table row per
 * model: leaves, layers compared, layers over 1e-4 (accumulated / local max abs), worst accumulated
 * and worst local with their layer, the origin by both rules, and the wall time.
 * speed: resnet18 at 224x224, batch 1, warm (worker started, one run before the measured ones):
 * capture (the eager model with hooks: activations are not stored for this) + accumulated + local
 * comparison of every layer, with the breakdown, and the peak memory against the activations' size.
 * memory (also run by sweep for each model): peak RSS of fresh processes, read from VmHWM after
 * resetting it (/proc/<pid>/clear_refs, Linux, needs to own the process): a Node process that only
 * opens the export's model.onnx in onnxruntime and runs the sample (the cost of running the model
 * at all), and one that runs compareLayers, cold and then warm; and the Python worker's growth over
 * the request. "extra" = peak of compareLayers minus peak of the plain run, against the activations.
 *
 * Env: TIER4_PYTHON (default /usr/bin/python3). Times the built package (dist/).
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const pythonDir = join(pkg, '..', '..', 'python');
const modelsFile = join(here, 'layers_models.py');
const python = process.env.TIER4_PYTHON ?? '/usr/bin/python3';
process.env.TIER4_PYTHON = python;

const { compareLayers } = await import(join(pkg, 'dist', 'layers', 'compare.js'));
const { PythonWorker } = await import(join(pkg, 'dist', 'runtimes', 'python-worker.js'));

async function exportModel(factory, out, layers) {
  const code = `
import sys, time, warnings, importlib.util
warnings.filterwarnings("ignore")
sys.path.insert(0, sys.argv[1])
spec = importlib.util.spec_from_file_location("layers_models", sys.argv[2])
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
from tier4_export import export_model
model, task = getattr(mod, sys.argv[3])()
t = time.perf_counter()
export_model(model, task, sys.argv[4], formats=["onnx"], num_samples=1, layers=sys.argv[5] == "1",
             model_source={"kind": "file", "file": sys.argv[2], "factory": sys.argv[3]})
print(time.perf_counter() - t)
`;
  const { stdout } = await run(python, ['-c', code, pythonDir, modelsFile, factory, out, layers ? '1' : '0'], { maxBuffer: 64 << 20, timeout: 1_800_000 });
  return Number(stdout.trim().split('\n').at(-1));
}

const TIGHT = { atol: 5e-6, rtol: 0 };
const fmt = (x) => (x === null || x === undefined ? '-' : x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(3) : x.toExponential(2));

function worst(rows, key) {
  let best = null;
  for (const r of rows) if (r[key] !== null && (best === null || r[key] > best[key])) best = r;
  return best;
}

async function sweep(names) {
  const worker = await PythonWorker.start({ python, timeoutMs: 1_800_000 });
  const root = await mkdtemp(join(tmpdir(), 'tier4-layers-sweep-'));
  const lines = [
    '| model | leaves | layers compared | over 1e-4 accumulated | over 1e-4 local | worst accumulated (layer) | worst local (layer) | drift origin (local rule) | first over tolerance (accumulated rule) | export s | compare s |',
    '| :-- | --: | --: | --: | --: | :-- | :-- | :-- | :-- | --: | --: |',
  ];
  const memoryLines = [];
  const tightLines = [];
  try {
    for (const name of names) {
      const dir = join(root, name);
      process.stderr.write(`${name}: exporting...\n`);
      let exportS;
      const te = performance.now();
      try {
        exportS = await exportModel(`make_${name}`, dir, true);
      } catch (err) {
        const why = err.killed ? `killed (${err.signal ?? 'timeout'}) after ${((performance.now() - te) / 1000).toFixed(0)} s` : err.signal ? `killed by ${err.signal}` : `exit ${err.code}`;
        lines.push(`| ${name} | export failed: ${why}: ${String(err.stderr || err.message).trim().split('\n').at(-1)} |`);
        continue;
      }
      process.stderr.write(`${name}: comparing...\n`);
      const t0 = performance.now();
      const r = await compareLayers({ exportDir: dir, worker, timeoutMs: 1_800_000 });
      const s = (performance.now() - t0) / 1000;
      const compared = r.layers.filter((l) => l.max_abs_diff !== null);
      const wa = worst(compared, 'max_abs_diff');
      const wl = worst(compared, 'local_max_abs_diff');
      lines.push(
        `| ${name} | ${r.capture.leaves} | ${compared.length} | ${compared.filter((l) => l.max_abs_diff > 1e-4).length} | ${
          compared.filter((l) => (l.local_max_abs_diff ?? 0) > 1e-4).length
        } | ${fmt(wa?.max_abs_diff)} (${wa?.name ?? '-'}) | ${fmt(wl?.local_max_abs_diff)} (${wl?.name ?? '-'}) | ${r.drift_origin ?? 'none'} | ${
          r.first_over_tolerance ?? 'none'
        } | ${exportS.toFixed(1)} | ${s.toFixed(1)} |`,
      );
      process.stderr.write(`${lines.at(-1)}\n  ${r.explanation}\n`);
      // The old rule against the local one at a tolerance fp32 noise can break (atol 5e-6, rtol 0):
      // does the first accumulated break sit at a layer whose own error is noise, with later
      // layers dropping back under it?
      const tight = await compareLayers({ exportDir: dir, worker, timeoutMs: 1_800_000, tolerance: TIGHT });
      const rowsT = tight.layers.filter((l) => l.max_abs_diff !== null);
      const first = rowsT.findIndex((l) => l.accumulated_status === 'fail');
      const fo = rowsT[first];
      const origin = rowsT.find((l) => l.name === tight.drift_origin);
      tightLines.push(
        `- ${name}: first over tolerance (accumulated rule) ${fo ? `${fo.name} (accumulated ${fmt(fo.max_abs_diff)}, its local ${fmt(fo.local_max_abs_diff)})` : 'none'}; ` +
          `drift origin (local rule) ${origin ? `${origin.name} (local ${fmt(origin.local_max_abs_diff)})` : 'none'}; ` +
          `${tight.counts.over_tolerance_accumulated} rows over accumulated, ${tight.counts.over_tolerance_local} local; ` +
          `${first >= 0 ? rowsT.slice(first + 1).filter((l) => l.accumulated_status !== 'fail').length : 0} rows after the first break are back under it; diagnosis ${tight.diagnosis}`,
      );
      process.stderr.write(`${tightLines.at(-1)}\n`);
      const m = await memory(dir);
      memoryLines.push(`- ${name}: ${m.text}`);
      process.stderr.write(`${memoryLines.at(-1)}\n`);
      await rm(dir, { recursive: true, force: true });
    }
  } finally {
    await worker.close();
    await rm(root, { recursive: true, force: true });
  }
  console.log(`Per-layer sweep, ${new Date().toISOString().slice(0, 16)}Z, tolerance preset fp32 (atol 1e-4, rtol 1e-4), load ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`);
  console.log(lines.join('\n'));
  console.log(`\nAt atol ${TIGHT.atol}, rtol ${TIGHT.rtol}:\n${tightLines.join('\n')}`);
  console.log(`\nPeak memory (fresh processes, VmHWM):\n${memoryLines.join('\n')}`);
}

function hwmOf(pid) {
  const t = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(t)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}
const resetHwm = (pid) => writeFileSync(`/proc/${pid}/clear_refs`, '5');

/** One measurement in this (fresh) process: 'plain' (ORT run of model.onnx) or 'compare'. */
async function memoryChild(dir, what) {
  const { openExportDir } = await import('vitest-tier4-fixtures');
  const { openOnnxRunner } = await import(join(pkg, 'dist', 'runtimes', 'onnx.js'));
  const ed = await openExportDir(dir);
  const sample = await ed.loadSample(0);
  const out = {};
  if (what === 'plain') {
    const before = hwmOf(process.pid).rss;
    resetHwm(process.pid);
    const r = await openOnnxRunner(ed.paths.onnx, { cache: false });
    await r.run(sample.inputs);
    await r.close();
    out.plain = hwmOf(process.pid).hwm - before;
  } else {
    const worker = await PythonWorker.start({ python, timeoutMs: 1_800_000 });
    try {
      for (const pass of ['cold', 'warm']) {
        const before = hwmOf(process.pid).rss;
        const pyBefore = hwmOf(worker.pid).rss;
        resetHwm(process.pid);
        resetHwm(worker.pid);
        const r = await compareLayers({ exportDir: dir, worker, timeoutMs: 1_800_000 });
        out[pass] = { node: hwmOf(process.pid).hwm - before, python: hwmOf(worker.pid).hwm - pyBefore, seconds: r.timings.total_ms / 1000 };
        out.activations = r.capture.bytes;
      }
    } finally {
      await worker.close();
    }
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** Peak memory of a comparison of `dir` (fresh processes), as a line of text and the figures. */
async function memory(dir) {
  const child = async (what) => JSON.parse((await run(process.execPath, [fileURLToPath(import.meta.url), 'memory-child', dir, what], { maxBuffer: 16 << 20, timeout: 3_600_000 })).stdout.trim().split('\n').at(-1));
  const { plain } = await child('plain');
  const c = await child('compare');
  const mb = (b) => (b / 1e6).toFixed(1);
  const x = (b) => (b / c.activations).toFixed(2);
  const weights = (await stat(join(dir, 'model.onnx'))).size;
  const text =
    `activations ${mb(c.activations)} MB, model.onnx ${mb(weights)} MB; plain onnxruntime run: Node peak +${mb(plain)} MB; ` +
    `compareLayers cold: Node +${mb(c.cold.node)} MB (extra ${mb(c.cold.node - plain)} MB = ${x(c.cold.node - plain)}x), Python +${mb(c.cold.python)} MB (${x(c.cold.python)}x), ${c.cold.seconds.toFixed(1)} s; ` +
    `warm: Node +${mb(c.warm.node)} MB (${x(c.warm.node)}x), Python +${mb(c.warm.python)} MB (${x(c.warm.python)}x), ${c.warm.seconds.toFixed(1)} s`;
  return { text, plain, ...c };
}

function rssOf(pid) {
  return readFile(`/proc/${pid}/status`, 'utf8').then((t) => {
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(t)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  });
}

async function speed(runs) {
  const root = await mkdtemp(join(tmpdir(), 'tier4-layers-speed-'));
  const dir = join(root, 'resnet18');
  try {
    await exportModel('make_resnet18', dir, false);
    const worker = await PythonWorker.start({ python, timeoutMs: 600_000 });
    try {
      const opts = { exportDir: dir, worker, trustModelSource: true };
      await compareLayers(opts); // warm: model loaded once, onnxruntime and the parity core JIT-warm
      for (let i = 0; i < runs; i++) {
        const before = process.memoryUsage().rss;
        const pyBefore = await rssOf(worker.pid);
        let peak = before;
        let pyPeak = pyBefore.rss;
        const timer = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().rss);
          rssOf(worker.pid).then((m) => (pyPeak = Math.max(pyPeak, m.rss)), () => undefined);
        }, 5);
        const t0 = performance.now();
        const r = await compareLayers(opts);
        const wall = performance.now() - t0;
        clearInterval(timer);
        const t = r.timings;
        const act = r.capture.bytes;
        console.log(
          `run ${i + 1}: total ${(wall / 1000).toFixed(2)} s = capture ${(t.capture_ms / 1000).toFixed(2)} s + graph surgery ${(t.graph_ms / 1000).toFixed(2)} s ` +
            `+ transfer ${((t.prepare_ms - t.capture_ms - t.graph_ms) / 1000).toFixed(2)} s + ONNX run ${(t.onnx_ms / 1000).toFixed(2)} s ` +
            `+ local subgraphs ${(t.local_ms / 1000).toFixed(2)} s + comparison ${(t.compare_ms / 1000).toFixed(2)} s; ` +
            `${r.counts.compared} layers, ${r.capture.leaves} leaves, activations ${(act / 1e6).toFixed(1)} MB; ` +
            `peak RSS growth: Node ${((peak - before) / 1e6).toFixed(1)} MB (${((peak - before) / act).toFixed(2)}x), ` +
            `Python ${((pyPeak - pyBefore.rss) / 1e6).toFixed(1)} MB (${((pyPeak - pyBefore.rss) / act).toFixed(2)}x)`,
        );
      }
    } finally {
      await worker.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  console.log(`load ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`);
}

const [mode = 'sweep', arg] = process.argv.slice(2);
if (mode === 'sweep') await sweep((arg ?? 'resnet18,resnet50,mobilenet_v3_small,vit_b_16').split(','));
else if (mode === 'memory' && arg) console.log((await memory(arg)).text);
else if (mode === 'memory-child') await memoryChild(arg, process.argv[4]);
else if (mode === 'speed') await speed(Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3);
else {
  console.error(`usage: layers.bench.mjs sweep [models] | speed [--runs N] | memory <export-dir>; received '${mode}'`);
  process.exit(2);
}
