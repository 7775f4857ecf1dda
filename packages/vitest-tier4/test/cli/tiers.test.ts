// tier4 validate --config tiers.json: three export dirs, one table, one JSON, the worst exit code;
// the config's errors name the key and the file.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, test } from 'vitest';
import { buildFixture } from 'vitest-tier4-fixtures';
import { cli } from './run-cli.js';
import { mergeOptions } from '../../src/cli/tiers-config.js';
import { cleanupTmp, fixture, tmpDir } from '../tier4/helpers.js';

afterAll(cleanupTmp);

const MODELS = fileURLToPath(new URL('../tier4/models/real_models.py', import.meta.url));

async function config(body: unknown, name = 'tiers.json'): Promise<string> {
  const dir = await tmpDir('tiers-');
  const file = join(dir, 'ci', name);
  await mkdir(join(dir, 'ci'), { recursive: true });
  await writeFile(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

describe('tier4 validate --config', () => {
  test('three export dirs: one table, one JSON, per-entry options over the command line, the worst exit code', async () => {
    const [cnn, lm, hardcoded] = await Promise.all([
      fixture('simple_cnn'),
      fixture('lm_stub'),
      buildFixture({ model: { file: MODELS, factory: 'batch_hardcoded' }, formats: ['onnx'], samples: 3 }),
    ]);
    const file = await config({ exports: [] });
    const base = join(file, '..');
    await writeFile(
      file,
      JSON.stringify({
        exports: [
          { dir: relative(base, cnn.dir), name: 'cnn', samples: 2, thresholds: { fp32: 1e-3 }, gates: { maxArtifactMB: 50 } },
          { dir: relative(base, lm.dir), name: 'lm', formats: ['onnx'] },
          { dir: relative(base, hardcoded.dir), name: 'hardcoded', samples: 3 },
        ],
      }),
    );
    const out = join(base, 'tier4-tiers.json');
    const r = await cli(['validate', '--config', file, '--no-latency', '--samples', '4', '--json', out]);
    expect(r.code).toBe(1); // the worst entry fails
    expect(r.stdout).toContain(`Tier 4: 3 export(s) from ${file}`);
    // one table, a row per (export, format)
    const rows = r.stdout.split('\n').filter((l) => /^\| (cnn|lm|hardcoded) /.test(l));
    expect(rows.map((l) => l.split('|').slice(1, 5).map((c) => c.trim()))).toEqual([
      ['cnn', 'simple_cnn', 'onnx', 'OK'],
      ['cnn', 'simple_cnn', 'torchscript', 'OK'],
      ['lm', 'lm_stub', 'onnx', 'OK'],
      ['hardcoded', 'batch_hardcoded', 'onnx', 'FAIL'],
    ]);
    expect(rows[0]).toMatch(/\| +0\.001 \|/); // the entry's threshold
    expect(rows[2]).toMatch(/\| +1e-4 \|/); // the default where the entry sets none
    expect(rows[0]).toMatch(/artifact <= 50\.0 MB: \d+(\.\d)? kB ok/);
    expect(r.stdout).toMatch(/ {2}hardcoded: tier4: FAIL batch_hardcoded: onnx: fails at batch 1, 4, 3 .*'batch' size it was traced with \(2\)/);
    expect(r.stderr).toContain('tier4: FAIL 3 export(s): 2 ok, 0 warn, 1 fail (exit code 1)');
    const json = JSON.parse(await readFile(out, 'utf8')) as {
      kind: string;
      status: string;
      exit_code: number;
      exports: Array<{ name: string; status: string; report: { formats: Record<string, { samples_checked: number }> } }>;
    };
    expect(json).toMatchObject({ kind: 'vitest-tier4-tiers', version: 1, config: file, status: 'fail', exit_code: 1 });
    expect(json.exports.map((e) => [e.name, e.status])).toEqual([
      ['cnn', 'ok'],
      ['lm', 'ok'],
      ['hardcoded', 'fail'],
    ]);
    // samples: the entry's own 2 for cnn, the command line's 4 for lm
    expect(json.exports[0]!.report.formats['onnx']!.samples_checked).toBe(2);
    expect(json.exports[1]!.report.formats['onnx']!.samples_checked).toBe(4);
    // the JSON follows its schema (which refers to the Tier 4 dict's)
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    const schemaFile = (n: string): Promise<object> => readFile(new URL(`../../schema/${n}`, import.meta.url), 'utf8').then((t) => JSON.parse(t) as object);
    ajv.addSchema(await schemaFile('tier4-report.schema.json'), 'tier4-report.schema.json');
    const validate = ajv.compile(await schemaFile('tier4-tiers-report.schema.json'));
    expect(validate(json) ? [] : validate.errors).toEqual([]);
  });

  test('every entry ok: exit 0, the summary line on stdout', async () => {
    const cnn = await fixture('simple_cnn');
    const file = await config({ exports: [] });
    await writeFile(file, JSON.stringify({ exports: [{ dir: cnn.dir, samples: 1, latency: false }] }));
    const r = await cli(['validate', '--config', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('tier4: OK 1 export(s): 1 ok, 0 warn, 0 fail (exit code 0)');
  });

  const cases: Array<[string, unknown, (file: string) => string]> = [
    ['not JSON', '{"exports": [', (f) => `tier4: invalid config ${f}: expected JSON, received text that does not parse`],
    ['no exports', { exports: [] }, (f) => `tier4: invalid config ${f}: option "exports" expected a non-empty array of { "dir": "...", ... }, received []`],
    ['unknown top-level key', { exports: [{ dir: '.' }], export: [] }, (f) => `tier4: invalid config ${f}: unknown option "export" (expected one of "exports"; did you mean "exports"?)`],
    [
      'unknown entry key',
      { exports: [{ dir: '.', sample: 3 }] },
      (f) =>
        `tier4: invalid config ${f}: unknown option "exports[0].sample" (expected one of "dir", "name", "thresholds", "outputThresholds", "latency", "gates", "samples", "formats", "minSqnrDb", "threads", "timeoutMs", "allowNonFinite", "trustModelSource"; did you mean "samples"?)`,
    ],
    ['missing dir', { exports: [{ samples: 3 }] }, (f) => `tier4: invalid config ${f}: option "exports[0].dir" expected the path of an export dir (relative to the config file), received undefined`],
    ['dir not found', { exports: [{ dir: 'exports/none' }] }, (f) => `tier4: invalid config ${f}: option "exports[0].dir" expected an export dir, received "exports/none" (${join(f, '..', 'exports', 'none')} is not a directory)`],
    ['bad samples', { exports: [{ dir: '.' }, { dir: '.', name: 'b', samples: 'ten' }] }, (f) => `tier4: invalid config ${f}: option "exports[1].samples" expected an integer >= 1, received "ten"`],
    ['bad threshold', { exports: [{ dir: '.', thresholds: { fp32: -1 } }] }, (f) => `tier4: invalid config ${f}: option "exports[0].thresholds.fp32" expected a finite number >= 0, received -1`],
    ['quantization metric', { exports: [{ dir: '.', thresholds: { cosine: 2 } }] }, (f) => `tier4: invalid config ${f}: option "exports[0].thresholds.cosine" expected a number from -1 to 1, received 2`],
    ['bad gate level', { exports: [{ dir: '.', gates: { minSpeedup: 1.5, minSpeedupLevel: 'error' } }] }, (f) => `tier4: invalid config ${f}: option "exports[0].gates.minSpeedupLevel" expected "warn" or "fail", received "error"`],
    ['bad min SQNR', { exports: [{ dir: '.', minSqnrDb: 'loud' }] }, (f) => `tier4: invalid config ${f}: option "exports[0].minSqnrDb" expected a number of dB, or -Infinity ("off") to turn the gate off, received "loud"`],
    ['unknown format', { exports: [{ dir: '.', formats: ['onnx', 'tflite'] }] }, (f) => `tier4: invalid config ${f}: option "exports[0].formats[1]" expected one of "onnx", "torchscript", "pytorch", received "tflite"`],
    ['duplicate names', { exports: [{ dir: '.' }, { dir: '.' }] }, (f) => `tier4: invalid config ${f}: option "exports[1].name" expected a name no other entry has, received "." (give the entries distinct "name"s)`],
  ];
  test.for(cases)('config error (%s): exit 2, the message names the file and the key', async ([, body, message]) => {
    const file = await config(body);
    const r = await cli(['validate', '--config', file, '--no-latency']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith(message(file))).toBe(true);
  });

  test('a missing config file and a config beside an export dir argument are usage errors', async () => {
    const missing = join(await tmpDir('tiers-'), 'none.json');
    expect((await cli(['validate', '--config', missing])).stderr).toBe(`tier4: invalid config ${missing}: expected a JSON file, found none\n`);
    expect((await cli(['validate', 'exports/x', '--config', missing])).stderr).toBe(
      'tier4: validate --config takes no <export-dir> (the config lists them), received exports/x (see tier4 --help)\n',
    );
  });

  test('the command line applies to entries that do not set their own, key by key', () => {
    expect(
      mergeOptions(
        { numSamples: 4, thresholds: { fp32: 1e-3 }, latency: { iterations: 20, budgetMs: 5 }, gates: { minSpeedup: 1.5, minSpeedupLevel: 'fail' } },
        { thresholds: { quantized: 2e-2 }, latency: { iterations: 5 }, gates: { minSpeedup: 1.2 } },
      ),
    ).toEqual({
      numSamples: 4,
      thresholds: { fp32: 1e-3, quantized: 2e-2 },
      latency: { iterations: 5, budgetMs: 5 },
      gates: { minSpeedup: 1.2, minSpeedupLevel: 'fail' },
    });
    expect(mergeOptions({ latency: false }, {})).toEqual({ latency: false });
    expect(mergeOptions({ latency: { iterations: 5 } }, { latency: false })).toEqual({ latency: false });
  });
});
