/**
 * The pure per-layer parts of the parity core: layout permutations and the drift-origin verdict.
 */
import { describe, expect, it } from 'vitest';
import { describeRow, judgeLayers, layerStatus, worstLayers, type LayerRow } from '../../src/parity/layers.js';
import { candidatePermutations, detectLayout, permuteAxes } from '../../src/parity/layout.js';
import { resolveTolerance } from '../../src/parity/tolerance.js';

const fp32 = resolveTolerance('fp32');

function nchw(n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(n * c * h * w);
  for (let i = 0; i < out.length; i++) out[i] = Math.sin(i * 0.37) * 3 + i * 1e-3;
  return out;
}

describe('permuteAxes', () => {
  it('moves axes like numpy.transpose', () => {
    // [[0, 1, 2], [3, 4, 5]] transposed
    expect(permuteAxes([0, 1, 2, 3, 4, 5], [2, 3], [1, 0])).toEqual({ data: new Float64Array([0, 3, 1, 4, 2, 5]), shape: [3, 2] });
    // NCHW [1, 2, 2, 2] -> NHWC: element (0, c, h, w) lands at (0, h, w, c)
    const data = Array.from({ length: 8 }, (_, i) => i);
    const { data: out, shape } = permuteAxes(data, [1, 2, 2, 2], [0, 2, 3, 1]);
    expect(shape).toEqual([1, 2, 2, 2]);
    for (let c = 0; c < 2; c++) for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) expect(out[h * 4 + w * 2 + c]).toBe(c * 4 + h * 2 + w);
  });
});

describe('candidatePermutations', () => {
  it('tries NCHW <-> NHWC first, then every other non-identity permutation', () => {
    const p4 = candidatePermutations(4);
    expect(p4.slice(0, 2)).toEqual([[0, 2, 3, 1], [0, 3, 1, 2]]);
    expect(p4).toHaveLength(23);
    expect(p4).not.toContainEqual([0, 1, 2, 3]);
    expect(candidatePermutations(3)[0]).toEqual([0, 2, 1]);
    expect(candidatePermutations(3)).toHaveLength(5);
    expect(candidatePermutations(2)).toEqual([]);
  });
});

describe('detectLayout', () => {
  it('finds NCHW -> NHWC when the actual tensor is the reference transposed', () => {
    const ref = { data: nchw(1, 3, 4, 5), shape: [1, 3, 4, 5], dtype: 'float32' };
    const t = permuteAxes(ref.data, ref.shape, [0, 2, 3, 1]);
    const actual = { data: Float32Array.from(t.data), shape: t.shape, dtype: 'float32' };
    expect(detectLayout(actual, ref, fp32)).toEqual({ permutation: [0, 2, 3, 1], description: 'NCHW -> NHWC (reference.permute(0, 2, 3, 1))', max_abs_diff: 0 });
  });

  it('finds a permutation that keeps the shape (C = H = W) and the 3-D (B, C, T) <-> (B, T, C) swap', () => {
    const ref = { data: nchw(1, 3, 3, 3), shape: [1, 3, 3, 3], dtype: 'float32' };
    const t = permuteAxes(ref.data, ref.shape, [0, 3, 1, 2]);
    expect(detectLayout({ data: Float32Array.from(t.data), shape: t.shape, dtype: 'float32' }, ref, fp32)?.permutation).toEqual([0, 3, 1, 2]);
    const seq = { data: nchw(2, 3, 4, 1), shape: [2, 3, 4], dtype: 'float32' };
    const s = permuteAxes(seq.data, seq.shape, [0, 2, 1]);
    expect(detectLayout({ data: Float32Array.from(s.data), shape: s.shape, dtype: 'float32' }, seq, fp32)?.description).toBe('(B, C, T) <-> (B, T, C) (reference.permute(0, 2, 1))');
  });

  it('returns null when no permutation restores agreement', () => {
    const ref = { data: nchw(1, 3, 4, 5), shape: [1, 3, 4, 5], dtype: 'float32' };
    const wrong = { data: new Float32Array(60).fill(1), shape: [1, 4, 5, 3], dtype: 'float32' };
    expect(detectLayout(wrong, ref, fp32)).toBeNull();
    expect(detectLayout({ data: new Float32Array(6), shape: [1, 6] }, { data: new Float32Array(6), shape: [1, 6] }, fp32)).toBeNull();
    expect(detectLayout({ data: new Float32Array(8), shape: [1, 2, 2, 2] }, ref, fp32)).toBeNull();
  });

  it('with the scale-free gate, activations within the atol of zero do not match any permutation', () => {
    // every value is ~1e-7: under atol 1e-4 alone any permutation "restores agreement"
    const ref = { data: nchw(1, 3, 4, 5).map((v) => v * 1e-7), shape: [1, 3, 4, 5], dtype: 'float32' };
    const other = { data: Float32Array.from(ref.data).reverse(), shape: [1, 4, 5, 3], dtype: 'float32' };
    expect(detectLayout(other, ref, fp32)).not.toBeNull();
    expect(detectLayout(other, ref, fp32, 60)).toBeNull();
    // a true NHWC copy still matches with the gate (identical values: SQNR +Inf)
    const nhwc = permuteAxes(ref.data, ref.shape, [0, 2, 3, 1]);
    expect(detectLayout({ data: Float32Array.from(nhwc.data), shape: nhwc.shape, dtype: 'float32' }, ref, fp32, 60)?.permutation).toEqual([0, 2, 3, 1]);
  });
});

function row(name: string, acc: number | null, local: number | null, extra: Partial<LayerRow> = {}): LayerRow {
  const st = (x: number | null): 'ok' | 'fail' | null => (x === null ? null : x > 1e-4 ? 'fail' : 'ok');
  return {
    name,
    modules: [name],
    module_types: ['Conv2d'],
    onnx_nodes: [`/${name}/Conv`],
    op_types: ['Conv'],
    onnx_tensor: `/${name}/Conv_output_0`,
    shape: [1, 4],
    max_abs_diff: acc,
    mean_abs_diff: acc,
    max_rel_diff: acc,
    accumulated_status: st(acc),
    local_max_abs_diff: local,
    local_mean_abs_diff: local,
    local_status: st(local),
    status: layerStatus(st(acc), st(local)),
    layout: null,
    reason: null,
    ...extra,
  };
}

describe('layerStatus', () => {
  it('says where the error is born', () => {
    expect(layerStatus('ok', 'ok')).toBe('ok');
    expect(layerStatus('warn', 'ok')).toBe('warn');
    expect(layerStatus('fail', 'fail')).toBe('fail');
    expect(layerStatus('ok', 'fail')).toBe('fail');
    expect(layerStatus('fail', 'ok')).toBe('inherited');
    expect(layerStatus('fail', null)).toBe('unjudged');
    expect(layerStatus(null, null)).toBe('error');
  });
});

describe('judgeLayers', () => {
  it('clean: no origin, the worst layers named', () => {
    const v = judgeLayers([row('a', 1e-6, 1e-6), row('b', 3e-6, 2e-7)], fp32);
    expect(v).toEqual({
      drift_origin: null,
      drift_origin_modules: null,
      first_over_tolerance: null,
      diagnosis: 'clean',
      explanation: 'no layer breaks preset fp32 (atol 1e-4, rtol 1e-4) (worst accumulated 3e-6 at b, worst local 1e-6 at a)',
    });
  });

  it('a layer breaking locally is the origin, with the modules it merges', () => {
    const v = judgeLayers([row('a', 1e-6, 1e-6), row('b', 0.3, 0.29, { modules: ['b', 'b_bn'] }), row('c', 0.5, 1e-6)], fp32);
    expect(v.drift_origin).toBe('b');
    expect(v.drift_origin_modules).toEqual(['b', 'b_bn']);
    expect(v.first_over_tolerance).toBe('b');
    expect(v.explanation).toBe('divergence born at b (+ b_bn) (local 0.29, accumulated 0.3)');
  });

  it('accumulated rounding (the ViT case): over, back under, over again, and no layer breaks on its own', () => {
    const rows = [row('a', 5e-5, 5e-6), row('b', 2e-4, 6e-6), row('c', 8e-5, 4e-6), row('d', 3e-4, 7e-6)];
    const v = judgeLayers(rows, fp32);
    expect(v.drift_origin).toBeNull();
    expect(v.first_over_tolerance).toBe('b');
    expect(v.diagnosis).toBe('accumulated_rounding');
    expect(v.explanation).toBe(
      'accumulated rounding: no layer breaks preset fp32 (atol 1e-4, rtol 1e-4) on its own (worst local 7e-6 at d); the accumulated error does from b on (worst 3e-4 at d)',
    );
  });

  it('the first accumulated break without a local measurement is not blamed on anyone', () => {
    const v = judgeLayers([row('a', 1e-6, 1e-6), row('b', 0.2, null, { reason: 'local error not measured: x' })], fp32);
    expect(v.diagnosis).toBe('not_judged');
    expect(v.drift_origin).toBeNull();
    expect(v.first_over_tolerance).toBe('b');
    expect(v.explanation).toContain('whose local error could not be measured: local error not measured: x');
  });

  it('an origin broken only by the scale-free gate has its local SQNR in the explanation', () => {
    const b = { ...row('b', 2e-6, 2e-6), status: 'fail' as const, local_status: 'fail' as const, local_sqnr_db: -5.4 };
    const v = judgeLayers([row('a', 1e-7, 1e-7), b], fp32, 60);
    expect(v.drift_origin).toBe('b');
    expect(v.explanation).toBe('divergence born at b (local 2e-6, local SQNR -5.4 dB < 60.0 dB, accumulated 2e-6)');
    // above the gate, without one, or with a max abs that breaks the tolerance anyway, the SQNR is not mentioned
    expect(judgeLayers([{ ...b, local_sqnr_db: 80 }], fp32, 60).explanation).toBe('divergence born at b (local 2e-6, accumulated 2e-6)');
    expect(judgeLayers([{ ...b, local_max_abs_diff: 0.3 }], fp32, 60).explanation).toBe('divergence born at b (local 0.3, accumulated 2e-6)');
    expect(judgeLayers([b], fp32).explanation).toBe('divergence born at b (local 2e-6, accumulated 2e-6)');
  });

  it('a later local break is still the origin when an earlier row only inherits', () => {
    const v = judgeLayers([row('a', 2e-4, 1e-6), row('b', 0.4, 0.3)], fp32);
    expect(v.drift_origin).toBe('b');
    expect(v.first_over_tolerance).toBe('a');
  });
});

describe('worstLayers / describeRow', () => {
  it('orders by local error, then accumulated; skipped rows are left out', () => {
    const rows = [row('a', 1e-3, 1e-6), row('b', 1e-4, 1e-2), row('c', null, null, { status: 'skipped' }), row('d', 2e-3, 1e-6)];
    expect(worstLayers(rows, 3).map((r) => r.name)).toEqual(['b', 'd', 'a']);
    expect(describeRow({ name: 'x', modules: ['x'] })).toBe('x');
    expect(describeRow({ name: 'x', modules: ['x', 'y', 'z'] })).toBe('x (+ y, z)');
  });
});
