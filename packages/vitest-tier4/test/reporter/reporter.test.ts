/**
 * The Tier 4 reporter on real Vitest runs of the fixture projects (test/reporter/fixtures):
 * a passing project, a failing one, two blob shards merged, the JSON reporter beside it and
 * GITHUB_STEP_SUMMARY.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import Tier4Reporter, { type Tier4RunReport } from '../../src/reporter/index.js';
import { SETUP_FILE, fixtureRoot, readJson, runProject, tempDir } from './helpers.js';

const schemaDir = new URL('../../schema/', import.meta.url);

/** Validators for the Tier 4 dict schema (runners) and the run report schema that references it. */
async function schemaValidators(): Promise<{ dict: (value: unknown) => string[]; run: (value: unknown) => string[] }> {
  const dict = JSON.parse(await readFile(new URL('tier4-report.schema.json', schemaDir), 'utf8')) as { $schema?: string };
  const run = JSON.parse(await readFile(new URL('tier4-run-report.schema.json', schemaDir), 'utf8')) as object;
  const options = { allErrors: true, strict: false };
  const ajv = dict.$schema?.includes('2020-12') ? new Ajv2020(options) : new Ajv(options);
  ajv.addSchema(dict);
  const wrap = (validate: ValidateFunction) => (value: unknown) =>
    validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  return { dict: wrap(ajv.getSchema((dict as { $id: string }).$id)!), run: wrap(ajv.compile(run)) };
}

/** The report without what legitimately differs between two runs. */
/** The run report less what differs between two runs of the same tests: times and the merge flag. */
function comparable(report: Tier4RunReport): Omit<Tier4RunReport, 'generated_at' | 'merged'> {
  const { generated_at: _g, merged: _m, ...rest } = report;
  // the artifact digest check records how long it took (a measured time, different every run)
  return JSON.parse(
    JSON.stringify(rest, (key, value: unknown) =>
      key === 'artifact_check' && value !== null && typeof value === 'object' ? { ...value, ms: 0 } : value,
    ),
  ) as Omit<Tier4RunReport, 'generated_at' | 'merged'>;
}

let temp: { dir: string; cleanup: () => Promise<void> };
let unsharded: Tier4RunReport;
let unshardedStdout: string;
const defaultReportPath = join(fixtureRoot('passing'), 'tier4-report.json');
const defaultHtmlPath = join(fixtureRoot('passing'), 'tier4-report.html');

beforeAll(async () => {
  temp = await tempDir('reporter');
  await rm(defaultReportPath, { force: true });
  await rm(defaultHtmlPath, { force: true });
  const reporter = new Tier4Reporter();
  const run = await runProject('passing', { reporters: ['default', reporter] });
  unshardedStdout = run.stdout;
  unsharded = await readJson<Tier4RunReport>(defaultReportPath);
  expect(reporter.lastReport).toEqual(unsharded);
});

afterAll(async () => {
  await rm(defaultReportPath, { force: true });
  await rm(defaultHtmlPath, { force: true });
  await temp.cleanup();
});

describe('a passing project', () => {
  test('writes tier4-report.json under the Vitest root and prints the table and the path', () => {
    expect(unshardedStdout).toContain('Tier 4 summary');
    expect(unshardedStdout).toMatch(/\| model\s+\| format\s+\| parity\s+\| max abs diff \|\s+latency ± std \| status \|/);
    expect(unshardedStdout).toMatch(/\| toy_cnn\s+\| onnx\s+\| ok\s+\|\s+2\.\d\de-6 \|\s+- \| ok\s+\|/);
    expect(unshardedStdout).toContain('Tier 4 status: OK');
    expect(unshardedStdout).toContain(`Tier 4 report written to ${defaultReportPath}`);
    expect(unshardedStdout).toContain(`HTML report: ${defaultHtmlPath}`);
    expect(existsSync(defaultHtmlPath)).toBe(true);
    // Vitest's default reporter printed its own summary too, before the Tier 4 one
    const plain = stripVTControlCharacters(unshardedStdout);
    expect(plain).toMatch(/Test Files\s+3 passed \(3\)/);
    expect(plain.indexOf('Test Files')).toBeLessThan(plain.indexOf('Tier 4 summary'));
  });

  test('status ok, test counts, one dict per model, every check listed in a stable order', () => {
    expect(unsharded.kind).toBe('vitest-tier4-run');
    expect(unsharded.status).toBe('ok');
    expect(unsharded.reasons).toEqual([]);
    expect(unsharded.tests).toEqual({ total: 8, passed: 7, failed: 0, skipped: 1 });
    expect(unsharded.merged).toBe(false);
    expect(Object.keys(unsharded.models)).toEqual(['simple_cnn', 'toy_cnn', 'toy_lm']);
    expect(Object.keys(unsharded.models.toy_cnn!.formats)).toEqual(['onnx', 'torchscript']);
    expect(unsharded.checks.map((c) => `${c.test} | ${c.model}/${c.format}/${c.sample} ${c.status}`)).toEqual([
      'cnn.spec.ts > toy_cnn > onnx matches the reference on sample_000 (batch 1) | toy_cnn/onnx/sample_000 ok',
      'cnn.spec.ts > toy_cnn > onnx matches the reference on sample_001 (batch 4) | toy_cnn/onnx/sample_001 ok',
      'cnn.spec.ts > toy_cnn > torchscript matches the reference on sample_000 (batch 1) | toy_cnn/torchscript/sample_000 ok',
      'cnn.spec.ts > toy_cnn > torchscript matches the reference on sample_001 (batch 4) | toy_cnn/torchscript/sample_001 ok',
      'dict.spec.ts > a runTier4 dict of the ONNX-only SimpleCNN export is recorded whole | simple_cnn/null/null ok',
      'lm.spec.ts > quantized toy_lm stays under the quantized threshold (mean statistic) | toy_lm/torchscript/sample_000 ok',
    ]);
  });

  test('each per-model dict is a valid Tier 4 dict (JSON Schema) carrying the recorded numbers', async () => {
    const validate = await schemaValidators();
    for (const [name, dict] of Object.entries(unsharded.models)) expect(validate.dict(dict), name).toEqual([]);
    expect(validate.run(unsharded)).toEqual([]);
    // the runTier4 dict arrives whole (the same type runTier4 returns)
    expect(unsharded.models.simple_cnn!.formats.onnx).toMatchObject({ status: 'ok', parity: 'ok', samples_checked: 2, latency: null });
    expect(unsharded.models.simple_cnn!.model.formats_written).toEqual(['onnx']);
    const onnx = unsharded.models.toy_cnn!.formats.onnx!;
    expect(onnx).toMatchObject({ status: 'ok', parity: 'ok', shape: 'ok', threshold: 1e-4, threshold_preset: 'fp32', samples_checked: 2 });
    expect(onnx.max_abs_diff).toBeGreaterThan(1e-6);
    expect(onnx.max_abs_diff).toBeLessThan(2.1e-6);
    const lm = unsharded.models.toy_lm!.formats.torchscript!;
    expect(lm).toMatchObject({ status: 'ok', threshold_preset: 'quantized', threshold_statistic: 'mean', threshold: 1e-2 });
    expect(lm.max_abs_diff).toBeGreaterThan(1e-2);
    expect(lm.mean_abs_diff).toBeLessThan(1e-2);
  });
});

describe('a failing project', () => {
  test('gives status fail with the failing test and check as reasons, and a failing exit code', async () => {
    const outputFile = join(temp.dir, 'failing', 'tier4.json');
    const { stdout, exitCode } = await runProject('failing', { reporters: ['default', new Tier4Reporter({ outputFile })] });
    const report = await readJson<Tier4RunReport>(outputFile);
    expect(report.status).toBe('fail');
    expect((await schemaValidators()).run(report)).toEqual([]);
    expect(report.tests).toEqual({ total: 2, passed: 1, failed: 1, skipped: 0 });
    expect(report.environment).toMatchObject({ node: process.version, vitest: '4.1.12', onnxruntime_node: '1.30.0' });
    expect(report.reasons).toEqual([
      'test failed: bad.spec.ts > the perturbed onnx export fails parity',
      'Tier 4 check failed: parity toy_cnn/onnx/logits (bad.spec.ts > the perturbed onnx export fails parity)',
      // the failing format and its reason, as a warn line lists its warnings
      'model toy_cnn: Tier 4 status fail (onnx: parity check fail in bad.spec.ts > the perturbed onnx export fails parity)',
    ]);
    expect(report.models.toy_cnn!.formats.onnx!.status).toBe('fail');
    expect(report.models.toy_cnn!.formats.torchscript!.status).toBe('ok');
    expect(stdout).toContain('Tier 4 status: FAIL');
    expect(exitCode).toBe(1);
    // the HTML report goes next to the JSON (tier4.json -> tier4.html), with the failing model's charts
    const htmlFile = join(temp.dir, 'failing', 'tier4.html');
    expect(stdout).toContain(`Tier 4 report written to ${outputFile}\n HTML report: ${htmlFile}`);
    const html = await readFile(htmlFile, 'utf8');
    expect(html).toContain('<section class="card model" id="model-toy-cnn" data-model="toy_cnn" data-status="fail"');
    expect(html).toContain('<figure data-format="onnx" data-output="logits">');
    // matcher records carry no |a - r| histogram: the page says so instead of drawing an empty chart
    expect(html).toContain('data-role="no-distribution"');
  });
});

describe('sharding', () => {
  let blobDir: string;
  const shardOutputs: string[] = [];
  const shardStdout: string[] = [];

  beforeAll(async () => {
    blobDir = join(temp.dir, 'blobs');
    for (const shard of [1, 2]) {
      const outputFile = join(temp.dir, `shard-${shard}.json`);
      shardOutputs.push(outputFile);
      const run = await runProject('passing', {
        shard: `${shard}/2`,
        reporters: [['blob', { outputFile: join(blobDir, `blob-${shard}-2.json`) }], new Tier4Reporter({ outputFile })],
      });
      shardStdout.push(run.stdout);
    }
  });

  test('a shard run writes no verdict and says where it will come from', () => {
    for (const [i, path] of shardOutputs.entries()) {
      expect(existsSync(path)).toBe(false);
      expect(shardStdout[i]).toContain(
        `vitest-tier4: shard ${i + 1}/2: this is part of a sharded run, so no Tier 4 verdict is written here; run \`vitest run --merge-reports\` to get it.`,
      );
      expect(shardStdout[i]).not.toContain('Tier 4 status');
    }
  });

  test('a shard run without the blob reporter says how to get a verdict', async () => {
    const outputFile = join(temp.dir, 'shard-no-blob.json');
    const { stdout } = await runProject('passing', { shard: '1/2', reporters: [new Tier4Reporter({ outputFile })] });
    expect(existsSync(outputFile)).toBe(false);
    expect(stdout).toContain(
      'vitest-tier4: shard 1/2: this is part of a sharded run, so no Tier 4 verdict is written here; to get one, run the shards with `--reporter=blob`, then `vitest run --merge-reports`.',
    );
  });

  test('the blob reporter alone (no --shard) also marks a run as partial', async () => {
    const outputFile = join(temp.dir, 'blob-only.json');
    const { stdout } = await runProject('failing', {
      reporters: [['blob', { outputFile: join(temp.dir, 'blob-only', 'blob.json') }], new Tier4Reporter({ outputFile })],
    });
    expect(existsSync(outputFile)).toBe(false);
    expect(stdout).toContain('vitest-tier4: blob reporter in use: this is part of a sharded run');
  });

  test('--merge-reports of the shards gives the same dict as one unsharded run', async () => {
    const outputFile = join(temp.dir, 'merged.json');
    const { stdout } = await runProject('passing', { mergeReports: blobDir, reporters: ['default', new Tier4Reporter({ outputFile })] });
    const merged = await readJson<Tier4RunReport>(outputFile);
    expect(merged.merged).toBe(true);
    expect((await schemaValidators()).run(merged)).toEqual([]);
    expect(comparable(merged)).toEqual(comparable(unsharded));
    expect(stdout).toContain('Tier 4 status: OK');
  });
});

describe('next to other reporters', () => {
  test('coexists with the json and junit reporters: all files written, same test counts', async () => {
    const outputFile = join(temp.dir, 'with-json', 'tier4.json');
    const jsonFile = join(temp.dir, 'with-json', 'vitest.json');
    const junitFile = join(temp.dir, 'with-json', 'junit.xml');
    await runProject('passing', {
      reporters: ['json', 'junit', new Tier4Reporter({ outputFile, quiet: true, htmlFile: false })],
      outputFile: { json: jsonFile, junit: junitFile },
    });
    const json = await readJson<{ numTotalTests: number; numPassedTests: number; numPendingTests: number }>(jsonFile);
    const report = await readJson<Tier4RunReport>(outputFile);
    expect(report.tests.total).toBe(json.numTotalTests);
    expect(report.tests.passed).toBe(json.numPassedTests);
    expect(report.tests.skipped).toBe(json.numPendingTests);
    expect(await readFile(junitFile, 'utf8')).toMatch(/<testsuites name="vitest tests" tests="8" failures="0" errors="0"/);
    expect(comparable(report)).toEqual(comparable(unsharded));
    // htmlFile: false writes no page
    expect(existsSync(join(temp.dir, 'with-json', 'tier4.html'))).toBe(false);
  });

  test('json on stdout (vitest run --reporter=json > results.json) stays valid JSON: the summary goes to stderr', async () => {
    const outputFile = join(temp.dir, 'json-stdout', 'tier4.json');
    const htmlFile = join(temp.dir, 'json-stdout', 'pages', 'report.html');
    const { stdout, stderr } = await runProject('passing', { reporters: ['json', new Tier4Reporter({ outputFile, htmlFile })] });
    const json = JSON.parse(stdout) as { numTotalTests: number };
    expect(json.numTotalTests).toBe(8);
    expect(stdout).not.toContain('Tier 4 status');
    expect(stderr).toContain('Tier 4 status: OK');
    expect(stderr).toContain(`Tier 4 report written to ${outputFile}`);
    expect(stderr).toContain(`HTML report: ${htmlFile}`);
    expect(await readFile(htmlFile, 'utf8')).toMatch(/^<!doctype html>/);
  });

  test('a GITHUB_STEP_SUMMARY that cannot be written is a warning, not a crash', async () => {
    const outputFile = join(temp.dir, 'gh-bad', 'tier4.json');
    const { stderr } = await runProject(
      'passing',
      { reporters: [new Tier4Reporter({ outputFile, quiet: true })] },
      {},
      { GITHUB_STEP_SUMMARY: join(temp.dir, 'missing-dir', 'summary.md') },
    );
    expect((await readJson<Tier4RunReport>(outputFile)).status).toBe('ok');
    expect(stderr).toContain(`vitest-tier4: could not append the summary to ${join(temp.dir, 'missing-dir', 'summary.md')}: ENOENT`);
  });

  test('appends the summary as Markdown to GITHUB_STEP_SUMMARY, keeping what was there', async () => {
    const summary = join(temp.dir, 'step-summary.md');
    const outputFile = join(temp.dir, 'gh', 'tier4.json');
    await writeFile(summary, '# earlier step\n', 'utf8');
    await runProject('passing', { reporters: [new Tier4Reporter({ outputFile, quiet: true })] }, {}, { GITHUB_STEP_SUMMARY: summary });
    const text = await readFile(summary, 'utf8');
    expect(text.startsWith('# earlier step\n### ✅ Tier 4: ok\n')).toBe(true);
    expect(text).toMatch(/\| toy_lm\s+\| torchscript \| ok\s+\|\s+1\.\d\de-2 \|\s+- \| ok\s+\|/);
    expect(text).toContain('6 Tier 4 checks (6 ok, 0 warn, 0 fail); tests: 7 passed, 0 failed, 1 skipped');
    expect(text).toContain(`Report: \`${outputFile}\``);
    expect(text).toContain(`HTML report (charts): \`${join(temp.dir, 'gh', 'tier4.html')}\``);
  });
});

describe('an output path that cannot be written', () => {
  test('the table is still printed, then an error names the path and the option, and the exit code is 1', async () => {
    const blocker = join(temp.dir, 'a-file');
    await writeFile(blocker, 'not a directory', 'utf8');
    const outputFile = join(blocker, 'tier4.json');
    const reporter = new Tier4Reporter({ outputFile });
    let thrown: unknown;
    let run: Awaited<ReturnType<typeof runProject>> | undefined;
    try {
      run = await runProject('failing', { reporters: [reporter] });
    } catch (error) {
      thrown = error;
    }
    const printed = stripVTControlCharacters(`${run?.stdout ?? ''}${run?.stderr ?? ''}${thrown instanceof Error ? thrown.message : ''}`);
    expect(printed).toContain('Tier 4 status: FAIL');
    expect(printed).not.toContain('Tier 4 report written to');
    expect(printed).toContain(
      `vitest-tier4: could not write the Tier 4 report to ${outputFile} (option outputFile / reportPath): ` +
        `Cannot write Tier 4 report to ${outputFile}: cannot create the directory ${blocker}: ${blocker} is not a directory`,
    );
    expect(reporter.lastWrittenPath).toBeUndefined();
    expect(reporter.lastReport?.status).toBe('fail');
    // Vitest reports a reporter error as an unhandled error of the run: startVitest resolves, exit code 1
    expect(thrown).toBeUndefined();
    expect(run?.exitCode).toBe(1);
  });
});

describe('the matchers', () => {
  test('labelled matcher records make a schema-valid dict; a passing .not record does not fail the run', async () => {
    const outputFile = join(temp.dir, 'matchers', 'tier4.json');
    await runProject('matchers', { setupFiles: [SETUP_FILE], reporters: [new Tier4Reporter({ outputFile, quiet: true })] });
    const report = await readJson<Tier4RunReport>(outputFile);
    expect(report.status).toBe('ok');
    expect(report.tests).toEqual({ total: 2, passed: 2, failed: 0, skipped: 0 });
    expect(report.checks.map((c) => `${c.kind} ${c.status} ${c.model ?? '-'}/${c.format ?? '-'}/${c.sample ?? '-'}`)).toEqual([
      'shape ok -/-/-',
      'finite ok -/-/-',
      'parity ok toy/onnx/sample_000',
      'parity ok toy/onnx/sample_001',
    ]);
    const onnx = report.models.toy!.formats.onnx!;
    expect(onnx).toMatchObject({ status: 'ok', parity: 'ok', samples_checked: 1, shape: 'ok' });
    expect(onnx.max_abs_diff).toBeLessThan(3.1e-6);
    expect((await schemaValidators()).run(report)).toEqual([]);
  });
});

describe('failOnStatus', () => {
  test('a fail verdict in a run whose tests all passed sets the exit code, unless turned off', async () => {
    const outputFile = join(temp.dir, 'unasserted', 'tier4.json');
    const strict = await runProject('unasserted', { reporters: [new Tier4Reporter({ outputFile, quiet: true })] });
    const report = await readJson<Tier4RunReport>(outputFile);
    expect(report.tests.passed).toBe(1);
    expect(report.status).toBe('fail');
    expect(strict.exitCode).toBe(1);
    const lenient = await runProject('unasserted', { reporters: [new Tier4Reporter({ outputFile, quiet: true, failOnStatus: false })] });
    expect(lenient.exitCode).toBeUndefined();
  });
});
