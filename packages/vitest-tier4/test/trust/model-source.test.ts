/**
 * An export dir is data (docs/trust-model.md): `tier4 validate`, `runTier4` and the eager runner
 * never import the Python model source an export dir names unless the user opts in, and a
 * crafted model.pth never runs, opted in or not. Each case checks that the payload did not run
 * (its marker file is absent) and that the message says how to enable the baseline.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openExportDir } from 'vitest-tier4-fixtures';
import { cli } from '../cli/run-cli.js';
import { livePythonWorkers, openEagerRunner, openRunner, UntrustedModelSourceError } from '../../src/runtimes/index.js';
import { runTier4, type Tier4Report } from '../../src/tier4/index.js';
import { cleanupTmp, copyExport, fixture, python, tmpDir } from '../tier4/helpers.js';

afterAll(cleanupTmp);

/** A copy of the SimpleCNN export whose model_source is a Python file that leaves a marker when imported. */
async function exportWithFileSource(): Promise<{ dir: string; source: string; marker: string }> {
  const dir = await copyExport((await fixture('simple_cnn')).dir);
  const work = await tmpDir('trust-');
  const marker = join(work, 'IMPORTED');
  const source = join(work, 'evil.py');
  await writeFile(
    source,
    `import pathlib\npathlib.Path(${JSON.stringify(marker)}).write_text('ran')\n` +
      `from tier4_export import get_builtin\ndef make_model():\n    return get_builtin('simple_cnn', 0)\n`,
  );
  const metaPath = join(dir, 'metadata.json');
  const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>;
  meta['model_source'] = { kind: 'file', file: source, factory: 'make_model' };
  await writeFile(metaPath, JSON.stringify(meta));
  return { dir, source, marker };
}

const LATENCY = ['--samples', '1', '--iterations', '2', '--warmup', '0'];

describe('a Python model source named by an export dir', () => {
  test('tier4 validate does not import it: WARN, the speed-up not measured, the warning names the file and --trust-model-source', async () => {
    const { dir, source, marker } = await exportWithFileSource();
    const json = join(await tmpDir('trust-'), 'tier4.json');
    const r = await cli(['validate', dir, ...LATENCY, '--json', json]);
    expect(r.code).toBe(0);
    const expected =
      `speed-up vs PyTorch not measured: the eager baseline would import and run ${source}:make_model, ` +
      `Python code named by ${dir}/metadata.json (model_source); it runs only when you opt in: ` +
      'pass trustModelSource: true (tier4 validate --trust-model-source) if you trust this export dir';
    expect(r.stdout).toContain(`Warnings:\n  ${expected}\n`);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(`tier4: WARN simple_cnn: onnx, torchscript validated; ${expected}`);
    const report = JSON.parse(await readFile(json, 'utf8')) as Tier4Report;
    // everything else is validated: parity on both formats, their latency
    expect(report.status).toBe('warn');
    expect(report.warnings).toEqual([expected]);
    for (const f of ['onnx', 'torchscript']) {
      expect(report.formats[f]).toMatchObject({ status: 'ok', parity: 'ok', speedup_vs_pytorch: null, pytorch_latency: null });
      expect(report.formats[f]!.latency_ms).toBeGreaterThan(0);
    }
    expect(existsSync(marker)).toBe(false);
  });

  test('--trust-model-source imports it and measures the speed-up', async () => {
    const { dir, marker } = await exportWithFileSource();
    const r = await cli(['validate', dir, ...LATENCY, '--trust-model-source']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('tier4: OK simple_cnn: onnx, torchscript validated (shape and parity on every sample)');
    expect(r.stdout).toMatch(/\n {2}eager PyTorch: \d/);
    expect(existsSync(marker)).toBe(true);
  });

  test('runTier4 without trustModelSource starts no eager model; with it the baseline runs', async () => {
    const { dir, marker } = await exportWithFileSource();
    const untrusted = await runTier4({ exportDir: dir, formats: ['onnx'], numSamples: 1, latency: { iterations: 2, warmup: 0 } });
    expect(untrusted.warnings).toHaveLength(1);
    expect(untrusted.warnings[0]).toMatch(/^speed-up vs PyTorch not measured: the eager baseline would import and run .*evil\.py:make_model/);
    expect(existsSync(marker)).toBe(false);
    expect(livePythonWorkers()).toBe(0); // ONNX only: not even a Python process was started
    const trusted = await runTier4({ exportDir: dir, formats: ['onnx'], numSamples: 1, latency: { iterations: 2, warmup: 0 }, trustModelSource: true });
    expect(trusted.status).toBe('ok');
    expect(trusted.formats.onnx!.speedup_vs_pytorch).toBeGreaterThan(0);
    expect(existsSync(marker)).toBe(true);
  });

  test('openEagerRunner / openRunner("pytorch") refuse before starting a process; trustModelSource opens it', async () => {
    const { dir, source, marker } = await exportWithFileSource();
    const ed = await openExportDir(dir);
    const before = livePythonWorkers();
    const refused = await openEagerRunner(ed).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UntrustedModelSourceError);
    expect((refused as UntrustedModelSourceError).code).toBe(`${source}:make_model`);
    await expect(openRunner('pytorch', dir, { trustModelSource: false })).rejects.toThrow(/--trust-model-source/);
    expect(livePythonWorkers()).toBe(before);
    expect(existsSync(marker)).toBe(false);
    const eager = await openRunner('pytorch', dir, { trustModelSource: true });
    try {
      expect(existsSync(marker)).toBe(true);
      expect((await eager.run((await ed.loadSample(0)).inputs)).outputs).toHaveProperty('logits');
    } finally {
      await eager.close();
    }
  });
});

describe('model.pth is loaded with weights_only=True only', () => {
  test('a crafted pickle (os.system) fails the eager baseline with the file named; the payload never runs', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    const marker = join(await tmpDir('trust-'), 'PWNED');
    await python(
      `
import os, sys, torch
class RunsShell:
    def __reduce__(self):
        return (os.system, ('touch ' + sys.argv[2],))
torch.save({'conv1.weight': RunsShell()}, sys.argv[1])
`,
      [join(dir, 'model.pth'), marker],
    );
    // built-in model source: no opt-in needed, so the state dict is what stops the payload
    const r = await cli(['validate', dir, ...LATENCY, '--formats', 'onnx']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `speed-up vs PyTorch not measured: the eager baseline failed: eager model: ${join(dir, 'model.pth')} is not a plain state dict ` +
        'that torch.load(weights_only=True) accepts (UnpicklingError: Unsupported class posix.system); it is never loaded with an unrestricted unpickler',
    );
    expect(existsSync(marker)).toBe(false);
  });
});
