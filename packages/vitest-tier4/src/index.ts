/**
 * vitest-tier4: test exported ML models (ONNX, TorchScript) from Vitest.
 *
 * The root entry is the curated public API: what a test, a script or a custom runtime needs. The
 * other entry points are `vitest-tier4/setup` (registers the matchers), `vitest-tier4/plugin` (the
 * `tier4()` Vite plugin), `vitest-tier4/test` (test fixtures) and `vitest-tier4/reporter` (the Tier 4
 * reporter). Internals (the worker pool, the aggregator's helpers, statistics tables) are not
 * exported; the rooms' own `index.ts` files are for this package's modules only.
 *
 * The guides are in the repository's `docs/` (matchers.md, tolerances.md, tier4-report.md,
 * runtimes.md, layers.md, html-report.md, reporter.md, plugin.md).
 *
 * @packageDocumentation
 */

// parity: the pure comparison core (docs/tolerances.md)
export {
  checkParity,
  checkParityOutputs,
  DEFAULT_PRESET,
  DEFAULT_REL_FLOOR,
  formatParityMessage,
  formatScaleFree,
  PRESET_NAMES,
  PRESETS,
  resolveTolerance,
  addNormSums,
  emptyNormSums,
  scaleFreeStats,
} from './parity/index.js';
export type {
  AbsDiffHistogram,
  CheckParityOptions,
  DType,
  ErrorStatistic,
  ExactIntegerValues,
  FiniteCensus,
  NestedArray,
  NormSums,
  OutputsParityResult,
  OutputTolerances,
  ParityResult,
  ParityStatus,
  PresetDefinition,
  PresetMap,
  PresetName,
  ResolvedTolerance,
  ScaleFreeJson,
  ScaleFreeStats,
  ShapePatternDim,
  TensorLike,
  TensorObjectLike,
  ToleranceObject,
  ToleranceSpec,
  TypedArray,
} from './parity/index.js';
export type { ParityResultJson } from './parity/types.js';

// matchers (docs/matchers.md); `vitest-tier4/setup` registers them with expect.extend
export {
  tier4Matchers,
  toBeFinite,
  toHaveCosineSimilarity,
  toHaveDtype,
  toHaveNoLayerDivergence,
  toHaveShape,
  toHaveSqnr,
  toHaveTopKAgreement,
  toMatchParity,
  toPassTier4,
} from './matchers/index.js';
export type {
  DTypeName,
  Tier4Matchers,
  ToHaveNoLayerDivergenceOptions,
  ToHaveTopKAgreementOptions,
  ToMatchParityOptions,
  ToPassTier4Options,
  ValueMetadataLike,
} from './matchers/index.js';
export type { MatcherResult } from './matchers/util.js';

// records: what matchers and runTier4 leave in task.meta.tier4 for the reporter (docs/reporter.md)
export { readTier4Records, recordTier4 } from './meta/index.js';
export type {
  TaskWithMeta,
  Tier4CosineRecord,
  Tier4CosineSummary,
  Tier4DtypeRecord,
  Tier4DtypeSummary,
  Tier4FiniteRecord,
  Tier4FiniteSummary,
  Tier4Labels,
  Tier4MatcherRecordBase,
  Tier4ParityRecord,
  Tier4Record,
  Tier4ReportRecord,
  Tier4ShapeRecord,
  Tier4ShapeSummary,
  Tier4SqnrRecord,
  Tier4SqnrSummary,
  Tier4TaskMeta,
  Tier4TopKRecord,
  Tier4TopKSummary,
} from './meta/index.js';

// the Tier 4 verdict of an export directory (docs/tier4-report.md)
export {
  DEFAULT_TIER4_SAMPLES,
  DEFAULT_TIER4_THRESHOLDS,
  ExportDirReadError,
  recordTier4Report,
  runTier4,
  serializeTier4Report,
  writeTier4Report,
} from './tier4/index.js';
export type {
  RunTier4Options,
  Tier4FormatReport,
  Tier4Latency,
  Tier4LatencyOptions,
  Tier4ModelInfo,
  Tier4OutputReport,
  Tier4ParityReport,
  Tier4Report,
  Tier4SampleReport,
  Tier4ShapeCheck,
  Tier4Status,
  Tier4ThresholdPreset,
  Tier4Worst,
} from './tier4/index.js';
export type { Tier4Formats, Tier4Gate, Tier4GateLevel, Tier4OutputSummary, Tier4QuantizationSection, Tier4TensorSpec } from './tier4/types.js';
export type {
  ArtifactCheck,
  NormSums as Tier4NormSums,
  QuantizationCheck,
  QuantizationThresholds,
  Tier4OutputAgreement,
  Tier4QuantizationLayerName,
  Tier4QuantizationLayerNames,
  Tier4QuantizationLayerSqnr,
  Tier4QuantizationMetrics,
  Tier4WorkerTimeout,
} from './schema/tier4-report.generated.js';
export type { Tier4GateOptions } from './tier4/gates.js';
export type { Tier4Thresholds } from './options/check.js';
export { DEFAULT_MIN_SQNR_DB } from './tier4/agreement.js';
export { defaultTier4Threads } from './tier4/run.js';
export type { Tier4QuantizationOptions } from './quantization/step.js';

// latency (docs/runtimes.md)
export { DEFAULT_LATENCY_ITERATIONS, DEFAULT_LATENCY_WARMUP, latencyStats, measureLatency } from './latency/index.js';
export type { LatencyBudgetLevel, LatencyResult, LatencyStats, MeasureLatencyOptions } from './latency/index.js';

// runtimes: the runners and their registry (docs/runtimes.md)
export {
  clearOnnxSessionCache,
  hasRunner,
  onnxRuntimeVersion,
  openEagerRunner,
  openOnnxRunner,
  openRunner,
  openTorchScriptRunner,
  PythonWorker,
  PythonWorkerError,
  registerRunner,
  registeredFormats,
  resolveExportDirTarget,
  resolveTarget,
  runnerArtifact,
  sharedPythonWorker,
  TRUST_MODEL_SOURCE_HINT,
  UntrustedModelSourceError,
} from './runtimes/index.js';
export type {
  DeclaredInput,
  EagerRunnerOptions,
  ModelRunner,
  OnnxRunnerOptions,
  OpenRunnerOptions,
  PythonWorkerErrorCode,
  PythonWorkerOptions,
  RegisterRunnerOptions,
  RequestOptions,
  ResolvedTarget,
  RunnerFactory,
  RunnerNeeds,
  RunnerRunOptions,
  RunnerTarget,
  RunnerThreading,
  RunnerTimeOptions,
  RunnerTimings,
  RunResult,
  TensorMap,
  TorchScriptRunnerOptions,
  WorkerHello,
  WorkerResponse,
} from './runtimes/index.js';
export type { WorkerChannel, WorkerRunnerOptions } from './runtimes/worker-runner.js';

// layers: per-layer parity and the drift origin (docs/layers.md)
export {
  compareLayers,
  DEFAULT_LAYERS_TIMEOUT_MS,
  LayersError,
  renderLayersMarkdown,
  renderLayersTable,
  renderWorstLayers,
  writeLayersReport,
} from './layers/index.js';
export type { CompareLayersOptions, LayerRow, LayersReport, LayerStatus, LayersTimings, LayersVerdict, LayoutMatch } from './layers/index.js';

// the HTML page and the Markdown summary of a verdict (docs/html-report.md)
export { collectEnvironment, DEFAULT_HTML_FILE, renderMarkdownSummary, renderTier4Html, toReportDocument, writeTier4Html } from './report/index.js';
export type { Tier4Environment, Tier4ReportDocument } from './report/index.js';

// the plugin (also `vitest-tier4/plugin`); its test fixtures live in `vitest-tier4/test` (they import the vitest runtime)
export { tier4, type Tier4FixtureRequest, type Tier4PluginOptions, type Tier4ProvidedFixture } from './plugin/index.js';

// the reporter (also `vitest-tier4/reporter`, whose default export Vitest loads by name)
export {
  buildRunReport,
  Tier4Reporter,
  type BuildRunReportContext,
  type CollectedTest,
  type Tier4CheckEntry,
  type Tier4ReporterOptions,
  type Tier4RunReport,
  type Tier4RunStatus,
  type Tier4TestCounts,
} from './reporter/index.js';
