// layers: per-layer parity and the drift origin (docs/layers.md)
export { compareLayers, DEFAULT_LAYERS_TIMEOUT_MS, LayersError, renderLayersMarkdown, renderLayersTable, renderWorstLayers, writeLayersReport } from './layers/index.js';
export type { CompareLayersOptions, LayersReport, LayersTimings } from './layers/index.js';
// latency (engineer "runners")
export * from './latency/index.js';
// matchers (engineer "parity")
export * from './matchers/index.js';
// meta (engineer "parity")
export * from './meta/index.js';
// parity (engineer "parity")
export * from './parity/index.js';
// plugin (engineer "reporter"); the test.extend fixtures live in 'vitest-tier4/test' (they import the vitest runtime)
export { tier4, type Tier4FixtureRequest, type Tier4PluginOptions, type Tier4ProvidedFixture } from './plugin/index.js';
// report: the HTML page and the Markdown summary of a verdict
export * from './report/index.js';
// reporter (engineer "reporter")
export {
  Tier4Reporter,
  buildRunReport,
  type BuildRunReportContext,
  type CollectedTest,
  type Tier4CheckEntry,
  type Tier4ReporterOptions,
  type Tier4RunReport,
  type Tier4RunStatus,
  type Tier4TestCounts,
} from './reporter/index.js';
// runtimes (engineer "runners")
export * from './runtimes/index.js';
// tier4 (engineer "runners")
export * from './tier4/index.js';
