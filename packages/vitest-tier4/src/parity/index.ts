export { checkParity, DEFAULT_REL_FLOOR } from './check.js';
export { DTYPES, dtypeKind, normalizeDType } from './dtype.js';
export type { DTypeKind } from './dtype.js';
export {
  formatIndex,
  formatParityMessage,
  formatPercent,
  formatScaleFree,
  formatShape,
  formatSqnr,
  formatValue,
  formatValueCeil,
  formatValuePair,
  formulaFor,
} from './format.js';
export type { ScaleFreeJson } from './format.js';
export { f16round, halfBitsToNumber } from './half.js';
export { histogramTotal } from './histogram.js';
export { checkParityOutputs } from './outputs.js';
export { addNormSums, emptyNormSums, scaleFreeStats } from './scale-free.js';
export type { OutputsParityResult, OutputTolerances } from './outputs.js';
export { DEFAULT_PRESET, PRESET_NAMES, PRESETS, presetTolerance, resolveTolerance } from './tolerance.js';
export type { PresetDefinition } from './tolerance.js';
export type {
  AbsDiffHistogram,
  CheckParityOptions,
  DType,
  ErrorStatistic,
  ExactIntegerValues,
  NestedArray,
  NormSums,
  ParityResult,
  ParityStatus,
  PresetMap,
  PresetName,
  ResolvedTolerance,
  ScaleFreeStats,
  TensorLike,
  TensorObjectLike,
  ToleranceObject,
  ToleranceSpec,
  TypedArray,
} from './types.js';
export { toTensorView, unravelIndex } from './view.js';
export type { Encoding, TensorView } from './view.js';
export { countNonFinite } from './finite.js';
export type { FiniteCensus } from './finite.js';
export { checkShapePattern, matchShape } from './shape.js';
export type { ShapeMatch, ShapePatternDim } from './shape.js';
export { addLogitsSums, compareLogits, emptyLogitsSums, logitsAgreement } from './logits.js';
export type { LogitsAgreement, LogitsSums } from './logits.js';
export { describeRow, judgeLayers, layerStatus, rowNumbers, worstLayers } from './layers.js';
export type { LayerRow, LayersVerdict, LayerStatus } from './layers.js';
export { candidatePermutations, detectLayout, permuteAxes } from './layout.js';
export type { LayoutMatch } from './layout.js';
