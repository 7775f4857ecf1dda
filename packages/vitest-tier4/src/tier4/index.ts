/** Tier 4: the dict type, its writer, runTier4 and recordTier4Report. */
export type {
  Tier4FormatReport,
  Tier4Latency,
  Tier4ModelInfo,
  Tier4OutputReport,
  Tier4ParityReport,
  Tier4Report,
  Tier4SampleReport,
  Tier4ShapeCheck,
  Tier4Status,
  Tier4ThresholdPreset,
  Tier4Worst,
} from './types.js';
export { serializeTier4Report, writeTier4Report } from './write.js';
export { assertWritableFile, writeFileAtomic } from './atomic-file.js';
export {
  DEFAULT_TIER4_SAMPLES,
  DEFAULT_TIER4_THRESHOLDS,
  ExportDirReadError,
  runTier4,
  type RunTier4Options,
  type Tier4LatencyOptions,
} from './run.js';
export { bindInputDims, checkOutputShape } from './shape.js';
export { ParityAggregate, emptyFormatReport, latencyBlock, latencyFields, parityReason, worseStatus } from './aggregate.js';
export { recordTier4Report } from './record.js';
