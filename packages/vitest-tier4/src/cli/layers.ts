/**
 * `tier4 layers <export-dir>`: the per-layer table and the drift origin of an export's model.onnx.
 *
 * Exit codes: 0 when no layer breaks the tolerance, 1 when one does (or the comparison fails),
 * 2 for bad usage or an unreadable export dir.
 */
import { stat } from 'node:fs/promises';
import { CommandLineError, openExportDir, parseCommandLine, type ExportDir, type OptionRule } from 'vitest-tier4-fixtures';
import { compareLayers, LayersError, type CompareLayersOptions } from '../layers/compare.js';
import { optionalFlag } from '../options/cli.js';
import { LAYERS_OPTION_RULES } from '../options/table.js';
import { renderLayersMarkdown, renderLayersTable } from '../layers/render.js';
import type { LayersReport } from '../layers/types.js';
import { writeLayersReport } from '../layers/write.js';
import { validationWorkers } from '../runtimes/pool/validation-workers.js';
import { assertWritableFile } from '../tier4/atomic-file.js';

/** Where the command writes. */
export interface LayersCliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The text of `tier4 layers --help`. */
export const LAYERS_HELP = `Usage: tier4 layers <export-dir> [options]

Compare the export's own model.onnx with eager PyTorch layer by layer: the accumulated error
(the whole graph run) and the local error (each layer's own nodes fed the eager inputs) of
every leaf module, the drift origin (first layer whose local error breaks the tolerance), the
first layer over the tolerance by accumulated error, and layout permutations of failing layers.

Reference activations come from the export dir (exported with --layers) or, when it has none,
from the eager model rebuilt from metadata.json's model_source (a file model source only with
--trust-model-source: that imports and runs the file). TorchScript per-layer is not supported.

Options:
  --json <file>            write the per-layer report as JSON (atomically)
  --markdown <file>        write it as Markdown
  --tolerance <x>          atol of every layer, rtol stays 1e-4 (default: preset fp32, 1e-4/1e-4)
  --min-sqnr <dB|off>      scale-free gate of every layer: a tensor with a lower SQNR fails, whatever
                           its max abs (default 60, as tier4 validate; off turns it off)
  --sample <n>             reference sample index (default 0)
  --trust-model-source     allow rebuilding the eager model from a file model source
  --python <path>          Python interpreter with torch and onnx
  --timeout-ms <ms>        timeout of the Python side (default 600000)
  -v, --verbose            timings on stderr, stack traces on errors
  -h, --help               show this help

Exit codes: 0 no layer over the tolerance, 1 a layer over it, 2 bad usage or unreadable export dir.
`;

class LayersUsageError extends Error {}

interface ParsedLayers {
  exportDir: string;
  json?: string;
  markdown?: string;
  tolerance?: number;
  minSqnrDb?: number;
  sample: number;
  trust: boolean;
  python?: string;
  timeoutMs?: number;
  verbose: boolean;
  help: boolean;
}

/** Parses the arguments after `tier4 layers`. @throws an error with the usage problem. */
export function parseLayersArgs(argv: readonly string[]): ParsedLayers {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseCommandLine(argv, {
      json: { type: 'string' },
      markdown: { type: 'string' },
      tolerance: { type: 'string' },
      'min-sqnr': { type: 'string' },
      sample: { type: 'string' },
      'trust-model-source': { type: 'boolean' },
      python: { type: 'string' },
      'timeout-ms': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    }));
  } catch (err: unknown) {
    if (!(err instanceof CommandLineError)) throw err;
    throw new LayersUsageError(err.message);
  }
  if (values.help) return { exportDir: '', sample: 0, trust: false, verbose: false, help: true };
  if (positionals.length === 0) throw new LayersUsageError('layers: missing <export-dir>');
  if (positionals.length > 1) throw new LayersUsageError(`layers takes one <export-dir>, received ${positionals.length}: ${positionals.join(' ')}`);
  const out: ParsedLayers = { exportDir: positionals[0]!, sample: 0, trust: values['trust-model-source'] === true, verbose: values.verbose === true, help: false };
  if (values.json !== undefined) out.json = values.json;
  if (values.markdown !== undefined) out.markdown = values.markdown;
  // the rules of the one option table: --min-sqnr as tier4 validate's, --tolerance as a threshold's
  const flag = <T>(name: string, rule: OptionRule<T>): T | undefined => {
    try {
      return optionalFlag(`--${name}`, rule, values[name as keyof typeof values] as string | undefined);
    } catch (err) {
      throw new LayersUsageError((err as Error).message);
    }
  };
  const tolerance = flag('tolerance', LAYERS_OPTION_RULES.tolerance);
  if (tolerance !== undefined) out.tolerance = tolerance;
  const minSqnrDb = flag('min-sqnr', LAYERS_OPTION_RULES.minSqnrDb);
  if (minSqnrDb !== undefined) out.minSqnrDb = minSqnrDb;
  const sample = flag('sample', LAYERS_OPTION_RULES.sample);
  if (sample !== undefined) out.sample = sample;
  const python = flag('python', LAYERS_OPTION_RULES.python);
  if (python !== undefined) out.python = python;
  const timeoutMs = flag('timeout-ms', LAYERS_OPTION_RULES.timeoutMs);
  if (timeoutMs !== undefined) out.timeoutMs = timeoutMs;
  return out;
}

function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').map((l) => l.trim()).filter((l) => l.length > 0)[0] ?? String(err);
}

/** Runs `tier4 layers` with the arguments after `layers`; returns the exit code. */
export async function runLayersCommand(argv: readonly string[], io: LayersCliIO): Promise<number> {
  let args: ParsedLayers;
  try {
    args = parseLayersArgs(argv);
  } catch (err) {
    io.stderr(`tier4: ${oneLine(err)} (see tier4 layers --help)\n`);
    return 2;
  }
  if (args.help) {
    io.stdout(LAYERS_HELP);
    return 0;
  }
  // refused before the run, by the report-path rule (regular files only; docs/trust-model.md)
  for (const [flag, file, example] of [['--json', args.json, 'layers.json'], ['--markdown', args.markdown, 'layers.md']] as const) {
    if (file === undefined) continue;
    if ((await stat(file).catch(() => undefined))?.isDirectory()) {
      io.stderr(`tier4: ${flag} expects a file path, received the directory ${file} (see tier4 layers --help)\n`);
      return 2;
    }
    try {
      await assertWritableFile(file, 'per-layer report', example);
    } catch (err) {
      io.stderr(`tier4: ${flag}: ${oneLine(err)} (see tier4 layers --help)\n`);
      return 2;
    }
  }
  const showStack = (err: unknown): void => {
    if (args.verbose && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
  };
  let ed: ExportDir;
  try {
    ed = await openExportDir(args.exportDir);
  } catch (err) {
    showStack(err);
    io.stderr(`tier4: cannot read export dir ${args.exportDir}: ${oneLine(err)}\n`);
    return 2;
  }
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new Error('interrupted'));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let report: LayersReport;
  // Like tier4 validate: the run's worker pool inside a Vitest run with the tier4() plugin
  // (TIER4_WORKER_POOL), else a private worker closed at the end.
  const workers = validationWorkers({
    ...(args.python ? { python: args.python } : {}),
    ...(args.timeoutMs ? { timeoutMs: args.timeoutMs } : {}),
    signal: controller.signal,
  });
  try {
    const options: CompareLayersOptions = {
      exportDir: ed,
      sample: args.sample,
      trustModelSource: args.trust,
      signal: controller.signal,
      ...(args.tolerance !== undefined ? { tolerance: { fp32: args.tolerance } } : {}),
      ...(args.minSqnrDb !== undefined ? { minSqnrDb: args.minSqnrDb } : {}),
      ...(args.python ? { python: args.python } : {}),
      ...(args.timeoutMs ? { timeoutMs: args.timeoutMs } : {}),
    };
    report = await compareLayers({ ...options, worker: await workers.worker() });
  } catch (err) {
    showStack(err);
    if (err instanceof LayersError) {
      io.stderr(`tier4: ${oneLine(err)}\n`);
      return /sample \d+ does not exist|has no model\.onnx|no reference activations/.test(err.message) ? 2 : 1;
    }
    io.stderr(`tier4: per-layer comparison aborted: ${oneLine(err)}\n`);
    return 1;
  } finally {
    await workers.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  io.stdout(`${renderLayersTable(report)}\n`);
  if (args.verbose) {
    const t = report.timings;
    io.stderr(
      `tier4: timings: capture ${t.capture_ms.toFixed(0)} ms, graph surgery ${t.graph_ms.toFixed(0)} ms, prepare (worker) ${t.prepare_ms.toFixed(0)} ms, ` +
        `ONNX run ${t.onnx_ms.toFixed(0)} ms, local subgraphs ${t.local_ms.toFixed(0)} ms, comparison ${t.compare_ms.toFixed(0)} ms, total ${t.total_ms.toFixed(0)} ms\n`,
    );
  }
  try {
    if (args.json) io.stdout(`Per-layer JSON written to ${await writeLayersReport(args.json, JSON.stringify(report, null, 2))}\n`);
    if (args.markdown) io.stdout(`Per-layer Markdown written to ${await writeLayersReport(args.markdown, renderLayersMarkdown(report))}\n`);
  } catch (err) {
    showStack(err);
    io.stderr(`tier4: ${oneLine(err)}\n`);
    return 1;
  }
  return report.drift_origin !== null || report.first_over_tolerance !== null ? 1 : 0;
}
