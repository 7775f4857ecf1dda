/**
 * Shared helpers of the runners' tests (test/runtimes, test/latency, test/tier4, test/cli):
 * built-in fixtures (built once, cached by vitest-tier4-fixtures), throw-away copies that tests
 * may break, ONNX files made with the onnx Python package, and the JSON Schema validator.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { buildFixture, defaultCacheDir, findPython, type Fixture } from 'vitest-tier4-fixtures';

const run = promisify(execFile);

/** The built-in fixtures the tests use (default export options: 10 samples, all formats). */
export const FIXTURES = {
  simple_cnn: { model: 'simple_cnn' },
  lm_stub: { model: 'lm_stub' },
  lm_stub_quantized: { model: 'lm_stub', quantization: 'dynamic' },
} as const;

const built = new Map<string, Promise<Fixture>>();

/** Builds (or reuses from the cache) a built-in fixture. Never modify its directory. */
export function fixture(name: keyof typeof FIXTURES): Promise<Fixture> {
  let p = built.get(name);
  if (!p) {
    p = buildFixture({ ...FIXTURES[name] });
    built.set(name, p);
  }
  return p;
}

const tmpDirs: string[] = [];

/** A fresh temporary directory, removed by {@link cleanupTmp}. */
export async function tmpDir(prefix = 'runners-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `vitest-tier4-${prefix}`));
  tmpDirs.push(dir);
  return dir;
}

/** Copies an export dir to a temporary directory so a test can break it (never mutate the cache). */
export async function copyExport(dir: string): Promise<string> {
  const dst = join(await tmpDir('copy-'), 'export');
  await cp(dir, dst, { recursive: true });
  return dst;
}

/** Removes every temporary directory made by these helpers. */
export async function cleanupTmp(): Promise<void> {
  await Promise.all(tmpDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Runs a Python snippet with the interpreter that has torch and onnx; returns stdout. */
export async function python(code: string, args: string[] = []): Promise<string> {
  // the probe is remembered in the fixtures' cache dir: a test file's first snippet does not pay
  // for a second Python start (the probe imports torch)
  const info = await findPython({ cacheDir: defaultCacheDir() });
  const { stdout } = await run(info.executable, ['-c', code, ...args], { maxBuffer: 16 << 20 });
  return stdout;
}

/**
 * Writes a copy of an ONNX model whose largest float initializer is scaled by `factor`
 * (a weights perturbation the exporter did not make), using the onnx Python package.
 */
export async function perturbOnnx(src: string, dst: string, factor = 1.05): Promise<string> {
  return (
    await python(
      `
import sys, numpy as np, onnx
from onnx import numpy_helper, TensorProto
m = onnx.load(sys.argv[1])
floats = [t for t in m.graph.initializer if t.data_type == TensorProto.FLOAT]
best = max(floats, key=lambda t: int(np.prod(t.dims)))
arr = numpy_helper.to_array(best).astype(np.float32) * np.float32(float(sys.argv[3]))
best.CopyFrom(numpy_helper.from_array(arr, best.name))
onnx.save(m, sys.argv[2])
print(best.name)
`,
      [src, dst, String(factor)],
    )
  ).trim();
}

/**
 * Writes a tiny ONNX model with a float16 and an int64 path: y = x + x (float16),
 * ids_out = ids + ids (int64), both with a dynamic batch axis.
 */
export async function makeFloat16Int64Onnx(path: string): Promise<void> {
  await python(
    `
import sys, onnx
from onnx import helper, TensorProto
X = helper.make_tensor_value_info('x', TensorProto.FLOAT16, ['batch', 3])
I = helper.make_tensor_value_info('ids', TensorProto.INT64, ['batch', 2])
Y = helper.make_tensor_value_info('y', TensorProto.FLOAT16, ['batch', 3])
J = helper.make_tensor_value_info('ids_out', TensorProto.INT64, ['batch', 2])
nodes = [helper.make_node('Add', ['x', 'x'], ['y']), helper.make_node('Add', ['ids', 'ids'], ['ids_out'])]
g = helper.make_graph(nodes, 'f16_i64', [X, I], [Y, J])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 14)])
m.ir_version = 8
onnx.checker.check_model(m)
onnx.save(m, sys.argv[1])
`,
    [path],
  );
}

/** A scalar initializer fed, after the graph's output, to the node {@link appendOnnxOutputNode} appends. */
export interface OnnxScalarInput {
  name: string;
  type: 'FLOAT' | 'BOOL';
  value: number | boolean;
}

/**
 * Writes to `dst` a copy of the ONNX file `src` whose first graph output is produced by one more node,
 * `op(output, ...scalars)`, appended at the end of the graph (checked with onnx.checker).
 */
export async function appendOnnxOutputNode(src: string, dst: string, op: string, scalars: OnnxScalarInput[], nodeName = ''): Promise<void> {
  await python(
    `
import sys, json, onnx
from onnx import helper, TensorProto
m = onnx.load(sys.argv[1])
spec = json.loads(sys.argv[3])
out = m.graph.output[0]
raw = out.name + '_before_' + spec['op'].lower()
for n in m.graph.node:
    n.output[:] = [raw if o == out.name else o for o in n.output]
for s in spec['scalars']:
    m.graph.initializer.append(helper.make_tensor(s['name'], getattr(TensorProto, s['type']), [], [s['value']]))
m.graph.node.append(helper.make_node(spec['op'], [raw] + [s['name'] for s in spec['scalars']], [out.name], name=spec['node']))
onnx.checker.check_model(m)
onnx.save(m, sys.argv[2])
`,
    [src, dst, JSON.stringify({ op, scalars, node: nodeName })],
  );
}

/** Replaces the graph output `logits` of an ONNX file by `factor * logits` (a Mul node at the end). */
export async function scaleOnnxOutput(src: string, dst: string, factor: number): Promise<void> {
  await appendOnnxOutputNode(src, dst, 'Mul', [{ name: 'tier4_test_factor', type: 'FLOAT', value: factor }]);
}

let validatorPromise: Promise<(value: unknown) => string[]> | undefined;

/** Validates a value against schema/tier4-report.schema.json; returns the errors (empty when valid). */
export function schemaValidator(): Promise<(value: unknown) => string[]> {
  validatorPromise ??= (async () => {
    const schema = JSON.parse(await readFile(new URL('../../schema/tier4-report.schema.json', import.meta.url), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    const validate = ajv.compile(schema);
    return (value: unknown) =>
      validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  })();
  return validatorPromise;
}

/**
 * This process's environment without `TIER4_WORKER_POOL`: for a child process (the CLI, a script)
 * that must start its own Python worker, as it does outside a Vitest run, instead of leasing one
 * from the pool this suite's run shares (vitest.config.ts).
 */
export function envWithoutPool(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.TIER4_WORKER_POOL;
  return env;
}

// processAlive and waitForExit are shared with the fixtures package's tests
export { processAlive, waitForExit } from '../../../../test-utils/processes.js';

/** Pids of the direct children of `pid` (read from /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) out.push(Number(entry));
    } catch {
      // process ended while scanning
    }
  }
  return out;
}
