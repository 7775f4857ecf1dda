/**
 * Per-layer verdicts: the row of one compared layer, and where the divergence is born.
 *
 * Each layer has two errors. The *accumulated* error compares the deployed graph's tensor with the eager
 * activation when the whole graph runs (it carries everything upstream); the *local* error runs only the
 * layer's own nodes on the eager inputs (what the layer itself adds). The drift origin is the first layer
 * in execution order whose local error breaks the tolerance; the older "first over tolerance" rule (first
 * accumulated break) is reported next to it.
 */
import { formatSqnr, formatValue } from './format.js';
import type { LayerRow, LayersReport, LayerStatus } from './layers.generated.js';
import type { ParityResult, ParityStatus, ResolvedTolerance } from './types.js';

export type { LayerRow, LayersReport, LayerStatus, LayoutMatch } from './layers.generated.js';

/** What the rows say, in one place (the verdict part of a {@link LayersReport}). */
export type LayersVerdict = Pick<LayersReport, 'drift_origin' | 'drift_origin_modules' | 'first_over_tolerance' | 'diagnosis' | 'explanation'>;

/** The parity numbers a row keeps from a ParityResult. */
export function rowNumbers(res: ParityResult): Pick<LayerRow, 'max_abs_diff' | 'mean_abs_diff' | 'max_rel_diff' | 'accumulated_status' | 'sqnr_db'> {
  return { max_abs_diff: res.max_abs_diff, mean_abs_diff: res.mean_abs_diff, max_rel_diff: res.max_rel_diff, accumulated_status: res.status, sqnr_db: res.sqnr_db };
}

/** The status of a compared row from its two verdicts. */
export function layerStatus(accumulated: ParityStatus | null, local: ParityStatus | null): LayerStatus {
  if (accumulated === null) return 'error';
  if (local === 'fail') return 'fail';
  if (accumulated === 'fail') return local === null ? 'unjudged' : 'inherited';
  return accumulated === 'warn' || local === 'warn' ? 'warn' : 'ok';
}

/** `layer3.0.conv2 (+ layer3.0.bn2)`: a row's name with the modules it merges. */
export function describeRow(row: Pick<LayerRow, 'name' | 'modules'>): string {
  const extra = row.modules.filter((m) => m !== row.name);
  return extra.length > 0 ? `${row.name} (+ ${extra.join(', ')})` : row.name;
}

function worst(rows: readonly LayerRow[], key: 'max_abs_diff' | 'local_max_abs_diff'): LayerRow | null {
  let best: LayerRow | null = null;
  for (const r of rows) {
    const v = r[key];
    if (v === null) continue;
    if (best === null || v > (best[key] ?? -1)) best = r;
  }
  return best;
}

/** The worst layers first (by local, then accumulated error): what a failure message prints. */
export function worstLayers(rows: readonly LayerRow[], count = 5): LayerRow[] {
  return rows
    .filter((r) => r.max_abs_diff !== null || r.local_max_abs_diff !== null)
    .slice()
    .sort((a, b) => (b.local_max_abs_diff ?? -1) - (a.local_max_abs_diff ?? -1) || (b.max_abs_diff ?? -1) - (a.max_abs_diff ?? -1))
    .slice(0, count);
}

/** Whether the origin broke only the scale-free gate (its local max abs is within the atol). */
function sqnrOnly(origin: LayerRow, tolerance: ResolvedTolerance, minSqnrDb: number): boolean {
  const db = origin.local_sqnr_db;
  return db !== undefined && db !== null && db < minSqnrDb && origin.local_max_abs_diff !== null && origin.local_max_abs_diff <= tolerance.atol;
}

/**
 * Where the divergence is born, from the rows in execution order.
 *
 * @param rows - The layer rows, in execution order.
 * @param tolerance - The tolerance the rows were judged with (named in the explanation).
 * @param minSqnrDb - The scale-free gate the rows were also judged by (default: none); an origin
 *   that broke only the gate (local max abs within the atol) has its local SQNR in the explanation.
 */
export function judgeLayers(rows: readonly LayerRow[], tolerance: ResolvedTolerance, minSqnrDb = -Infinity): LayersVerdict {
  const origin = rows.find((r) => r.status === 'fail') ?? null;
  const firstOver = rows.find((r) => r.accumulated_status === 'fail') ?? null;
  const unjudged = rows.find((r) => r.status === 'unjudged') ?? null;
  const wl = worst(rows, 'local_max_abs_diff');
  const wa = worst(rows, 'max_abs_diff');
  const base = {
    drift_origin: origin?.name ?? null,
    drift_origin_modules: origin ? [...origin.modules] : null,
    first_over_tolerance: firstOver?.name ?? null,
  };
  if (origin) {
    const layout = origin.layout ? `; its output matches after ${origin.layout.description}` : '';
    return {
      ...base,
      diagnosis: 'layer',
      explanation: `divergence born at ${describeRow(origin)} (local ${formatValue(origin.local_max_abs_diff)}${
        sqnrOnly(origin, tolerance, minSqnrDb) ? `, local SQNR ${formatSqnr(origin.local_sqnr_db!)} < ${formatSqnr(minSqnrDb)}` : ''
      }${
        origin.max_abs_diff !== null ? `, accumulated ${formatValue(origin.max_abs_diff)}` : ''
      })${layout}`,
    };
  }
  if (firstOver && unjudged && unjudged === firstOver) {
    return {
      ...base,
      diagnosis: 'not_judged',
      explanation: `the accumulated error breaks ${tolerance.description} first at ${describeRow(firstOver)} (${formatValue(firstOver.max_abs_diff)}), whose local error could not be measured: ${firstOver.reason ?? 'unknown reason'}`,
    };
  }
  if (firstOver) {
    return {
      ...base,
      diagnosis: 'accumulated_rounding',
      explanation: `accumulated rounding: no layer breaks ${tolerance.description} on its own (worst local ${formatValue(wl?.local_max_abs_diff ?? null)}${
        wl ? ` at ${wl.name}` : ''
      }); the accumulated error does from ${describeRow(firstOver)} on (worst ${formatValue(wa?.max_abs_diff ?? null)}${wa ? ` at ${wa.name}` : ''})`,
    };
  }
  return {
    ...base,
    diagnosis: 'clean',
    explanation: `no layer breaks ${tolerance.description} (worst accumulated ${formatValue(wa?.max_abs_diff ?? null)}${wa ? ` at ${wa.name}` : ''}, worst local ${formatValue(
      wl?.local_max_abs_diff ?? null,
    )}${wl ? ` at ${wl.name}` : ''})`,
  };
}
