/**
 * The `quantization` section of a quantized format in the Tier 4 dict (`formats.<format>.quantization`).
 * Field names are snake_case because the dict is JSON. Infinite SQNR (identical outputs) is written as
 * `null` by the dict's writer.
 *
 * @packageDocumentation
 */
// Generated from schema/tier4-report.schema.json (definitions.quantization and what it references).
export type {
  Tier4QuantizationLayerName,
  Tier4QuantizationLayerNames,
  Tier4QuantizationLayerSqnr,
  Tier4QuantizationMetrics,
  Tier4QuantizationSection,
} from '../schema/tier4-report.generated.js';
