import type { MatcherState } from 'vitest';
import { threadsText } from '../runtimes/threading.js';
import type { Tier4Report } from '../tier4/types.js';
import type { MatcherResult } from './util.js';

/** Options of `toPassTier4`. */
export interface ToPassTier4Options {
  /** Let a `warn` verdict pass (default true: `warn` passes, like the CLI's exit code 0). */
  allowWarn?: boolean;
}

function isReport(x: unknown): x is Tier4Report {
  return typeof x === 'object' && x !== null && typeof (x as Tier4Report).status === 'string' && typeof (x as Tier4Report).formats === 'object';
}

/** One line per format: `onnx: FAIL: <reason>`, with the speed-up and its thread counts when measured. */
function formatLines(report: Tier4Report): string[] {
  return Object.entries(report.formats).map(([name, f]) => {
    const why = f.reason ? `: ${f.reason}` : '';
    const speed =
      typeof f.speedup_vs_pytorch === 'number'
        ? ` (speed-up vs eager PyTorch ${f.speedup_vs_pytorch.toFixed(2)}x; ${threadsText(f.threads)}; eager: ${threadsText(f.pytorch_threads)})`
        : '';
    return `  ${name}: ${f.status.toUpperCase()}${why}${speed}`;
  });
}

/**
 * `expect(report).toPassTier4(options?)`: the Tier 4 verdict of a `runTier4` / `validate()` dict passes
 * (`ok`, or `warn` unless `allowWarn: false`). A failure lists each format's status and reason, the speed-ups
 * with their thread counts, and the report's warnings, so the test output says why without opening the JSON.
 */
export function toPassTier4(this: MatcherState, received: unknown, options: ToPassTier4Options = {}, ...extra: unknown[]): MatcherResult {
  const name = 'toPassTier4';
  if (extra.length > 0) throw new TypeError(`${name}: takes at most one argument ({ allowWarn }), received ${extra.length + 1}`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`${name}: options must be an object like { allowWarn: false }, received ${options === null ? 'null' : typeof options}`);
  if (options.allowWarn !== undefined && typeof options.allowWarn !== 'boolean') {
    throw new TypeError(`${name}: allowWarn must be a boolean, received ${JSON.stringify(options.allowWarn)}`);
  }
  if (!isReport(received)) {
    throw new TypeError(`${name}: expected a Tier 4 report ({ status, formats, ... } from runTier4 or validate()), received ${received === null ? 'null' : typeof received}`);
  }
  const allowWarn = options.allowWarn ?? true;
  const pass = received.status === 'ok' || (allowWarn && received.status === 'warn');
  const hint = this.utils.matcherHint(`${this.isNot ? '.not' : ''}.${name}`, 'report', allowWarn ? '' : '{ allowWarn: false }');
  const model = received.model?.name ?? 'the model';
  const accepted = allowWarn ? 'ok or warn' : 'ok';
  return {
    pass,
    message: () => {
      const lines = [
        hint,
        '',
        pass
          ? `Expected the Tier 4 verdict of ${model} not to pass, but it is ${received.status.toUpperCase()}:`
          : `Expected the Tier 4 verdict of ${model} to pass (${accepted}), but it is ${received.status.toUpperCase()}:`,
        ...formatLines(received),
      ];
      if (received.warnings.length > 0) lines.push('Warnings:', ...received.warnings.map((w) => `  - ${w}`));
      return lines.join('\n');
    },
  };
}
