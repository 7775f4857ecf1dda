/**
 * Per-layer parity: where in the deployed model.onnx the divergence from eager PyTorch is born
 * (docs/layers.md).
 */
export { compareLayers, DEFAULT_LAYERS_TIMEOUT_MS, LayersError } from './compare.js';
export type { CompareLayersOptions } from './compare.js';
export { renderLayersMarkdown, renderLayersTable, renderWorstLayers } from './render.js';
export { writeLayersReport } from './write.js';
export type { LayerRow, LayersReport, LayersTimings, LayersVerdict, LayerStatus, LayoutMatch } from './types.js';
