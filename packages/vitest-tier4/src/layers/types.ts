/**
 * The per-layer report (`tier4 layers --json`, `compareLayers`, a format's `layers` in the Tier 4
 * dict). The row and verdict types live in the parity core (`parity/layers.ts`); this file adds
 * the report around them.
 */
import type { LayerRow, LayersVerdict } from '../parity/layers.js';
import type { ResolvedTolerance } from '../parity/types.js';

export type { LayerRow, LayersVerdict, LayerStatus } from '../parity/layers.js';
export type { LayoutMatch } from '../parity/layout.js';

/** Time spent in each step, in ms. */
export interface LayersTimings {
  /** Python: reading stored activations, or running the eager model with hooks. */
  capture_ms: number;
  /** Python: mapping modules onto nodes, writing the instrumented and the local model. */
  graph_ms: number;
  /** The whole worker request (capture + graph + transferring the activations). */
  prepare_ms: number;
  /** onnxruntime-node: session + run of the instrumented deployed graph (accumulated error). */
  onnx_ms: number;
  /** onnxruntime-node: session + run of every layer's own subgraph (local error). */
  local_ms: number;
  /** Parity core: every comparison and the layout search. */
  compare_ms: number;
  /** Everything. */
  total_ms: number;
}

/** The per-layer report of one export dir and sample. JSON-serialisable. */
export interface LayersReport extends LayersVerdict {
  /** The tolerance every layer is judged with. */
  tolerance: ResolvedTolerance;
  /** The layers in execution order. */
  layers: LayerRow[];
  /** The model file compared (the export's own model.onnx). */
  onnx: string;
  /** Sample index and id the activations are of. */
  sample: { index: number; id: string };
  /** `stored`: activations from the export dir's layers/; `eager`: captured now from the eager model. */
  reference: 'stored' | 'eager';
  /** Leaf calls captured, and the bytes of their activations. */
  capture: { leaves: number; bytes: number };
  /** Counts of rows by status. */
  counts: { compared: number; skipped: number; over_tolerance_accumulated: number; over_tolerance_local: number };
  /** Mapping notes (a module whose calls and scopes could not be paired, a local model that had to be split). */
  warnings: string[];
  /** Where the time went. */
  timings: LayersTimings;
}
