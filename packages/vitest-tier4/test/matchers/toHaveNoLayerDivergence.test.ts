import { describe, expect, it } from 'vitest';
import '../../src/setup.js';
import type { LayersReport } from '../../src/layers/types.js';
import { judgeLayers, layerStatus, type LayerRow } from '../../src/parity/layers.js';
import { resolveTolerance } from '../../src/parity/tolerance.js';

const tolerance = resolveTolerance('fp32');

function row(name: string, acc: number, local: number): LayerRow {
  const st = (x: number): 'ok' | 'fail' => (x > 1e-4 ? 'fail' : 'ok');
  return {
    name, modules: [name], module_types: ['Conv2d'], onnx_nodes: [`/${name}/Conv`], op_types: ['Conv'], onnx_tensor: `/${name}/Conv_output_0`,
    shape: [1, 8], max_abs_diff: acc, mean_abs_diff: acc / 2, max_rel_diff: acc, accumulated_status: st(acc),
    local_max_abs_diff: local, local_mean_abs_diff: local / 2, local_status: st(local), status: layerStatus(st(acc), st(local)), layout: null, reason: null,
  };
}

function report(rows: LayerRow[]): LayersReport {
  return {
    ...judgeLayers(rows, tolerance),
    tolerance,
    layers: rows,
    onnx: '/exports/m/model.onnx',
    sample: { index: 0, id: 'sample_000' },
    reference: 'stored',
    capture: { leaves: rows.length, bytes: 0 },
    counts: { compared: rows.length, skipped: 0, over_tolerance_accumulated: rows.filter((r) => r.accumulated_status === 'fail').length, over_tolerance_local: rows.filter((r) => r.local_status === 'fail').length },
    warnings: [],
    timings: { capture_ms: 0, graph_ms: 0, prepare_ms: 0, onnx_ms: 0, local_ms: 0, compare_ms: 0, total_ms: 0 },
  };
}

const clean = report([row('conv1', 1e-6, 1e-6), row('fc', 2e-6, 1e-7)]);
const broken = report([row('conv1', 1e-6, 1e-6), row('layer3.0.conv2', 0.31, 0.29), row('fc', 0.5, 1e-6)]);
const rounding = report([row('a', 2e-4, 1e-5), row('b', 3e-4, 2e-5)]);

describe('toHaveNoLayerDivergence', () => {
  it('passes on a clean report', () => {
    expect(clean).toHaveNoLayerDivergence();
  });

  it('.not passes when a layer breaks the tolerance', () => {
    expect(broken).not.toHaveNoLayerDivergence();
  });

  it('fails naming the origin and printing the worst layers', () => {
    let message = '';
    try {
      expect(broken).toHaveNoLayerDivergence({ show: 2 });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(
      [
        'Compared: /exports/m/model.onnx (sample_000), 3 layers, preset fp32 (atol 1e-4, rtol 1e-4)',
        'Expected no layer to break the tolerance.',
        'Drift origin (first local break): layer3.0.conv2',
        'First over tolerance (accumulated): layer3.0.conv2',
        'divergence born at layer3.0.conv2 (local 0.29, accumulated 0.31)',
        '',
        'Worst layers (local, then accumulated max abs):',
        '| layer            | op types | shape  | accumulated max abs | local max abs | status    |',
        '| :--------------- | :------- | :----- | ------------------: | ------------: | :-------- |',
        '| > layer3.0.conv2 | Conv     | [1, 8] |                0.31 |          0.29 | fail      |',
        '| fc               | Conv     | [1, 8] |                 0.5 |          1e-6 | inherited |',
      ].join('\n'),
    );
  });

  it('.not fails on a clean report', () => {
    expect(() => expect(clean).not.toHaveNoLayerDivergence()).toThrow('Expected some layer to break the tolerance, but none does.');
  });

  it('accumulated rounding fails unless allowed', () => {
    expect(() => expect(rounding).toHaveNoLayerDivergence()).toThrow(/accumulated rounding: no layer breaks preset fp32/);
    expect(rounding).toHaveNoLayerDivergence({ allowAccumulatedRounding: true });
  });

  it('bad arguments are TypeErrors', () => {
    expect(() => expect({ status: 'ok' }).toHaveNoLayerDivergence()).toThrow(TypeError);
    expect(() => expect({ status: 'ok' }).toHaveNoLayerDivergence()).toThrow('toHaveNoLayerDivergence: expected a per-layer report (compareLayers() or the layers fixture), received object');
    expect(() => expect(clean).toHaveNoLayerDivergence({ show: 0 })).toThrow('options.show must be an integer >= 1, received 0');
  });
});
