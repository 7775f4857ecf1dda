// runTier4 on exports shaped like users' models (test/tier4/models/real_models.py): several inputs
// fed by name with honest padding masks, an export that ignores the mask, a graph specialised to
// its traced batch, two outputs with their own thresholds, and the deployment gates.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { buildFixture, type Fixture } from 'vitest-tier4-fixtures';
import { describeGates } from '../../src/tier4/gates.js';
import { runTier4 } from '../../src/tier4/run.js';
import type { Tier4Report } from '../../src/tier4/types.js';
import { renderSummaryTable, verdictLine } from '../../src/cli/table.js';
import { cleanupTmp, schemaValidator } from './helpers.js';

afterAll(cleanupTmp);

const MODELS = fileURLToPath(new URL('./models/real_models.py', import.meta.url));
const built = new Map<string, Promise<Fixture>>();
function exportOf(factory: string): Promise<Fixture> {
  let p = built.get(factory);
  if (!p) {
    p = buildFixture({ model: { file: MODELS, factory }, formats: ['onnx', 'torchscript'], samples: 6 });
    built.set(factory, p);
  }
  return p;
}

async function expectSchemaValid(report: Tier4Report): Promise<void> {
  const validate = await schemaValidator();
  expect(validate(JSON.parse(JSON.stringify(report)))).toEqual([]);
}

describe('several inputs, fed by name', () => {
  test('a masked text classifier (forward(input_ids, attention_mask=None)) validates ok in ONNX and TorchScript', async () => {
    const fx = await exportOf('masked');
    const report = await runTier4({ exportDir: fx.dir, latency: false, numSamples: 6 });
    expect(report.model.inputs.map((i) => [i.name, i.shape])).toEqual([
      ['input_ids', ['batch', 'sequence']],
      ['attention_mask', ['batch', 'sequence']],
    ]);
    expect(report.warnings).toEqual([]);
    expect(report.status).toBe('ok');
    for (const format of ['onnx', 'torchscript']) {
      const f = report.formats[format]!;
      expect(f).toMatchObject({ status: 'ok', parity: 'ok', shape: 'ok', samples_checked: 6 });
      expect(f.max_abs_diff).toBeLessThan(1e-4);
      // batch 1, 4 and 3 at sequence 8 and 4
      const bound = Object.values(report.parity_report[format]!).map((s) => s.outputs['logits']!.shape.bindings);
      expect(bound).toEqual([
        { batch: 1 }, { batch: 4 }, { batch: 3 }, { batch: 1 }, { batch: 4 }, { batch: 3 },
      ].map((b) => expect.objectContaining(b)));
    }
    const sample = await fx.loadSample(1);
    expect(sample.inputs['input_ids']!.shape).toEqual([4, 4]);
    expect(sample.inputs['attention_mask']!.shape).toEqual([4, 4]);
    await expectSchemaValid(report);
  });

  test('an export that ignores attention_mask fails, naming the output and the dropped input', async () => {
    const fx = await exportOf('mask_ignored');
    const report = await runTier4({ exportDir: fx.dir, latency: false, numSamples: 6 });
    expect(report.status).toBe('fail');
    for (const format of ['onnx', 'torchscript']) {
      const f = report.formats[format]!;
      expect(f.status).toBe('fail');
      expect(f.parity).toBe('fail');
      // both exports agree with each other and not with the references, yet the samples are not stale:
      // the dropped input is the cause, and the reason does not blame the references
      expect(f.reason).toMatch(/^parity failed in \d\/6 sample\(s\); worst: output 'logits' \(sample_\d{3}\): \d+\/\d+ elements over tolerance/);
      expect(f.reason).not.toContain('probably stale');
      expect(f.outputs!['logits']).toMatchObject({ status: 'fail', threshold: 1e-4 });
      expect(f.outputs!['logits']!.samples_failed).toBeGreaterThan(0);
    }
    // torch.onnx.export drops the unused input: the warning says so
    expect(report.warnings).toContain(
      "onnx: the model takes no input 'attention_mask' (its inputs: input_ids); not fed (torch.onnx.export drops inputs the graph does not use: do not send it when serving)",
    );
    expect(report.warnings.filter((w) => w.includes('probably stale'))).toEqual([]);
    // the reason names the cause: the ONNX graph has no attention_mask input (the TorchScript trace keeps an unused one)
    expect(report.formats['onnx']!.reason).toContain(
      "; the onnx graph takes no input 'attention_mask', which the reference outputs were computed with: the export ignores it (for example a mask dropped while tracing)",
    );
    expect(report.formats['onnx']!.reason).not.toContain('unrelated to the reference');
    expect(report.formats['torchscript']!.reason).not.toContain('takes no input');
    expect(verdictLine(report)).toMatch(/^tier4: FAIL mask_ignored: onnx: parity failed .* output 'logits'/);
  });
});

describe('dynamic batch really checked', () => {
  test('a graph traced at batch 2 that hard-codes it fails at batch 4 with a message naming the dimension', async () => {
    const fx = await exportOf('batch_hardcoded');
    expect(fx.metadata.traced_with).toEqual({ batch: 2 });
    const report = await runTier4({ exportDir: fx.dir, latency: false, numSamples: 6 });
    expect(report.status).toBe('fail');
    for (const format of ['onnx', 'torchscript']) {
      const f = report.formats[format]!;
      expect(f.status).toBe('fail');
      expect(f.reason).toContain(
        "fails at batch 1, 4, 3 (6/6 samples; no sample passed): the exported graph looks specialised to the 'batch' size it was traced with (2)",
      );
      const atFour = report.parity_report[format]!['sample_001']!;
      expect(atFour.batch_size).toBe(4);
      // the batch-4 sample itself failed (a run error or a wrong shape, depending on the runtime)
      expect(atFour.error !== null || Object.values(atFour.outputs).some((o) => o.shape.status === 'fail' || o.parity?.status === 'fail')).toBe(true);
    }
    // no sample ran: the table shows no figures (an SQNR of +Inf would read as identical outputs)
    const row = renderSummaryTable(report).split('\n').find((l) => l.startsWith('| onnx '))!;
    const cells = row.split('|').slice(1, -1).map((c) => c.trim());
    expect(report.formats['onnx']!.agreement).toEqual({});
    expect(cells.slice(1, 7)).toEqual(['FAIL', 'fail', '-', '-', '1e-4 (max)', '-']);
  });

  test('the CLI on it: one failure line on stderr, no onnxruntime kernel log per sample', async () => {
    const fx = await exportOf('batch_hardcoded');
    const bin = fileURLToPath(new URL('../../bin/tier4.js', import.meta.url));
    const r = await promisify(execFile)(process.execPath, [bin, 'validate', fx.dir, '--formats', 'onnx', '--samples', '3', '--no-latency']).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(r).toMatchObject({ code: 1 });
    expect(r.stderr).not.toContain('[E:onnxruntime');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^tier4: FAIL batch_hardcoded: onnx: fails at batch 1, 4, 3 .*ONNX Runtime failed to run .*Gemm/);
  });
});

describe('several outputs', () => {
  test('a named tuple regressor: each output named, shaped and judged against its own threshold', async () => {
    const fx = await exportOf('two_outputs');
    expect(fx.metadata.outputs).toEqual([
      { name: 'positions', dtype: 'float32', shape: ['batch', 2] },
      { name: 'uncertainties', dtype: 'float32', shape: ['batch', 2] },
    ]);
    expect(fx.metadata.output_structure).toBe('namedtuple');
    const report = await runTier4({ exportDir: fx.dir, latency: false, numSamples: 6, outputThresholds: { uncertainties: 1e-3 } });
    expect(report.status).toBe('ok');
    for (const format of ['onnx', 'torchscript']) {
      const f = report.formats[format]!;
      expect(Object.keys(f.outputs!)).toEqual(['positions', 'uncertainties']);
      expect(f.outputs!['positions']).toMatchObject({ status: 'ok', threshold: 1e-4, samples_failed: 0 });
      expect(f.outputs!['uncertainties']).toMatchObject({ status: 'ok', threshold: 1e-3, samples_failed: 0 });
      for (const s of Object.values(report.parity_report[format]!)) {
        expect(s.outputs['uncertainties']!.parity!.tolerance.atol).toBe(1e-3);
        expect(s.outputs['positions']!.shape.actual).toEqual([s.batch_size, 2]);
      }
    }
    await expectSchemaValid(report);
  });

  test('a dict regressor: the TorchScript outputs come back by key', async () => {
    const fx = await exportOf('two_outputs_dict');
    const report = await runTier4({ exportDir: fx.dir, latency: false, numSamples: 6, formats: ['torchscript'] });
    expect(report.status).toBe('ok');
    expect(Object.keys(report.formats['torchscript']!.outputs!)).toEqual(['positions', 'uncertainties']);
  });

  test('an output threshold for an output the export does not have is refused before anything runs', async () => {
    const fx = await exportOf('two_outputs');
    await expect(runTier4({ exportDir: fx.dir, latency: false, numSamples: 6, outputThresholds: { sigma: 1e-3 } })).rejects.toThrow(
      new TypeError('runTier4: option "outputThresholds.sigma" expected the name of an output of the export (positions, uncertainties), received "sigma"'),
    );
    await expect(runTier4({ exportDir: fx.dir, outputThresholds: { positions: -1 } })).rejects.toThrow(
      'runTier4: option "outputThresholds.positions" expected a finite number >= 0, received -1',
    );
  });
});

describe('deployment gates', () => {
  test('max artifact size (fail) and a min speed-up that could not be measured (warn) are in the verdict', async () => {
    const fx = await exportOf('two_outputs');
    const report = await runTier4({
      exportDir: fx.dir,
      latency: false, numSamples: 6,
      formats: ['onnx'],
      gates: { maxArtifactBytes: 1000, maxArtifactLevel: 'fail', minSpeedup: 1.5 },
    });
    const f = report.formats['onnx']!;
    const size = fx.metadata.artifacts.onnx!.size_bytes;
    expect(f.gates).toEqual([
      {
        name: 'min_speedup', limit: 1.5, actual: null, level: 'warn', status: 'warn',
        message: 'speed-up vs eager PyTorch not measured (latency was not measured (latency: false)): the min speed-up gate (1.5x, warn) cannot show it holds',
      },
      {
        name: 'max_artifact_bytes', limit: 1000, actual: size, level: 'fail', status: 'fail',
        message: `artifact model.onnx is ${(size / 1e3).toFixed(1)} kB, over the maximum 1.0 kB (fail)`,
      },
    ]);
    expect(f.status).toBe('fail');
    expect(report.status).toBe('fail');
    expect(verdictLine(report)).toBe(
      `tier4: FAIL two_outputs: onnx: artifact model.onnx is ${(size / 1e3).toFixed(1)} kB, over the maximum 1.0 kB (fail); ` +
        `gates: onnx speed-up >= 1.5x: not measured WARN; artifact <= 1.0 kB: ${(size / 1e3).toFixed(1)} kB FAIL`,
    );
    await expectSchemaValid(report);
  });

  test('the verdict line gives every gate in short: limits as set, figures to 3 significant digits', () => {
    expect(
      describeGates([
        { name: 'min_speedup', limit: 1.5, actual: 15.2346, level: 'fail', status: 'ok', message: null },
        { name: 'latency_budget', limit: 50, actual: 76.34883, level: 'warn', status: 'warn', message: 'over' },
        { name: 'latency_budget', limit: 5, actual: 0.0123456, level: 'warn', status: 'ok', message: null },
        { name: 'max_artifact_bytes', limit: 150_000, actual: 163_000, level: 'warn', status: 'warn', message: 'over' },
      ]),
    ).toBe('speed-up >= 1.5x: 15.23x ok; latency <= 50 ms: 76.3 ms WARN; latency <= 5 ms: 0.0123 ms ok; artifact <= 150 kB: 163 kB WARN');
  });

  test('gates that hold leave the verdict ok and are still shown', async () => {
    const fx = await exportOf('two_outputs');
    const report = await runTier4({ exportDir: fx.dir, latency: false, numSamples: 6, formats: ['onnx'], gates: { maxArtifactBytes: 50e6 } });
    expect(report.status).toBe('ok');
    expect(verdictLine(report)).toMatch(/^tier4: OK two_outputs: onnx validated \(shape and parity on every sample\); gates: onnx artifact <= 50\.0 MB: \d+\.\d kB ok$/);
  });

  test('bad gate options name the option', async () => {
    const fx = await exportOf('two_outputs');
    await expect(runTier4({ exportDir: fx.dir, gates: { minSpeedup: 0 } })).rejects.toThrow('runTier4: option "gates.minSpeedup" expected a finite number > 0, received 0');
    await expect(runTier4({ exportDir: fx.dir, gates: { maxArtifactLevel: 'error' as never } })).rejects.toThrow(
      'runTier4: option "gates.maxArtifactLevel" expected "warn" or "fail", received "error"',
    );
    await expect(runTier4({ exportDir: fx.dir, gates: { minSpeed: 2 } as never })).rejects.toThrow(
      'runTier4: unknown option "gates.minSpeed" (expected one of "minSpeedup", "minSpeedupLevel", "maxArtifactBytes", "maxArtifactLevel"; did you mean "minSpeedup"?)',
    );
  });
});
