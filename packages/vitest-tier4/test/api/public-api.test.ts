/**
 * The root entry is a curated API: every runtime export is listed here on purpose, so adding or
 * removing one is a visible decision (and a CHANGELOG line), and internals do not leak through a
 * barrel. The types are checked by TypeDoc in `pnpm run check` (every export documented, every type
 * a public signature uses exported).
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import * as api from '../../src/index.js';

const PUBLIC = [
  'DEFAULT_HTML_FILE', 'DEFAULT_LATENCY_ITERATIONS', 'DEFAULT_LATENCY_WARMUP', 'DEFAULT_LAYERS_TIMEOUT_MS', 'DEFAULT_MIN_SQNR_DB',
  'DEFAULT_PRESET', 'DEFAULT_REL_FLOOR', 'DEFAULT_TIER4_SAMPLES', 'DEFAULT_TIER4_THRESHOLDS', 'ExportDirReadError', 'LayersError',
  'PRESETS', 'PRESET_NAMES', 'PythonWorker', 'PythonWorkerError', 'TRUST_MODEL_SOURCE_HINT', 'Tier4Reporter', 'UntrustedModelSourceError',
  'addNormSums', 'buildRunReport', 'checkParity', 'checkParityOutputs', 'clearOnnxSessionCache', 'collectEnvironment', 'compareLayers',
  'defaultTier4Threads', 'emptyNormSums', 'formatParityMessage', 'formatScaleFree', 'hasRunner', 'latencyStats', 'measureLatency',
  'onnxRuntimeVersion', 'openEagerRunner', 'openOnnxRunner', 'openRunner', 'openTorchScriptRunner', 'readTier4Records', 'recordTier4',
  'recordTier4Report', 'registerRunner', 'registeredFormats', 'renderLayersMarkdown', 'renderLayersTable', 'renderMarkdownSummary',
  'renderTier4Html', 'renderWorstLayers', 'resolveExportDirTarget', 'resolveTarget', 'resolveTolerance', 'runTier4', 'runnerArtifact', 'scaleFreeStats',
  'serializeTier4Report', 'sharedPythonWorker', 'tier4', 'tier4Matchers', 'toBeFinite', 'toHaveCosineSimilarity', 'toHaveDtype',
  'toHaveNoLayerDivergence', 'toHaveShape', 'toHaveSqnr', 'toHaveTopKAgreement', 'toMatchParity', 'toPassTier4', 'toReportDocument',
  'writeLayersReport', 'writeTier4Html', 'writeTier4Report',
];

test('the root entry exports exactly the curated runtime API', () => {
  expect(Object.keys(api).sort()).toEqual([...PUBLIC].sort());
});

test('internals are not exported from the root entry', () => {
  for (const internal of ['livePythonWorkers', 'tCritical95', 'quantileSorted', 'ParityAggregate', 'worseStatus', 'writeFileAtomic', 'BUILTIN_RUNNERS', 'onnxSessionCacheSize']) {
    expect(api, internal).not.toHaveProperty(internal);
  }
});

test('src/index.ts names every export: no `export *` barrel', () => {
  const source = readFileSync(new URL('../../src/index.ts', import.meta.url), 'utf8');
  expect(source).not.toMatch(/export \*/);
});
