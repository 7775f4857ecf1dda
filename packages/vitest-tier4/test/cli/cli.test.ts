import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { main, parseCli, parseThresholds } from '../../src/cli/main.js';
import { cli } from './run-cli.js';
import { formatValue } from '../../src/parity/format.js';
import type { Tier4Report } from '../../src/tier4/index.js';
import { childPids, cleanupTmp, copyExport, envWithoutPool, fixture, perturbOnnx, schemaValidator, tmpDir, waitForExit } from '../tier4/helpers.js';

afterAll(cleanupTmp);

const lines = (s: string): string[] => s.split('\n').filter((l) => l.length > 0);

describe('tier4 validate', () => {
  test('ok: exit 0, summary table, JSON written and schema-valid, one-line verdict', async () => {
    const fx = await fixture('lm_stub');
    const out = join(await tmpDir('cli-'), 'out', 'tier4.json');
    const html = join(dirname(out), 'page', 'tier4.html');
    const r = await cli(['validate', fx.dir, '--json', out, '--html', html, '--samples', '2', '--iterations', '5', '--warmup', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('| format      | status | parity | max abs diff |');
    expect(r.stdout).toMatch(/\| onnx +\| OK +\| ok +\|/);
    expect(r.stdout).toMatch(/\| torchscript +\| OK +\| ok +\|/);
    expect(r.stdout).toContain('Parity vs the eager PyTorch outputs on 2 sample(s); fp32 export: every element\'s |actual - reference| must be <= atol + rtol * |reference|, preset fp32 (atol 1e-4, rtol 1e-4).');
    expect(r.stdout).toContain(
      'SQNR dB: 20 log10(||reference|| / ||actual - reference||) of the worst output over all samples, the same at any output scale; the scale-free gate needs >= 60.0 dB.',
    );
    expect(r.stdout).toContain('Latency (ms) on sample_000 (batch 1), 5 iterations after 1 warm-up, mean ± std (p50):');
    expect(r.stdout).toMatch(
      /\n {2}torchscript: \d+\.\d+ ± \d+\.\d+ \(p50 \d+\.\d+\); speed-up vs eager PyTorch \d+\.\d\dx on means, \d+\.\d\dx on medians; \d+ threads?, BLAS [^;]+; timed by python:time\.perf_counter_ns around forward under torch\.inference_mode\n/,
    );
    expect(r.stdout).toMatch(/\n {2}onnx: .*; \d+ threads?, MLAS \(onnxruntime CPU execution provider\); timed by node:tinybench performance\.now around InferenceSession\.run\n/);
    expect(r.stdout).toMatch(/\n {2}eager PyTorch: \d+\.\d+ ± \d+\.\d+ \(p50 \d+\.\d+\); \d+ threads?, BLAS [^;]+; timed by python:/);
    expect(r.stdout).toContain(`Tier 4 JSON written to ${out}\nTier 4 HTML report written to ${html}\n`);
    expect(lines(r.stdout).at(-1)).toBe('tier4: OK lm_stub: onnx, torchscript validated (shape and parity on every sample)');
    const json = JSON.parse(await readFile(out, 'utf8')) as Tier4Report;
    expect(await schemaValidator().then((v) => v(json))).toEqual([]);
    expect(json).toMatchObject({ status: 'ok', formats: { onnx: { latency: { iterations: 5, warmup: 1 } } } });
    // the table shows the dict's numbers: the threshold with what it bounds, mean ± std, the speed-up on means and medians
    for (const [name, f] of Object.entries(json.formats)) {
      const row = lines(r.stdout).find((l) => l.startsWith(`| ${name} `))!;
      const cells = row.split('|').slice(1, -1).map((c) => c.trim());
      expect(cells[3]).toBe(formatValue(f.max_abs_diff!));
      expect(cells[5]).toBe('1e-4 (max)');
      // JSON writes an infinite SQNR (identical outputs) as null
      expect(cells[6]).toBe(f.sqnr_db === null ? '+Inf' : f.sqnr_db!.toFixed(1));
      expect(cells[8]).toMatch(/^\d+\.\d+ ± \d+\.\d+$/);
      expect(cells[11]).toBe(`${f.speedup_vs_pytorch!.toFixed(2)}x / ${f.speedup_vs_pytorch_p50!.toFixed(2)}x`);
    }
    // --html: the page of the same dict, one |a - r| chart per format, holding every compared element
    const page = await readFile(html, 'utf8');
    expect(page).toContain('<title>Tier 4 report: lm_stub: ok</title>');
    const totals = [...page.matchAll(/data-chart="abs-diff" data-model="lm_stub" data-format="(\w+)" data-output="logits" data-total="(\d+)"/g)];
    expect(totals.map((m) => m[1])).toEqual(Object.keys(json.formats));
    for (const m of totals) expect(Number(m[2])).toBe(Object.values(json.parity_report[m[1]!]!).reduce((s, x) => s + x.outputs['logits']!.parity!.numel, 0));
    // a table that fits a 150-column terminal
    expect(Math.max(...lines(r.stdout).filter((l) => l.startsWith('|')).map((l) => l.length))).toBeLessThanOrEqual(150);
  });

  test('warn (ONNX missing on disk): exit 0 with the warning as the reason', async () => {
    const dir = await copyExport((await fixture('lm_stub')).dir);
    await rm(join(dir, 'model.onnx'));
    const r = await cli(['validate', dir, '--samples', '2', '--no-latency']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\| onnx +\| WARN \(skipped\) \|/);
    expect(lines(r.stdout).at(-1)).toBe('tier4: WARN lm_stub: torchscript validated; onnx: skipped, listed in metadata.json but model.onnx is missing on disk');
  });

  test('quantized export: the quantization table; --threshold sqnr_db>=60 fails naming the metric and the rule', async () => {
    const fx = await fixture('lm_stub_quantized');
    const ok = await cli(['validate', fx.dir, '--samples', '2', '--no-latency', '--no-memory', '--no-per-layer']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/\| 0\.01 \(mean\) +\|/);
    expect(ok.stdout).toContain('Parity vs the eager PyTorch fp32 outputs on 2 sample(s); quantized export: the threshold bounds the mean |actual - reference| of each output');
    expect(ok.stdout).toContain('Quantization (ratios quantized / fp32 baseline: file size, quantized weights, resident memory;');
    expect(ok.stdout).toMatch(/\| onnx +\| +7\/7 \| +0\.55\d \| +0\.26\d \| +- \|/);
    expect(ok.stdout).toMatch(/\| torchscript +\| +7\/5 \| +0\.57\d \| +0\.250 \| +- \|/);
    expect(ok.stdout).not.toContain('Quantized layers:');
    expect(ok.stdout).not.toContain('Memory: the fp32 baseline holds under');
    // --verbose names the layers behind the counts (7/7 and 7/5: the int8 ONNX also counts the attention's two activation MatMuls)
    const verbose = await cli(['validate', fx.dir, '--samples', '1', '--no-latency', '--no-per-layer', '--verbose']);
    // memory measured: lm_stub is a 0.7 MB model, so the table says its memory ratio is coarse
    expect(verbose.stdout).toMatch(/\nMemory: the fp32 baseline holds under 4 MB resident \(onnx \d\.\d MB, torchscript \d\.\d MB\): at that size pages and allocator pools dominate the ratio/);
    const names = 'block.attn.q, block.attn.k, block.attn.v, block.attn.o, block.mlp.0, block.mlp.2, lm_head';
    expect(verbose.stdout).toContain(
      [
        'Quantized layers:',
        `  onnx: 7 quantized: ${names}`,
        '  onnx: 2 kept fp32 (embedding lookup (Gather) is kept fp32): tok_emb, pos_emb',
        '  onnx: 3 kept fp32 (elementwise op with float parameters (normalisation, bias) is kept fp32): block.ln1, block.ln2, ln_f',
        '  onnx: 2 kept fp32 (MatMul of two activations has no constant weight to quantize offline): block.attn:MatMul, block.attn:MatMul_1',
        `  torchscript: 7 quantized: ${names}`,
        '  torchscript: 5 kept fp32 (dynamic quantization converts nn.Linear only): tok_emb, pos_emb, block.ln1, block.ln2, ln_f',
      ].join('\n'),
    );
    const strict = await cli(['validate', fx.dir, '--samples', '2', '--no-latency', '--no-memory', '--no-per-layer', '--threshold', 'quantized=1e-2,sqnr_db>=60']);
    expect(strict.code).toBe(1);
    expect(lines(strict.stderr)).toHaveLength(1);
    expect(strict.stderr).toMatch(/^tier4: FAIL lm_stub: onnx: quantization: sqnr_db \d+\.\d+ dB, below the threshold sqnr_db >= 60 dB\n$/);
    expect(strict.stdout).toMatch(/Failures:\n {2}onnx: quantization: sqnr_db .* dB, below the threshold sqnr_db >= 60 dB\n {2}torchscript: quantization: sqnr_db .* dB, below the threshold sqnr_db >= 60 dB\n/);
  });

  test('fail (perturbed ONNX): exit 1, the reason on one stderr line, no stack trace', async () => {
    const fx = await fixture('simple_cnn');
    const dir = await copyExport(fx.dir);
    await perturbOnnx(fx.paths.onnx!, join(dir, 'model.onnx'), 1.05);
    const r = await cli(['validate', dir, '--samples', '2', '--no-latency']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^tier4: FAIL simple_cnn: onnx: parity failed in 2\/2 sample\(s\); worst: output 'logits' \(sample_00[01]\): .* at \[\d, \d\] /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toContain('Failures:');
  });

  test('--threshold is applied: fp32=x replaces the preset atol, its rtol 1e-4 stays (the meaning toMatchParity gives { fp32: x })', async () => {
    const fx = await fixture('simple_cnn');
    const r = await cli(['validate', fx.dir, '--samples', '2', '--no-latency', '--threshold', 'fp32=1e-9,quantized=1e-2', '--formats', 'onnx']);
    expect(r.stdout).toMatch(/\| 1e-9 \(max\) +\|/);
    expect(r.stdout).toContain("fp32 export: every element's |actual - reference| must be <= atol + rtol * |reference|, preset fp32 (atol 1e-9, rtol 1e-4).");
    // ONNX differs from eager by rounding only (~1e-7 relative): within rtol, so ok even at atol 1e-9
    expect(r.code).toBe(0);
  });

  test('unreadable export dir: exit 2, one line; --verbose adds the stack', async () => {
    const dir = await tmpDir('cli-empty-');
    const r = await cli(['validate', dir]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(new RegExp(`^tier4: cannot read export dir ${dir}: .*metadata\\.json does not exist`))]);
    const v = await cli(['validate', dir, '--verbose']);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/\n\s+at /);
    const bad = await copyExport((await fixture('simple_cnn')).dir);
    await writeFile(join(bad, 'metadata.json'), '{ not json');
    const b = await cli(['validate', bad]);
    expect(b.code).toBe(2);
    expect(lines(b.stderr)).toHaveLength(1);
    // a reference sample listed in metadata.json that cannot be read: the export dir is unreadable too
    const noSample = await copyExport((await fixture('simple_cnn')).dir);
    await rm(join(noSample, 'samples', 'sample_000', 'logits.npy'));
    const n = await cli(['validate', noSample, '--no-latency']);
    expect(n.code).toBe(2);
    expect(n.stdout).toBe('');
    expect(lines(n.stderr)).toEqual([
      expect.stringMatching(new RegExp(`^tier4: cannot read export dir ${noSample}: Cannot load samples\\[0\\]\\.outputs\\.logits listed in .*ENOENT`)),
    ]);
  });

  test.each([
    [[], 'missing command; expected `tier4 validate <export-dir>`'],
    [['check', 'x'], "unknown command 'check'; expected 'validate'"],
    [['validate'], 'validate: missing <export-dir>'],
    [['validate', 'a', 'b'], 'validate takes one <export-dir>, received 2: a b'],
    [['validate', 'x', '--samples', 'ten'], 'option "--samples" expected an integer >= 1, received "ten"'],
    [['validate', 'x', '--iterations', '0'], 'option "--iterations" expected an integer >= 1, received 0'],
    [['validate', 'x', '--threshold', 'fp64=1'], 'unknown option "--threshold fp64" (expected one of "fp32", "quantized", "sqnr_db", "cosine", "top1_agreement", "relative_error", "kl_divergence"; did you mean "fp32"?)'],
    [['validate', 'x', '--threshold', 'fp32'], 'option "--threshold" expected name=value items such as fp32=1e-4,quantized=1e-2,sqnr_db>=20, received "fp32"'],
    // a bound written on an unknown name is the unknown name, not a malformed pair
    [['validate', 'x', '--threshold', 'sqnr>=20'], 'unknown option "--threshold sqnr" (expected one of "fp32", "quantized", "sqnr_db", "cosine", "top1_agreement", "relative_error", "kl_divergence")'],
    [['validate', 'x', '--threshold', 'quantized<=1e-2'], 'option "--threshold quantized" expected quantized=<value> (only quantization metrics take >= or <=), received "quantized<=1e-2"'],
    [['validate', 'x', '--threshold', 'sqnr_db>=abc'], 'option "--threshold sqnr_db" expected a finite number, received "abc"'],
    [['validate', 'x', '--budget-level', 'error'], 'option "--budget-level" expected "warn" or "fail", received "error"'],
    [['validate', 'x', '--no-latency', '--iterations', '5'], '--iterations cannot be combined with --no-latency'],
    [['validate', 'x', '--no-latency', '--time-budget-ms', '100'], '--time-budget-ms cannot be combined with --no-latency'],
    [['validate', 'x', '--time-budget-ms', '-1'], 'option "--time-budget-ms" expected a finite number of ms > 0, or null (no time budget), received -1'],
    [['validate', 'x', '--min-iterations', '0'], 'option "--min-iterations" expected an integer >= 1, received 0'],
    [['validate', 'x', '--min-iterations', '20', '--iterations', '5', '--time-budget-ms', '100'], 'option "--min-iterations" expected an integer <= --iterations (5), received 20'],
    [['validate', 'x', '--min-iterations', '200'], 'option "--min-iterations" expected an integer <= --iterations (100), received 200'],
    [['validate', 'x', '--min-iterations', '3', '--iterations', '5'], '--min-iterations applies under a time budget: add --time-budget-ms <ms>'],
    [['validate', 'x', '--min-iterations', '3', '--time-budget-ms', 'off'], '--min-iterations applies under a time budget: add --time-budget-ms <ms>'],
    [['validate', 'x', '--bogus'], "Unknown option '--bogus'"],
  ])('bad usage %j: exit 2 with one line', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain(`tier4: ${message}`);
    expect(r.stderr).toContain('(see tier4 --help)');
  });

  test('--json naming a directory: exit 2 before anything runs; an unwritable --json: exit 1 after the table', async () => {
    const fx = await fixture('simple_cnn');
    const dir = await tmpDir('cli-jsondir-');
    const r = await cli(['validate', fx.dir, '--json', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`tier4: --json expects a file path, received the directory ${dir} (e.g. ${join(dir, 'tier4.json')}) (see tier4 --help)\n`);
    const h = await cli(['validate', fx.dir, '--html', dir]);
    expect(h.code).toBe(2);
    expect(h.stderr).toBe(`tier4: --html expects a file path, received the directory ${dir} (e.g. ${join(dir, 'tier4-report.html')}) (see tier4 --help)\n`);
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    const w = await cli(['validate', fx.dir, '--json', join(file, 'tier4.json'), '--samples', '1', '--no-latency', '--formats', 'onnx']);
    expect(w.code).toBe(1);
    expect(w.stdout).toContain('| onnx ');
    expect(lines(w.stderr)).toEqual([`tier4: Cannot write Tier 4 report to ${join(file, 'tier4.json')}: cannot create the directory ${file}: ${file} is not a directory`]);
  });

  test('unknown --formats entry: exit 2', async () => {
    const fx = await fixture('simple_cnn');
    const r = await cli(['validate', fx.dir, '--formats', 'tflite']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tier4: option "--formats[0]" expected one of "onnx", "torchscript", "pytorch", received "tflite" (see tier4 --help)\n');
  });

  test('an unexpected error is one line and exit 1, never a crash; --verbose adds the stack', async () => {
    let stderr = '';
    const broken = { stdout: () => { throw new Error('write EPIPE'); }, stderr: (t: string) => (stderr += t) };
    await expect(main(['--help'], broken)).resolves.toBe(1);
    expect(stderr).toBe('tier4: internal error: write EPIPE (run with --verbose for the stack trace)\n');
    stderr = '';
    await expect(main(['--help', '--verbose'], broken)).resolves.toBe(1);
    expect(stderr).toMatch(/^Error: write EPIPE\n\s+at [^]*\ntier4: internal error: write EPIPE\n$/);
  });

  test('--help and --version exit 0', async () => {
    const h = await cli(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Usage: tier4 validate <export-dir> [options]');
    expect(h.stdout).toContain('Exit codes: 0 ok or warn, 1 fail, 2 bad usage or unreadable export dir.');
    const v = await cli(['--version']);
    expect(v.stdout).toMatch(/^tier4 \(vitest-tier4\) \d+\.\d+\.\d+\n$/);
  });

  test('parseCli and parseThresholds build the runTier4 options', () => {
    expect(parseThresholds('fp32=1e-5, quantized = 0.02')).toEqual({ fp32: 1e-5, quantized: 0.02 });
    expect(parseThresholds('quantized=0.02,sqnr_db>=30,top1_agreement=0.99,relative_error<=0.01')).toEqual({ quantized: 0.02, sqnr_db: 30, top1_agreement: 0.99, relative_error: 0.01 });
    expect(() => parseThresholds('sqnr_db<=30')).toThrow('option "--threshold sqnr_db" expected sqnr_db>=<value> (bounded from below), received "sqnr_db<=30"');
    expect(parseCli(['validate', 'dir', '--samples', '3', '--iterations', '7', '--budget-ms', '2.5', '--budget-level', 'fail'])).toEqual({
      kind: 'validate',
      args: { exportDir: 'dir', verbose: false, options: { numSamples: 3, latency: { iterations: 7, budgetMs: 2.5, budgetLevel: 'fail' } } },
    });
    // the time budget: a number of ms with its floor, or off (null: exactly --iterations)
    expect(parseCli(['validate', 'dir', '--time-budget-ms', '50', '--min-iterations', '3', '--iterations', '40'])).toMatchObject({
      args: { options: { latency: { iterations: 40, timeBudgetMs: 50, minIterations: 3 } } },
    });
    expect(parseCli(['validate', 'dir', '--time-budget-ms', 'off'])).toMatchObject({ args: { options: { latency: { timeBudgetMs: null } } } });
  });

  test('SIGINT during a run: exit 1 with one line, the Python worker is killed', async () => {
    const bin = fileURLToPath(new URL('../../bin/tier4.js', import.meta.url));
    const fx = await fixture('lm_stub');
    const child = spawn(process.execPath, [bin, 'validate', fx.dir, '--formats', 'torchscript', '--samples', '1', '--iterations', '1000000', '--warmup', '0', '--verbose'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // the CLI's own Python worker is what SIGINT must end (not a lease of this suite's pool)
      env: envWithoutPool(),
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let stderr = '';
    let workers: number[] = [];
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (workers.length === 0 && stderr.includes('torchscript: measuring latency')) {
        workers = childPids(child.pid!);
        child.kill('SIGINT');
      }
    });
    child.stdout.resume();
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(guard);
    expect(code).toBe(1);
    expect(lines(stderr).at(-1)).toMatch(/^tier4: validation aborted: .*interrupted/);
    expect(workers.length).toBeGreaterThan(0);
    for (const pid of workers) expect(await waitForExit(pid)).toBe(true);
  });

  test('piped into a reader that goes away (| head): no EPIPE crash, the JSON is still written, exit code kept', async () => {
    const bin = fileURLToPath(new URL('../../bin/tier4.js', import.meta.url));
    const fx = await fixture('simple_cnn');
    const out = join(await tmpDir('cli-pipe-'), 'tier4.json');
    const child = spawn(process.execPath, [bin, 'validate', fx.dir, '--samples', '1', '--no-latency', '--formats', 'onnx', '--json', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before the first line
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({ status: 'ok' });
  });

  test('the installed bin: exit codes through a real process', async () => {
    const bin = fileURLToPath(new URL('../../bin/tier4.js', import.meta.url));
    const run = promisify(execFile);
    const fx = await fixture('simple_cnn');
    const ok = await run(process.execPath, [bin, 'validate', fx.dir, '--samples', '1', '--no-latency', '--formats', 'onnx']);
    expect(ok.stdout).toContain('tier4: OK simple_cnn: onnx validated');
    const usage = await run(process.execPath, [bin, 'validate']).catch((e: { code: number; stderr: string }) => e);
    expect(usage).toMatchObject({ code: 2, stderr: 'tier4: validate: missing <export-dir> (or --config <tiers.json>) (see tier4 --help)\n' });
  });
});
