/**
 * The `tier4` command line: `tier4 validate <export-dir> [options]`.
 *
 * Exit codes: 0 for `ok` and `warn`, 1 for `fail`, 2 for bad usage or an unreadable export dir.
 * Always ends with a one-line reason; stack traces only with `--verbose`.
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { CommandLineError, openExportDir, parseCommandLine, optionError, type ExportDir, type OptionRule } from 'vitest-tier4-fixtures';
import { flagValue, optionalFlag, parseOutputThresholdsFlag, parseThresholdsFlag } from '../options/cli.js';
import { DEFAULT_LATENCY_ITERATIONS } from '../latency/measure.js';
import { GATE_RULES, LATENCY_RULES, MAX_ARTIFACT_MB, MIN_SQNR_DB, RUN_OPTION_RULES } from '../options/table.js';
import type { Tier4QuantizationOptions } from '../quantization/step.js';
import { ExportDirReadError, runTier4, type RunTier4Options } from '../tier4/run.js';
import type { Tier4Report } from '../tier4/types.js';
import { collectEnvironment } from '../report/environment.js';
import { writeTier4Html } from '../report/write.js';
import { assertWritableFile } from '../tier4/atomic-file.js';
import { writeTier4Report } from '../tier4/write.js';
import { runLayersCommand } from './layers.js';
import { renderSummaryTable, verdictLine } from './table.js';
import { loadTiersConfig, TiersConfigError } from './tiers-config.js';
import { renderTiersTable, runTiers, writeTiersReport } from './tiers.js';

/** Where the CLI writes (injectable for tests). */
export interface CliIO {
  /** Normal output (the table, the verdict). */
  stdout: (text: string) => void;
  /** Errors and progress (--verbose). */
  stderr: (text: string) => void;
}

const defaultIO: CliIO = {
  stdout: (t) => void (process.stdout.destroyed ? undefined : process.stdout.write(t)),
  stderr: (t) => void (process.stderr.destroyed ? undefined : process.stderr.write(t)),
};

let pipesGuarded = false;

/**
 * `tier4 validate ... | head -3`: when the reader goes away, writing to stdout fails with EPIPE,
 * which Node throws as an unhandled 'error' event (a stack trace, exit 1, no JSON). The run
 * instead completes, writes its JSON and exits with its own code; the rest of the output is
 * dropped.
 */
function guardPipes(): void {
  if (pipesGuarded) return;
  pipesGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
      process.exitCode = EXIT_FAIL;
    });
  }
}

/** Exit codes of the CLI. */
export const EXIT_OK = 0;
/** A Tier 4 `fail` (or an unexpected error). */
export const EXIT_FAIL = 1;
/** Bad usage, or an export dir that cannot be read. */
export const EXIT_USAGE = 2;

/** Thrown for bad command-line usage (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The text of `tier4 --help`. */
export const HELP = `Usage: tier4 validate <export-dir> [options]
       tier4 validate --config <tiers.json> [options]   (several export dirs, one table)
       tier4 layers <export-dir> [options]   (per-layer drift origin: tier4 layers --help)

Validate an export directory (written by tier4_export): run every exported format on the
reference samples, check shapes and parity against eager PyTorch, measure latency and the
speed-up against eager PyTorch, print a summary table and optionally write the Tier 4 JSON.

Options:
  --json <file>              write the Tier 4 dict to <file> (atomically)
  --html <file>              write the self-contained HTML report (charts) to <file>
  --samples <n>              reference samples to check (default 10)
  --config <file>            validate every export dir of a tiers config ({"exports": [{"dir": ...,
                             "thresholds", "samples", "gates", ...}]}, dirs relative to the file);
                             the options below apply to entries that do not set their own
  --threshold <spec>         thresholds, e.g. fp32=1e-4,quantized=1e-2 (defaults shown): the preset's
                             atol, its rtol stays (fp32: 1e-4; docs/tolerances.md#presets); quantized
                             exports also take sqnr_db>=20 (default), cosine>=, top1_agreement>=,
                             relative_error<=, kl_divergence<= (see docs/tolerances.md)
  --no-memory                do not measure the resident memory of quantized artifacts
  --no-per-layer             do not compare int8 ONNX layer by layer with its fp32 baseline
  --output-threshold <spec>  thresholds of single outputs, e.g. uncertainties=1e-3 (same statistic)
  --min-sqnr <dB|off>        scale-free gate of fp32 exports: minimum SQNR in dB of every output over
                             all samples (default 60; quantized exports: --threshold sqnr_db>=)
  --formats <list>           formats to validate, e.g. onnx,torchscript (default: all exported)
  --iterations <n>           measured latency iterations: exactly <n>, or at most <n> with
                             --time-budget-ms (default: 10 to 100, stopping once they took 250 ms)
  --time-budget-ms <ms|off>  stop measuring once the measured iterations took <ms> (default 250;
                             off: every iteration of --iterations, default 100)
  --min-iterations <n>       fewest measured iterations under the time budget (default 10)
  --warmup <n>               warm-up iterations before measuring (default 10)
  --budget-ms <ms>           latency budget on each format's mean (default: none)
  --budget-level <warn|fail> what a budget overrun does (default warn)
  --min-speedup <x>          gate: each format at least <x> times faster than eager PyTorch (mean)
  --min-speedup-level <warn|fail>  what a slower format does (default warn)
  --max-artifact-mb <mb>     gate: each format's artifact file at most <mb> MB (10^6 bytes)
  --max-artifact-level <warn|fail> what a larger artifact does (default warn)
  --no-latency               skip latency and speed-up
  --python <path>            Python interpreter with torch (default: TIER4_PYTHON, then candidates)
  --threads <n>              intra-op threads of every runtime, the eager baseline included
                             (default: available parallelism, at most 4)
  --timeout-ms <ms>          timeout of each request to the Python worker, used as given (default
                             60000, raised to 10x one measured forward pass of a slow model); its
                             start-up and model loads get at least 120000 and 60000
  --allow-non-finite <list>  output names whose reference may hold NaN or Inf (default: a
                             non-finite reference output fails the export)
  --trust-model-source       import and run the Python model source named by the export dir's
                             metadata.json to measure the eager PyTorch baseline (off by default:
                             an export dir is data; see docs/trust-model.md)
  -v, --verbose              progress on stderr, stack traces on errors; layer names and the
                             per-layer SQNR list in the quantization section
  -h, --help                 show this help
  --version                  show the version

Exit codes: 0 ok or warn, 1 fail, 2 bad usage or unreadable export dir.
`;

function version(): string {
  try {
    const require = createRequire(import.meta.url);
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** `flagValue`, a bad value turned into a usage error (exit 2). */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof TypeError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * Parses `--threshold fp32=1e-4,quantized=1e-2,sqnr_db>=20` (any key may be left out) by the
 * `thresholds` rules of the one option table.
 *
 * @throws UsageError naming the bad part.
 */
export function parseThresholds(spec: string): NonNullable<RunTier4Options['thresholds']> {
  return usage(() => parseThresholdsFlag(spec));
}

/**
 * Parses `--output-threshold uncertainties=1e-3,positions=1e-4`.
 *
 * @throws UsageError naming the bad part.
 */
export function parseOutputThresholds(spec: string): Record<string, number> {
  return usage(() => parseOutputThresholdsFlag(spec));
}

/**
 * Parses `--min-sqnr 60` (dB) or `--min-sqnr off` (-Infinity: no scale-free gate).
 *
 * @throws UsageError naming the bad value.
 */
export function parseMinSqnr(value: string): number {
  return usage(() => flagValue('--min-sqnr', MIN_SQNR_DB, value));
}

interface ParsedValidate {
  /** The export dir, or '' with `config`. */
  exportDir: string;
  /** `--config <file>`. */
  config?: string;
  options: Omit<RunTier4Options, 'exportDir'>;
  json?: string;
  html?: string;
  verbose: boolean;
}

type Parsed = { kind: 'help' } | { kind: 'version' } | { kind: 'validate'; args: ParsedValidate };

/**
 * Parses the command line (without `node` and the script).
 *
 * @throws UsageError on unknown commands or options and bad values.
 */
export function parseCli(argv: readonly string[]): Parsed {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseCommandLine(argv, {
      json: { type: 'string' },
      html: { type: 'string' },
      samples: { type: 'string' },
      threshold: { type: 'string' },
      'no-memory': { type: 'boolean' },
      'no-per-layer': { type: 'boolean' },
      'output-threshold': { type: 'string' },
      config: { type: 'string' },
      'min-speedup': { type: 'string' },
      'min-speedup-level': { type: 'string' },
      'max-artifact-mb': { type: 'string' },
      'max-artifact-level': { type: 'string' },
      'min-sqnr': { type: 'string' },
      formats: { type: 'string' },
      iterations: { type: 'string' },
      'time-budget-ms': { type: 'string' },
      'min-iterations': { type: 'string' },
      warmup: { type: 'string' },
      'budget-ms': { type: 'string' },
      'budget-level': { type: 'string' },
      'no-latency': { type: 'boolean' },
      python: { type: 'string' },
      'timeout-ms': { type: 'string' },
      threads: { type: 'string' },
      'trust-model-source': { type: 'boolean' },
      'allow-non-finite': { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    }));
  } catch (err: unknown) {
    if (!(err instanceof CommandLineError)) throw err;
    throw new UsageError(err.message);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('missing command; expected `tier4 validate <export-dir>`');
  if (command !== 'validate') throw new UsageError(`unknown command '${command}'; expected 'validate' or 'layers'`);
  if (values.config !== undefined) {
    if (rest.length > 0) throw new UsageError(`validate --config takes no <export-dir> (the config lists them), received ${rest.join(' ')}`);
  } else {
    if (rest.length === 0) throw new UsageError('validate: missing <export-dir> (or --config <tiers.json>)');
    if (rest.length > 1) throw new UsageError(`validate takes one <export-dir>, received ${rest.length}: ${rest.join(' ')}`);
    // '' would resolve to the current directory
    if (rest[0]!.trim() === '') throw new UsageError(`validate: <export-dir> expects a directory path, received ${JSON.stringify(rest[0])}`);
  }

  const options: Omit<RunTier4Options, 'exportDir'> = {};
  const flag = <T>(name: string, rule: OptionRule<T>): T | undefined => usage(() => optionalFlag(`--${name}`, rule, values[name as keyof typeof values] as string | undefined));
  const samples = flag('samples', RUN_OPTION_RULES.numSamples);
  const threads = flag('threads', RUN_OPTION_RULES.threads);
  if (threads !== undefined) options.threads = threads;
  if (samples !== undefined) options.numSamples = samples;
  if (values.threshold !== undefined) options.thresholds = parseThresholds(values.threshold);
  if (values['output-threshold'] !== undefined) options.outputThresholds = parseOutputThresholds(values['output-threshold']);
  const gates: NonNullable<RunTier4Options['gates']> = {};
  const minSpeedup = flag('min-speedup', GATE_RULES.minSpeedup);
  if (minSpeedup !== undefined) gates.minSpeedup = minSpeedup;
  const maxMb = flag('max-artifact-mb', MAX_ARTIFACT_MB);
  if (maxMb !== undefined) gates.maxArtifactBytes = maxMb * 1e6;
  const minSpeedupLevel = flag('min-speedup-level', GATE_RULES.minSpeedupLevel);
  if (minSpeedupLevel !== undefined) gates.minSpeedupLevel = minSpeedupLevel;
  const maxArtifactLevel = flag('max-artifact-level', GATE_RULES.maxArtifactLevel);
  if (maxArtifactLevel !== undefined) gates.maxArtifactLevel = maxArtifactLevel;
  if (Object.keys(gates).length > 0) options.gates = gates;
  if (values['min-sqnr'] !== undefined) options.minSqnrDb = parseMinSqnr(values['min-sqnr']);
  const formats = flag('formats', RUN_OPTION_RULES.formats);
  if (formats !== undefined) options.formats = formats;
  const budgetLevel = flag('budget-level', LATENCY_RULES.budgetLevel);
  if (values['no-latency']) {
    for (const f of ['iterations', 'time-budget-ms', 'min-iterations', 'warmup', 'budget-ms', 'budget-level'] as const) {
      if (values[f] !== undefined) throw new UsageError(`--${f} cannot be combined with --no-latency`);
    }
    options.latency = false;
  } else {
    const iterations = flag('iterations', LATENCY_RULES.iterations);
    const timeBudgetMs = flag('time-budget-ms', LATENCY_RULES.timeBudgetMs);
    const minIterations = flag('min-iterations', LATENCY_RULES.minIterations);
    const warmup = flag('warmup', LATENCY_RULES.warmup);
    const budgetMs = flag('budget-ms', LATENCY_RULES.budgetMs);
    if (minIterations !== undefined) {
      // under no time budget every iteration is measured: a floor would be silently ignored
      if (timeBudgetMs === null || (timeBudgetMs === undefined && iterations !== undefined)) {
        throw new UsageError('--min-iterations applies under a time budget: add --time-budget-ms <ms> (without one, exactly --iterations are measured)');
      }
      const most = iterations ?? DEFAULT_LATENCY_ITERATIONS;
      if (minIterations > most) throw new UsageError(optionError('', '--min-iterations', `an integer <= --iterations (${most})`, minIterations).message);
    }
    options.latency = {
      ...(iterations !== undefined ? { iterations } : {}),
      ...(timeBudgetMs !== undefined ? { timeBudgetMs } : {}),
      ...(minIterations !== undefined ? { minIterations } : {}),
      ...(warmup !== undefined ? { warmup } : {}),
      ...(budgetMs !== undefined ? { budgetMs } : {}),
      ...(budgetLevel !== undefined ? { budgetLevel } : {}),
    };
  }
  const python = flag('python', RUN_OPTION_RULES.python);
  if (python !== undefined) options.python = python;
  const timeoutMs = flag('timeout-ms', RUN_OPTION_RULES.timeoutMs);
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  if (values['trust-model-source']) options.trustModelSource = true;
  if (values['allow-non-finite'] !== undefined) {
    const names = usage(() => flagValue('--allow-non-finite', RUN_OPTION_RULES.allowNonFinite, values['allow-non-finite']!));
    if (names.length === 0) throw new UsageError(optionError('', '--allow-non-finite', 'output names such as logits,scores', values['allow-non-finite']).message);
    options.allowNonFinite = names;
  }
  const quantization: Tier4QuantizationOptions = {};
  if (values['no-memory']) quantization.memory = false;
  if (values['no-per-layer']) quantization.perLayer = false;
  if (values.verbose) quantization.verbose = true;
  if (Object.keys(quantization).length > 0) options.quantization = quantization;
  return {
    kind: 'validate',
    args: {
      exportDir: rest[0] ?? '',
      ...(values.config !== undefined ? { config: values.config } : {}),
      options,
      ...(values.json !== undefined ? { json: values.json } : {}),
      ...(values.html !== undefined ? { html: values.html } : {}),
      verbose: values.verbose === true,
    },
  };
}

function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').map((l) => l.trim()).filter((l) => l.length > 0)[0] ?? String(err);
}

/**
 * Runs the CLI.
 *
 * @param argv - arguments after `tier4` (e.g. `['validate', 'exports/lm', '--json', 'out.json']`).
 * @param io - where to write (default: process stdout/stderr).
 * @returns the exit code: 0 ok/warn, 1 fail, 2 bad usage or unreadable export dir.
 */
export async function main(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  if (io === defaultIO) guardPipes();
  try {
    return await runCli(argv, io);
  } catch (err) {
    // a bug, not the model's fault: still one line (and the stack with --verbose), never a crash
    const verbose = argv.includes('--verbose') || argv.includes('-v');
    if (verbose && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    io.stderr(`tier4: internal error: ${oneLine(err)}${verbose ? '' : ' (run with --verbose for the stack trace)'}\n`);
    return EXIT_FAIL;
  }
}

async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  if (argv[0] === 'layers') return runLayersCommand(argv.slice(1), io);
  let parsed: Parsed;
  try {
    parsed = parseCli(argv);
  } catch (err) {
    io.stderr(`tier4: ${oneLine(err)} (see tier4 --help)\n`);
    return EXIT_USAGE;
  }
  if (parsed.kind === 'help') {
    io.stdout(HELP);
    return EXIT_OK;
  }
  if (parsed.kind === 'version') {
    io.stdout(`tier4 (vitest-tier4) ${version()}\n`);
    return EXIT_OK;
  }
  const { exportDir, options, json, html, verbose } = parsed.args;
  const showStack = (err: unknown): void => {
    if (verbose && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
  };
  if (parsed.args.config !== undefined) return runConfig(parsed.args, io, showStack);

  let ed: ExportDir;
  try {
    ed = await openExportDir(exportDir);
  } catch (err) {
    showStack(err);
    io.stderr(`tier4: cannot read export dir ${exportDir}: ${oneLine(err)}\n`);
    return EXIT_USAGE;
  }

  // checked before a run that can take a minute, not after it
  for (const [flag, file, example] of [['--json', json, 'tier4.json'], ['--html', html, 'tier4-report.html']] as const) {
    if (file !== undefined && (await stat(file).catch(() => undefined))?.isDirectory()) {
      io.stderr(`tier4: ${flag} expects a file path, received the directory ${file} (e.g. ${join(file, example)}) (see tier4 --help)\n`);
      return EXIT_USAGE;
    }
  }
  for (const [flag, file, example] of [['--json', json, 'tier4.json'], ['--html', html, 'tier4-report.html']] as const) {
    if (file === undefined) continue;
    try {
      await assertWritableFile(file, 'Tier 4 report', example);
    } catch (err) {
      // a device (/dev/full), a FIFO, a link to one or to nothing: refused before the run, untouched
      io.stderr(`tier4: ${flag}: ${oneLine(err)} (see tier4 --help)\n`);
      return EXIT_USAGE;
    }
  }
  const startedAt = new Date().toISOString();

  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new Error('interrupted'));
  // `on`, not `once`: a once-listener removes itself before running, and signal-exit (used to kill
  // the Python worker) would then see no other listener and re-raise the signal, killing the CLI
  // before it can print its one-line reason.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let report: Tier4Report;
  try {
    report = await runTier4({
      ...options,
      exportDir: ed,
      signal: controller.signal,
      ...(verbose ? { log: (line: string) => io.stderr(`tier4: ${line}\n`) } : {}),
    });
  } catch (err) {
    showStack(err);
    if (err instanceof ExportDirReadError) {
      // a reference sample listed in metadata.json is missing or corrupt: the export dir is unreadable
      io.stderr(`tier4: cannot read export dir ${exportDir}: ${oneLine(err)}\n`);
      return EXIT_USAGE;
    }
    const usage = err instanceof TypeError && /^runTier4: /.test(err.message);
    io.stderr(`tier4: ${usage ? oneLine(err).replace(/^runTier4: /, '') : `validation aborted: ${oneLine(err)}`}\n`);
    return usage ? EXIT_USAGE : EXIT_FAIL;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  io.stdout(renderSummaryTable(report) + '\n');
  if (json) {
    try {
      const written = await writeTier4Report(json, report);
      io.stdout(`Tier 4 JSON written to ${written}\n`);
    } catch (err) {
      showStack(err);
      io.stderr(`tier4: ${oneLine(err)}\n`);
      return EXIT_FAIL;
    }
  }
  if (html) {
    try {
      const written = await writeTier4Html(html, report, { environment: collectEnvironment(), generatedAt: startedAt, source: `tier4 validate ${version()}` });
      io.stdout(`Tier 4 HTML report written to ${written}\n`);
    } catch (err) {
      showStack(err);
      io.stderr(`tier4: ${oneLine(err)}\n`);
      return EXIT_FAIL;
    }
  }
  const line = verdictLine(report);
  if (report.status === 'fail') {
    io.stderr(`${line}\n`);
    return EXIT_FAIL;
  }
  io.stdout(`${line}\n`);
  return EXIT_OK;
}

/** `tier4 validate --config tiers.json`: one table, one JSON, the worst entry's exit code. */
async function runConfig(args: ParsedValidate, io: CliIO, showStack: (err: unknown) => void): Promise<number> {
  if (args.html !== undefined) {
    io.stderr('tier4: --html writes the report of one export dir; with --config use --json (see tier4 --help)\n');
    return EXIT_USAGE;
  }
  let entries;
  try {
    entries = await loadTiersConfig(args.config!, args.options);
  } catch (err) {
    showStack(err);
    io.stderr(`tier4: ${err instanceof TiersConfigError ? 'invalid config ' : ''}${oneLine(err)}\n`);
    return EXIT_USAGE;
  }
  if (args.json !== undefined) {
    if ((await stat(args.json).catch(() => undefined))?.isDirectory()) {
      io.stderr(`tier4: --json expects a file path, received the directory ${args.json} (e.g. ${join(args.json, 'tier4.json')}) (see tier4 --help)\n`);
      return EXIT_USAGE;
    }
    try {
      await assertWritableFile(args.json, 'Tier 4 report', 'tier4.json');
    } catch (err) {
      io.stderr(`tier4: --json: ${oneLine(err)} (see tier4 --help)\n`);
      return EXIT_USAGE;
    }
  }
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new Error('interrupted'));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result;
  try {
    result = await runTiers(resolve(args.config!), entries, {
      signal: controller.signal,
      ...(args.verbose ? { log: (line: string) => io.stderr(`tier4: ${line}\n`) } : {}),
    });
  } catch (err) {
    showStack(err);
    io.stderr(`tier4: validation aborted: ${oneLine(err)}\n`);
    return EXIT_FAIL;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const text = renderTiersTable(result);
  const [body, last] = [text.slice(0, text.lastIndexOf('\n')), text.slice(text.lastIndexOf('\n') + 1)];
  io.stdout(`${body}\n`);
  if (args.json) {
    try {
      io.stdout(`Tier 4 JSON written to ${await writeTiersReport(args.json, result)}\n`);
    } catch (err) {
      showStack(err);
      io.stderr(`tier4: ${oneLine(err)}\n`);
      return Math.max(result.exit_code, EXIT_FAIL);
    }
  }
  if (result.exit_code === EXIT_OK) io.stdout(`${last}\n`);
  else io.stderr(`${last}\n`);
  return result.exit_code;
}
