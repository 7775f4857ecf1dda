/**
 * The Tier 4 dict: one JSON Schema (schema/tier4-report.schema.json), the types generated from it
 * (src/schema/tier4-report.generated.ts, re-exported here) and one writer ({@link writeTier4Report}).
 * Field names are snake_case because the dict is JSON. To add a field, edit the schema and run
 * `pnpm run schema:types` (docs/architecture.md).
 *
 * @packageDocumentation
 */
import type { ParityStatus } from '../parity/result.generated.js';

export type {
  Tier4FormatReport,
  Tier4Formats,
  Tier4Gate,
  Tier4GateLevel,
  Tier4Latency,
  Tier4ModelInfo,
  Tier4OutputReport,
  Tier4OutputSummary,
  Tier4ParityReport,
  Tier4QuantizationSection,
  Tier4Report,
  Tier4SampleReport,
  Tier4ShapeCheck,
  Tier4TensorSpec,
  Tier4ThresholdPreset,
  Tier4WorkerTimeout,
  Tier4Worst,
} from '../schema/tier4-report.generated.js';

/** Verdict of a Tier 4 run, of one format, or of one check (the parity core's status). */
export type Tier4Status = ParityStatus;
