/**
 * One option layer: the same bad option gives the same message through every entry point that
 * takes it (the tier4() plugin at config time, runTier4, `tier4 validate`, `tier4 layers`, an entry of
 * a tiers config, buildFixture): `option "<name>" expected <expected>, received <received>`, where
 * only `<name>` is spelled as that entry point spells the option. Nothing runs: every check is
 * before an export dir is opened or a process is started.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildFixture } from 'vitest-tier4-fixtures';
import { main } from '../../src/cli/main.js';
import { tier4 } from '../../src/plugin/index.js';
import { runTier4 } from '../../src/tier4/run.js';

type Surface = 'plugin' | 'runTier4' | 'validate' | 'layers' | 'config' | 'buildFixture';

/** The one line of a bad option's message: `<name>` and the rest (`expected ..., received ...`). */
interface Said {
  name: string;
  rest: string;
}

function parse(surface: Surface, message: string): Said {
  const m = /(?:unknown )?option "([^"]+)"(.*)$/.exec(message.split('\n')[0]!.replace(/ \(see tier4( layers)? --help\)$/, ''));
  if (!m) throw new Error(`${surface}: not the option message form: ${message}`);
  return { name: m[1]!, rest: m[2]!.replace(/\.$/, '') };
}

async function thrown(surface: Surface, run: () => unknown): Promise<Said> {
  try {
    await run();
  } catch (err) {
    expect(err, surface).toBeInstanceOf(TypeError);
    return parse(surface, (err as Error).message);
  }
  throw new Error(`${surface}: accepted the bad option`);
}

async function cli(surface: Surface, argv: string[]): Promise<Said> {
  let stderr = '';
  const code = await main(argv, { stdout: () => undefined, stderr: (t) => void (stderr += t) });
  expect(code, `${surface}: ${stderr}`).toBe(2);
  expect(stderr.trim().split('\n'), surface).toHaveLength(1);
  return parse(surface, stderr.trim());
}

async function config(entry: Record<string, unknown>): Promise<Said> {
  const dir = await mkdtemp(join(tmpdir(), 'tier4-options-'));
  const file = join(dir, 'tiers.json');
  await writeFile(file, JSON.stringify({ exports: [{ dir: '.', ...entry }] }));
  let stderr = '';
  const code = await main(['validate', '--config', file, '--no-latency'], { stdout: () => undefined, stderr: (t) => void (stderr += t) });
  expect(code, stderr).toBe(2);
  // the config names its file and the entry key
  expect(stderr.startsWith(`tier4: invalid config ${file}: `), stderr).toBe(true);
  return parse('config', stderr.trim());
}

const NOWHERE = '/nonexistent/export';

/** Each case: the bad option through each entry point that takes it, and the name each one gives it. */
const cases: Array<{ what: string; through: Array<[Surface, () => Promise<Said>, string]> }> = [
  {
    what: 'samples 0',
    through: [
      ['plugin', () => thrown('plugin', () => tier4({ fixtures: { cnn: { model: 'simple_cnn', samples: 0 } } })), 'fixtures.cnn.samples'],
      ['buildFixture', () => thrown('buildFixture', () => buildFixture({ model: 'simple_cnn', samples: 0 })), 'samples'],
      ['runTier4', () => thrown('runTier4', () => runTier4({ exportDir: NOWHERE, numSamples: 0 })), 'numSamples'],
      ['validate', () => cli('validate', ['validate', NOWHERE, '--samples', '0']), '--samples'],
      ['config', () => config({ samples: 0 }), 'exports[0].samples'],
    ],
  },
  {
    what: 'threshold fp32 -1',
    through: [
      ['plugin', () => thrown('plugin', () => tier4({ thresholds: { fp32: -1 } })), 'thresholds.fp32'],
      ['runTier4', () => thrown('runTier4', () => runTier4({ exportDir: NOWHERE, thresholds: { fp32: -1 } })), 'thresholds.fp32'],
      ['validate', () => cli('validate', ['validate', NOWHERE, '--threshold', 'fp32=-1']), '--threshold fp32'],
      ['layers', () => cli('layers', ['layers', NOWHERE, '--tolerance', '-1']), '--tolerance'],
      ['config', () => config({ thresholds: { fp32: -1 } }), 'exports[0].thresholds.fp32'],
    ],
  },
  {
    what: 'an unknown threshold fp16',
    through: [
      ['plugin', () => thrown('plugin', () => tier4({ thresholds: { fp16: 1e-3 } as never })), 'thresholds.fp16'],
      ['runTier4', () => thrown('runTier4', () => runTier4({ exportDir: NOWHERE, thresholds: { fp16: 1e-3 } as never })), 'thresholds.fp16'],
      ['validate', () => cli('validate', ['validate', NOWHERE, '--threshold', 'fp16=1e-3']), '--threshold fp16'],
      ['config', () => config({ thresholds: { fp16: 1e-3 } }), 'exports[0].thresholds.fp16'],
    ],
  },
  {
    what: 'quantization metric cosine 1.5',
    through: [
      ['plugin', () => thrown('plugin', () => tier4({ thresholds: { cosine: 1.5 } })), 'thresholds.cosine'],
      ['runTier4', () => thrown('runTier4', () => runTier4({ exportDir: NOWHERE, thresholds: { cosine: 1.5 } })), 'thresholds.cosine'],
      ['validate', () => cli('validate', ['validate', NOWHERE, '--threshold', 'cosine>=1.5']), '--threshold cosine'],
      ['config', () => config({ thresholds: { cosine: 1.5 } }), 'exports[0].thresholds.cosine'],
    ],
  },
  {
    what: 'per-output threshold -1',
    through: [
      ['runTier4', () => thrown('runTier4', () => runTier4({ exportDir: NOWHERE, outputThresholds: { logits: -1 } })), 'outputThresholds.logits'],
      ['validate', () => cli('validate', ['validate', NOWHERE, '--output-threshold', 'logits=-1']), '--output-threshold logits'],
      ['config', () => config({ outputThresholds: { logits: -1 } }), 'exports[0].outputThresholds.logits'],
    ],
  },
  {
    what: 'latency budget level "error"',
    through: [
      ['runTier4', () => thrown('runTier4', () => runTier4({ exportDir: NOWHERE, latency: { budgetLevel: 'error' as 'warn' } })), 'latency.budgetLevel'],
      ['validate', () => cli('validate', ['validate', NOWHERE, '--budget-level', 'error']), '--budget-level'],
      ['config', () => config({ latency: { budgetLevel: 'error' } }), 'exports[0].latency.budgetLevel'],
    ],
  },
  {
    what: 'latency iterations 0',
    through: [
      ['runTier4', () => thrown('runTier4', () => runTier4({ exportDir: NOWHERE, latency: { iterations: 0 } })), 'latency.iterations'],
      ['validate', () => cli('validate', ['validate', NOWHERE, '--iterations', '0']), '--iterations'],
      ['config', () => config({ latency: { iterations: 0 } }), 'exports[0].latency.iterations'],
    ],
  },
  {
    what: 'min speed-up 0',
    through: [
      ['runTier4', () => thrown('runTier4', () => runTier4({ exportDir: NOWHERE, gates: { minSpeedup: 0 } })), 'gates.minSpeedup'],
      ['validate', () => cli('validate', ['validate', NOWHERE, '--min-speedup', '0']), '--min-speedup'],
      ['config', () => config({ gates: { minSpeedup: 0 } }), 'exports[0].gates.minSpeedup'],
    ],
  },
  {
    what: 'max artifact level "error"',
    through: [
      ['runTier4', () => thrown('runTier4', () => runTier4({ exportDir: NOWHERE, gates: { maxArtifactLevel: 'error' as 'warn' } })), 'gates.maxArtifactLevel'],
      ['validate', () => cli('validate', ['validate', NOWHERE, '--max-artifact-level', 'error']), '--max-artifact-level'],
      ['config', () => config({ gates: { maxArtifactLevel: 'error' } }), 'exports[0].gates.maxArtifactLevel'],
    ],
  },
  {
    what: 'min SQNR "loud"',
    through: [
      ['runTier4', () => thrown('runTier4', () => runTier4({ exportDir: NOWHERE, minSqnrDb: 'loud' as never })), 'minSqnrDb'],
      ['validate', () => cli('validate', ['validate', NOWHERE, '--min-sqnr', 'loud']), '--min-sqnr'],
      ['layers', () => cli('layers', ['layers', NOWHERE, '--min-sqnr', 'loud']), '--min-sqnr'],
      ['config', () => config({ minSqnrDb: 'loud' }), 'exports[0].minSqnrDb'],
    ],
  },
  {
    what: 'timeout 0 ms',
    through: [
      ['buildFixture', () => thrown('buildFixture', () => buildFixture({ model: 'simple_cnn', timeoutMs: 0 })), 'timeoutMs'],
      ['runTier4', () => thrown('runTier4', () => runTier4({ exportDir: NOWHERE, timeoutMs: 0 })), 'timeoutMs'],
      ['validate', () => cli('validate', ['validate', NOWHERE, '--timeout-ms', '0']), '--timeout-ms'],
      ['layers', () => cli('layers', ['layers', NOWHERE, '--timeout-ms', '0']), '--timeout-ms'],
      ['config', () => config({ timeoutMs: 0 }), 'exports[0].timeoutMs'],
    ],
  },
  {
    what: 'threads 0',
    through: [
      ['runTier4', () => thrown('runTier4', () => runTier4({ exportDir: NOWHERE, threads: 0 })), 'threads'],
      ['validate', () => cli('validate', ['validate', NOWHERE, '--threads', '0']), '--threads'],
      ['config', () => config({ threads: 0 }), 'exports[0].threads'],
    ],
  },
  {
    what: 'an unknown format',
    through: [
      ['runTier4', () => thrown('runTier4', () => runTier4({ exportDir: NOWHERE, formats: ['onnx', 'tflite'] })), 'formats[1]'],
      ['validate', () => cli('validate', ['validate', NOWHERE, '--formats', 'onnx,tflite']), '--formats[1]'],
      ['config', () => config({ formats: ['onnx', 'tflite'] }), 'exports[0].formats[1]'],
    ],
  },
];

describe('one option layer: the same bad option, the same message everywhere', () => {
  test.for(cases)('$what', async ({ through }) => {
    const said: Array<[Surface, Said]> = [];
    for (const [surface, run, name] of through) {
      const s = await run();
      expect(s.name, surface).toBe(name);
      said.push([surface, s]);
    }
    const [first] = said;
    expect(first![1].rest).toMatch(/^ (expected .+, received .+|\(expected one of .+\))$/);
    for (const [surface, s] of said) expect(`${surface}: ${s.rest}`).toBe(`${surface}: ${first![1].rest}`);
  });
});
