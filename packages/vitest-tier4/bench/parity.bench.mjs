// Benchmark: checkParity on 10 million float32 pairs against numpy.testing.assert_allclose and numpy.allclose on
// the same data (written once to .npy by numpy, loaded here), and a plain memory copy of that data (the floor),
// in one run. Run after `pnpm run build`:
//   pnpm --filter vitest-tier4 run bench        (env: TIER4_PYTHON, BENCH_N, BENCH_REPEATS)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg, median } from '../../../bench/lib.mjs';

// The benchmark times the built package (what users run). On a fresh checkout, build it first.
const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const entry = join(pkgDir, 'dist', 'index.js');
if (!existsSync(entry)) {
  console.log(`${entry} is missing: building the package first (tsc -b) ...`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const built = spawnSync(process.execPath, [tsc, '-b'], { cwd: pkgDir, stdio: 'inherit' });
  if (built.status !== 0 || !existsSync(entry)) {
    console.error(`bench: building vitest-tier4 failed (exit ${built.status}); run \`pnpm run build\` at the repository root and retry`);
    process.exit(1);
  }
}
const { checkParity } = await import(entry);

const N = Number(process.env.BENCH_N ?? 10_000_000);
const REPEATS = Math.max(5, Number(process.env.BENCH_REPEATS ?? 7));
const SEED = 1234;
const python = process.env.TIER4_PYTHON || '/usr/bin/python3';
const probe = spawnSync(python, ['-c', 'import numpy'], { stdio: 'ignore', timeout: 60_000 });
if (probe.status !== 0) {
  console.error(
    `bench: ${python} cannot import numpy (${probe.error ? probe.error.message : `exit ${probe.status}`}). ` +
      'Set TIER4_PYTHON to an interpreter with numpy (on Debian: apt-get install python3-numpy, then /usr/bin/python3).',
  );
  process.exit(1);
}
const helper = fileURLToPath(new URL('./numpy_bench.py', import.meta.url));
const dir = join(tmpdir(), `vitest-tier4-parity-bench-${N}-${SEED}`);

// numpy is benchmarked with the machine's own BLAS settings (see field notes): drop the overrides for this command only.
const pyEnv = { ...process.env };
delete pyEnv.OPENBLAS_CORETYPE;
delete pyEnv.OPENBLAS_L2_SIZE;

/** Minimal .npy reader for little-endian float32 C-order arrays (what numpy_bench.py writes). */
function loadF32(path) {
  const buf = readFileSync(path);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  if (!header.includes("'<f4'") || header.includes("'fortran_order': True")) throw new Error(`${path}: expected a C-order <f4 array, header ${header}`);
  const bytes = buf.subarray(start);
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Runs fn and returns [wall ms, CPU ms (user + system of this process, all threads)]. */
function timed(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / 1000];
}

if (!existsSync(join(dir, 'actual.npy'))) {
  console.log(`writing ${N} float32 pairs to ${dir} ...`);
  execFileSync(python, [helper, 'write', dir, String(N), String(SEED)], { stdio: 'inherit', env: pyEnv, timeout: 300_000 });
}
const actual = { data: loadF32(join(dir, 'actual.npy')), dims: [N] };
const reference = { data: loadF32(join(dir, 'reference.npy')), dims: [N] };
const tolerance = 'fp32'; // atol 1e-4, rtol 1e-4
const atol = 1e-4;
const rtol = 1e-4;

const loadBefore = loadavg();

// the memory floor: a plain copy of the same data (both arrays), TypedArray.set into preallocated buffers
const copyA = new Float32Array(N);
const copyR = new Float32Array(N);
function copyBoth() {
  copyA.set(actual.data);
  copyR.set(reference.data);
}

// The in-order floor: the four float64 sums checkParity reports (Σ|a - r|, Σr², Σ(a - r)², Σr(a - r)), added in
// element order within 64K-element blocks as checkParity adds them, and nothing else (no tolerance test, no
// maxima), written like its fast loop (unrolled by four). A kernel that keeps today's summation order cannot be
// faster than this loop in JavaScript; only a different order (several accumulators per sum) could.
const sums = new Float64Array(4);
function sumBlock(As, Rs, len) {
  let sumAbs = 0;
  let r2 = 0;
  let e2 = 0;
  let re = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    {
      const a = As[k];
      const r = Rs[k];
      const e = a - r;
      sumAbs += Math.abs(e);
      r2 += r * r;
      e2 += e * e;
      re += r * e;
    }
    {
      const a = As[(k + 1) | 0];
      const r = Rs[(k + 1) | 0];
      const e = a - r;
      sumAbs += Math.abs(e);
      r2 += r * r;
      e2 += e * e;
      re += r * e;
    }
    {
      const a = As[(k + 2) | 0];
      const r = Rs[(k + 2) | 0];
      const e = a - r;
      sumAbs += Math.abs(e);
      r2 += r * r;
      e2 += e * e;
      re += r * e;
    }
    {
      const a = As[(k + 3) | 0];
      const r = Rs[(k + 3) | 0];
      const e = a - r;
      sumAbs += Math.abs(e);
      r2 += r * r;
      e2 += e * e;
      re += r * e;
    }
  }
  for (; k < len; k++) {
    const a = As[k];
    const r = Rs[k];
    const e = a - r;
    sumAbs += Math.abs(e);
    r2 += r * r;
    e2 += e * e;
    re += r * e;
  }
  sums[0] += sumAbs;
  sums[1] += r2;
  sums[2] += e2;
  sums[3] += re;
}
function inOrderSums(A, R) {
  sums.fill(0);
  for (let start = 0; start < A.length; start += 65536) {
    const end = Math.min(A.length, start + 65536);
    sumBlock(A.subarray(start, end), R.subarray(start, end), end - start);
  }
}
// Warm-up, then REPEATS rounds of checkParity, the copy and the in-order floor, one after the other in each
// round, so that all three see the same phases of a shared machine.
let result = checkParity(actual, reference, tolerance);
checkParity(actual, reference, tolerance);
copyBoth();
inOrderSums(actual.data, reference.data);
inOrderSums(actual.data, reference.data);
const js = [];
const jsCpu = [];
const copies = [];
const copiesCpu = [];
const floors = [];
const floorsCpu = [];
for (let i = 0; i < REPEATS; i++) {
  const [wall, cpu] = timed(() => {
    result = checkParity(actual, reference, tolerance);
  });
  js.push(wall);
  jsCpu.push(cpu);
  const [copyWall, copyCpu] = timed(copyBoth);
  copies.push(copyWall);
  copiesCpu.push(copyCpu);
  const [floorWall, floorCpu] = timed(() => inOrderSums(actual.data, reference.data));
  floors.push(floorWall);
  floorsCpu.push(floorCpu);
}
if (!result.pass) throw new Error(`benchmark data should pass: ${JSON.stringify(result)}`);
if (sums[2] !== result.norms.sum_sq_diff) {
  throw new Error(`the in-order floor should add what checkParity adds: Σ(a - r)² ${sums[2]} vs ${result.norms.sum_sq_diff}`);
}

const np = JSON.parse(
  execFileSync(python, [helper, 'time', dir, String(REPEATS), String(atol), String(rtol)], { encoding: 'utf8', env: pyEnv, timeout: 600_000 }),
);

const loadAfter = loadavg();
const jsMed = median(js);
const copyMed = median(copies);
const jsCpuMed = median(jsCpu);
const copyCpuMed = median(copiesCpu);
const floorMed = median(floors);
const floorCpuMed = median(floorsCpu);
/** GB/s of input read: both arrays, 4 bytes an element. */
const gbps = (ms) => ((2 * 4 * N) / (ms / 1000) / 1e9).toFixed(1);
const fmt = (x) => `${x.toFixed(1)} ms`;
const runs = (xs) => xs.map((x) => x.toFixed(1)).join(', ');
const row = (name, wall, wallRuns, cpu) => console.log(`  ${name.padEnd(34)}${fmt(wall).padStart(10)}${fmt(cpu).padStart(11)}   wall runs: ${runs(wallRuns)}`);
console.log(`parity benchmark: ${N.toLocaleString('en-US')} float32 pairs, atol ${atol}, rtol ${rtol}, median of ${REPEATS} (node ${process.version}, numpy ${np.numpy})`);
console.log(`  load average before ${loadBefore}, after ${loadAfter}`);
console.log(`  ${''.padEnd(34)}${'wall'.padStart(10)}${'CPU'.padStart(11)}`);
row('checkParity', jsMed, js, jsCpuMed);
row('numpy.testing.assert_allclose', np.assert_allclose_median_ms, np.assert_allclose_ms, np.assert_allclose_cpu_median_ms);
row('numpy.allclose', np.allclose_median_ms, np.allclose_ms, np.allclose_cpu_median_ms);
row('memory copy of the same data', copyMed, copies, copyCpuMed);
row('in-order floor (the four sums)', floorMed, floors, floorCpuMed);
console.log(`  throughput (input read, wall): checkParity ${gbps(jsMed)} GB/s, memory copy ${gbps(copyMed)} GB/s (checkParity at ${((copyMed / jsMed) * 100).toFixed(0)}% of the copy)`);
console.log(`  throughput (input read, CPU):  checkParity ${gbps(jsCpuMed)} GB/s, memory copy ${gbps(copyCpuMed)} GB/s (checkParity at ${((copyCpuMed / jsCpuMed) * 100).toFixed(0)}% of the copy)`);
console.log(`  ratio checkParity / assert_allclose: ${(jsMed / np.assert_allclose_median_ms).toFixed(2)} wall, ${(jsCpuMed / np.assert_allclose_cpu_median_ms).toFixed(2)} CPU (target <= 0.15)`);
console.log(`  ratio in-order floor / assert_allclose: ${(floorMed / np.assert_allclose_median_ms).toFixed(2)} wall, ${(floorCpuMed / np.assert_allclose_cpu_median_ms).toFixed(2)} CPU (${gbps(floorCpuMed)} GB/s CPU)`);
console.log(`  ratio checkParity / allclose:        ${(jsMed / np.allclose_median_ms).toFixed(2)} wall, ${(jsCpuMed / np.allclose_cpu_median_ms).toFixed(2)} CPU`);
console.log(`  checkParity result: pass ${result.pass}, max_abs_diff ${result.max_abs_diff.toExponential(3)}, mean_abs_diff ${result.mean_abs_diff.toExponential(3)}`);
