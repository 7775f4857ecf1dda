/**
 * Verdicts that NaN cannot fool: a model whose weights are NaN (reference and export both NaN)
 * fails by default with the count and the first index, unless the output is allowed; an ONNX
 * export whose weights are NaN fails with a reason that says NaN, never "max abs diff 0 at n/a".
 */
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cli } from '../cli/run-cli.js';
import { renderSummaryTable } from '../../src/cli/table.js';
import { renderTier4Html, toReportDocument } from '../../src/report/index.js';
import { runTier4 } from '../../src/tier4/index.js';
import { maxAbsDiffCell } from '../../src/tier4/non-finite.js';
import { cleanupTmp, copyExport, fixture, python } from '../tier4/helpers.js';

afterAll(cleanupTmp);

/** Sets every reference logits sample of the export to NaN and the ONNX weights to NaN (both sides NaN). */
async function nanEverywhere(dir: string, onnxToo: boolean): Promise<void> {
  await python(
    `
import glob, sys, numpy as np, onnx
from onnx import numpy_helper, TensorProto
d = sys.argv[1]
for p in glob.glob(d + '/samples/*/logits.npy') + glob.glob(d + '/samples/*/*logits*.npy'):
    a = np.load(p); np.save(p, np.full_like(a, np.nan))
if sys.argv[2] == '1':
    m = onnx.load(d + '/model.onnx')
    for t in m.graph.initializer:
        if t.data_type == TensorProto.FLOAT:
            t.CopyFrom(numpy_helper.from_array(np.full(numpy_helper.to_array(t).shape, np.nan, np.float32), t.name))
    onnx.save(m, d + '/model.onnx')
`,
    [dir, onnxToo ? '1' : '0'],
  );
}

describe('NaN in the reference and in the export', () => {
  test('NaN reference and NaN export: FAIL by default with the count and the first index; --allow-non-finite accepts it', async () => {
    const dir = await copyExport((await fixture('simple_cnn')).dir);
    await nanEverywhere(dir, true);
    const r = await cli(['validate', dir, '--samples', '1', '--no-latency', '--formats', 'onnx']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^tier4: FAIL simple_cnn: onnx: reference output 'logits' \(sample_000\) is not finite: 10 NaN \(first at \[0, 0\]\) of 10 elements; the eager model's own output, so parity cannot judge it \(allowNonFinite: \['logits'\], CLI --allow-non-finite logits, accepts it\)/,
    );
    const allowed = await runTier4({ exportDir: dir, numSamples: 1, latency: false, formats: ['onnx'], allowNonFinite: ['logits'] });
    // allowed: no longer a failure (the scale-free checks may still warn about a NaN reference)
    expect(allowed.formats.onnx!.status).not.toBe('fail');
    expect(allowed.formats.onnx!.reason ?? '').not.toContain('is not finite');
  });

  test('NaN ONNX weights against a finite reference: the reason says NaN, not "max abs diff 0 at n/a"', async () => {
    const fx = await fixture('simple_cnn');
    const dir = await copyExport(fx.dir);
    await python(
      `
import sys, numpy as np, onnx
from onnx import numpy_helper, TensorProto
m = onnx.load(sys.argv[1])
for t in m.graph.initializer:
    if t.data_type == TensorProto.FLOAT:
        t.CopyFrom(numpy_helper.from_array(np.full(numpy_helper.to_array(t).shape, np.nan, np.float32), t.name))
onnx.save(m, sys.argv[1])
`,
      [join(dir, 'model.onnx')],
    );
    const report = await runTier4({ exportDir: dir, numSamples: 1, latency: false, formats: ['onnx'] });
    const reason = report.formats.onnx!.reason!;
    expect(reason).toContain(
      "output 'logits' (sample_000): 10/10 elements over tolerance (preset fp32 (atol 1e-4, rtol 1e-4)); the output has 10 NaN (first at [0, 0]) of 10 elements (10 NaN and 0 Inf where the reference differs); no finite pair to compare",
    );
    expect(reason).not.toContain('n/a');
    // the tables say NaN and how many, not a max abs diff of 0
    const row = renderSummaryTable(report).split('\n').find((l) => l.startsWith('| onnx'))!;
    expect(row.split('|').map((c) => c.trim())[4]).toBe('10 NaN');
    expect(renderTier4Html(toReportDocument(report))).toContain('>10 NaN</td>');
  });

  test('the max abs diff cell: the value alone, NaN and Inf counts alone, or both', () => {
    const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : String(v));
    expect(maxAbsDiffCell(3e-5, { nan: 0, inf: 0 }, fmt)).toBe('0.00003');
    expect(maxAbsDiffCell(0, { nan: 10, inf: 0 }, fmt)).toBe('10 NaN');
    expect(maxAbsDiffCell(null, { nan: 0, inf: 2 }, fmt)).toBe('2 Inf');
    expect(maxAbsDiffCell(3e-5, { nan: 10, inf: 2 }, fmt)).toBe('0.00003 + 10 NaN, 2 Inf');
  });
});
