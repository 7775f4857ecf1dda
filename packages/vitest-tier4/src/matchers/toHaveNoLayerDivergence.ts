import type { MatcherState } from 'vitest';
import { renderWorstLayers } from '../layers/render.js';
import type { LayersReport } from '../layers/types.js';
import type { MatcherResult } from './util.js';

/** Options of `toHaveNoLayerDivergence`. */
export interface ToHaveNoLayerDivergenceOptions {
  /**
   * Pass when no layer breaks the tolerance on its own even though the accumulated error does
   * (diagnosis `accumulated_rounding`). Default false: any layer over the tolerance fails.
   */
  allowAccumulatedRounding?: boolean;
  /** Layers printed in the failure message, worst first (default 5). */
  show?: number;
}

function isLayersReport(value: unknown): value is LayersReport {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { layers?: unknown }).layers) &&
    'drift_origin' in value &&
    'first_over_tolerance' in value &&
    typeof (value as { explanation?: unknown }).explanation === 'string'
  );
}

/**
 * `expect(layerReport).toHaveNoLayerDivergence()`: no layer of the per-layer report (from
 * `compareLayers` or the `layers` test fixture) breaks the tolerance: no drift origin and no layer
 * over it by accumulated error. The failure message gives the origin, the explanation and the
 * worst layers as a table.
 */
export function toHaveNoLayerDivergence(this: MatcherState, received: unknown, options: ToHaveNoLayerDivergenceOptions = {}): MatcherResult {
  const name = 'toHaveNoLayerDivergence';
  if (!isLayersReport(received)) {
    throw new TypeError(`${name}: expected a per-layer report (compareLayers() or the layers fixture), received ${received === null ? 'null' : typeof received}`);
  }
  if (options === null || typeof options !== 'object') throw new TypeError(`${name}: options must be an object, received ${typeof options}`);
  const show = options.show ?? 5;
  if (!Number.isInteger(show) || show < 1) throw new TypeError(`${name}: options.show must be an integer >= 1, received ${String(options.show)}`);
  const r = received;
  const pass = r.drift_origin === null && (r.first_over_tolerance === null || options.allowAccumulatedRounding === true);
  const hint = this.utils.matcherHint(`${this.isNot ? '.not' : ''}.${name}`, 'layerReport', '');
  return {
    pass,
    message: () => {
      const head = [
        hint,
        '',
        `Compared: ${r.onnx} (${r.sample.id}), ${r.counts.compared} layers, ${r.tolerance.description}`,
        pass ? 'Expected some layer to break the tolerance, but none does.' : 'Expected no layer to break the tolerance.',
        `Drift origin (first local break): ${r.drift_origin ?? 'none'}`,
        `First over tolerance (accumulated): ${r.first_over_tolerance ?? 'none'}`,
        r.explanation,
        '',
        `Worst layers (local, then accumulated max abs):`,
        renderWorstLayers(r, show),
      ];
      return head.join('\n');
    },
  };
}
