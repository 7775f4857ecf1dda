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
