// Generated from packages/vitest-tier4/schema/tier4-report.schema.json (definitions.layers_report) by
// scripts/schema-types.mjs (json-schema-to-typescript). Do not edit: change the schema, then run
// `pnpm run schema:types` (`pnpm run check` fails while this file is stale).
import type { ResolvedTolerance } from './result.generated.js';

/**
 * `ok`/`warn`: both errors within the tolerance; `fail`: its local error breaks it (the divergence is born here); `inherited`: only the accumulated error does; `unjudged`: the accumulated error does and the local error could not be measured; `skipped`: not compared (`reason`); `error`: comparing it failed (`reason`).
 */
export type LayerStatus = 'ok' | 'warn' | 'fail' | 'inherited' | 'unjudged' | 'skipped' | 'error';

/**
 * The per-layer report of one export dir and sample (docs/layers.md): the layers in execution order, where the divergence is born (local rule) and the first layer over the tolerance (accumulated rule). Written by `tier4 layers --json`, returned by compareLayers, and a failing ONNX format's `layers`.
 */
export interface LayersReport {
  /**
   * First layer, in execution order, whose local error breaks the tolerance, or null.
   */
  drift_origin: string | null;
  /**
   * The modules the origin row merges (null without an origin).
   */
  drift_origin_modules: string[] | null;
  /**
   * First layer whose accumulated error breaks the tolerance (the older rule), or null.
   */
  first_over_tolerance: string | null;
  /**
   * `clean` (no layer breaks the tolerance), `layer` (a layer breaks it locally: drift_origin), `accumulated_rounding` (no layer does on its own, but the accumulated error does), `not_judged` (the accumulated error breaks it where the local error could not be measured).
   */
  diagnosis: 'clean' | 'layer' | 'accumulated_rounding' | 'not_judged';
  /**
   * One line for people, e.g. `divergence born at layer3.0.conv2 (+ layer3.0.bn2) (local 0.29, accumulated 0.31)`.
   */
  explanation: string;
  tolerance: ResolvedTolerance;
  /**
   * The scale-free gate every row is also judged by: a tensor whose SQNR (20 log10(||reference|| / ||actual - reference||)) is below it fails, whatever its max abs. Default 60 dB with the fp32 preset, as in tier4 validate; null when off (another tolerance, or -Infinity given).
   */
  min_sqnr_db?: number | null;
  /**
   * The layers in execution order.
   */
  layers: LayerRow[];
  /**
   * The model file compared (the export's own model.onnx).
   */
  onnx: string;
  /**
   * Index and id of the sample the activations are of.
   */
  sample: {
    index: number;
    id: string;
  };
  /**
   * `stored`: activations from the export dir's layers/; `eager`: captured now from the eager model.
   */
  reference: 'stored' | 'eager';
  /**
   * Leaf module calls captured, and the bytes of their activations.
   */
  capture: {
    leaves: number;
    bytes: number;
  };
  /**
   * Rows compared and skipped; rows whose accumulated / local error breaks the tolerance.
   */
  counts: {
    compared: number;
    skipped: number;
    over_tolerance_accumulated: number;
    over_tolerance_local: number;
  };
  /**
   * Mapping notes (calls and scopes that could not be paired, a local model that had to be split).
   */
  warnings: string[];
  timings: LayersTimings;
}
/**
 * One compared layer: a leaf module call, or a fused group of them (docs/layers.md).
 */
export interface LayerRow {
  /**
   * The leaf call (`layer1.0.relu`, `layer1.0.relu#1` for a second call; `[i]` for one tensor of a tuple output).
   */
  name: string;
  /**
   * The leaf calls this row merges (a Conv and the BatchNorm folded into it), in execution order.
   */
  modules: string[];
  /**
   * Their module classes.
   */
  module_types: string[];
  /**
   * The ONNX nodes of the row.
   */
  onnx_nodes: string[];
  /**
   * Their op types (each once).
   */
  op_types: string[];
  /**
   * ONNX tensor compared (null when skipped).
   */
  onnx_tensor: string | null;
  /**
   * Shape of the eager activation.
   */
  shape: number[] | null;
  /**
   * Accumulated error: greatest |onnx - eager| with the whole graph run (null when not compared).
   */
  max_abs_diff: number | null;
  /**
   * Accumulated mean |onnx - eager|.
   */
  mean_abs_diff: number | null;
  /**
   * Accumulated greatest relative difference (|reference| floored).
   */
  max_rel_diff: number | null;
  /**
   * Verdict of the accumulated comparison.
   */
  accumulated_status: 'ok' | 'warn' | 'fail' | null;
  /**
   * Accumulated SQNR 20 log10(||eager|| / ||onnx - eager||) in dB (+Infinity when equal: null in JSON); what the quantization section ranks layers by, with local_sqnr_db.
   */
  sqnr_db?: number | null;
  /**
   * Local error: greatest |layer(eager inputs) - eager| (null when not measured).
   */
  local_max_abs_diff: number | null;
  /**
   * Local mean |layer(eager inputs) - eager|.
   */
  local_mean_abs_diff: number | null;
  /**
   * Verdict of the local comparison.
   */
  local_status: 'ok' | 'warn' | 'fail' | null;
  /**
   * Local SQNR in dB: the layer's own error on the eager inputs (null when not measured or infinite).
   */
  local_sqnr_db?: number | null;
  status: LayerStatus;
  /**
   * A permutation of the eager tensor's axes that restores agreement, for a failing row; else null.
   */
  layout: LayoutMatch | null;
  /**
   * Why the row is skipped, errored or not judged locally; otherwise null.
   */
  reason: string | null;
}
/**
 * A permutation that restores agreement: the ONNX tensor equals `reference.permute(...permutation)` within the tolerance.
 */
export interface LayoutMatch {
  /**
   * The permutation of the reference's axes.
   */
  permutation: number[];
  /**
   * For example `NCHW -> NHWC (reference.permute(0, 2, 3, 1))`.
   */
  description: string;
  /**
   * Greatest |a - r| after the permutation.
   */
  max_abs_diff: number;
}
/**
 * Where the time went, in ms.
 */
export interface LayersTimings {
  /**
   * Python: reading stored activations, or running the eager model with hooks.
   */
  capture_ms: number;
  /**
   * Python: mapping modules onto nodes, writing the instrumented and the local model.
   */
  graph_ms: number;
  /**
   * The whole worker request (capture + graph + transferring the activations).
   */
  prepare_ms: number;
  /**
   * onnxruntime-node: session + run of the instrumented deployed graph (accumulated error).
   */
  onnx_ms: number;
  /**
   * onnxruntime-node: session + run of every layer's own subgraph (local error).
   */
  local_ms: number;
  /**
   * Parity core: every comparison and the layout search.
   */
  compare_ms: number;
  /**
   * Everything.
   */
  total_ms: number;
}
