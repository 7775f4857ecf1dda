/**
 * The per-layer report (`tier4 layers --json`, `compareLayers`, a failing ONNX format's `layers` in
 * the Tier 4 dict). Defined once, by `definitions.layers_report` of schema/tier4-report.schema.json;
 * the types are generated into the parity core (parity/layers.generated.ts), which judges the rows.
 */
export type { LayerRow, LayersReport, LayersTimings, LayerStatus, LayoutMatch } from '../parity/layers.generated.js';
export type { LayersVerdict } from '../parity/layers.js';
