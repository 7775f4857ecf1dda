import { mkdtemp, readFile, readdir, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { LayersReport } from '../../src/layers/types.js';
import { checkParity } from '../../src/parity/check.js';
import { histogramTotal } from '../../src/parity/histogram.js';
import { toReportDocument } from '../../src/report/document.js';
import { collectEnvironment } from '../../src/report/environment.js';
import { REPORT_CSP, renderTier4Html } from '../../src/report/html/page.js';
import { renderMarkdownSummary } from '../../src/report/markdown.js';
import { htmlPathFor, writeTier4Html } from '../../src/report/write.js';
import type { Tier4FormatReport } from '../../src/tier4/types.js';
import { sampleRunReport, sampleTier4Report } from './sample.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Every `<tag ...>` opening tag whose attributes include `data-chart="name"` (with its attribute text). */
function charts(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(`<svg[^>]*data-chart="${name}"[^>]*>[\\s\\S]*?</svg>`, 'g'))].map((m) => m[0]);
}
const attr = (tag: string, name: string): string | undefined => new RegExp(`${name}="([^"]*)"`).exec(tag)?.[1];

describe('renderTier4Html', () => {
  const failing = sampleTier4Report({ failOnnx: true, layers: true });
  const quantized = sampleTier4Report({ quantized: true, name: 'lm_stub' });
  const run = sampleRunReport({ simple_cnn: failing, 'lm_stub-dynamic': quantized });
  const html = renderTier4Html(toReportDocument(run, { environment: collectEnvironment('4.1.12') }));

  test('one section per model, with its status', () => {
    const sections = [...html.matchAll(/<section class="card model" id="([^"]+)" data-model="([^"]+)" data-status="([^"]+)"/g)];
    expect(sections.map((m) => [m[2], m[3]])).toEqual([
      ['simple_cnn', 'fail'],
      ['lm_stub-dynamic', 'ok'],
    ]);
    expect(html).toContain('<body data-status="fail" data-models="2">');
  });

  test('a |a - r| chart per format and output, holding every compared element of every sample', () => {
    const list = charts(html, 'abs-diff');
    expect(list).toHaveLength(4); // 2 models x (onnx, torchscript) x logits
    for (const svg of list) {
      const model = attr(svg, 'data-model')!;
      const format = attr(svg, 'data-format')!;
      const dict = model === 'simple_cnn' ? failing : quantized;
      const expected = Object.values(dict.parity_report[format]!).reduce((s, sr) => s + histogramTotal(sr.outputs['logits']!.parity!.abs_diff_histogram!), 0);
      expect(Number(attr(svg, 'data-total'))).toBe(expected);
      const bars = [...svg.matchAll(/data-count="(\d+)"/g)].map((m) => Number(m[1]));
      expect(bars.reduce((a, b) => a + b, 0)).toBe(expected);
      expect(Number(attr(svg, 'data-bins'))).toBe(bars.length - 1); // the zero bar is extra
      expect(svg).toMatch(/data-role="tolerance" data-value="(0\.0001|0\.01)"/);
    }
  });

  test('the failing format has bars over atol, and its worst sample heads the worst-elements table', () => {
    const onnx = charts(html, 'abs-diff').find((s) => attr(s, 'data-model') === 'simple_cnn' && attr(s, 'data-format') === 'onnx')!;
    expect(onnx).toContain('class="bar over"');
    const figure = /<figure data-format="onnx" data-output="logits">[\s\S]*?<\/figure>/.exec(html)![0];
    const firstRow = /<tbody><tr><td>(sample_\d+)<\/td>/.exec(figure.slice(figure.indexOf('data-role="worst-elements"')))!;
    expect(firstRow[1]).toBe(failing.formats['onnx']!.worst!.sample);
    expect(figure).toContain(failing.formats['onnx']!.worst!.index!.join(', '));
  });

  test('latency: one row per format and one eager baseline, with the p50 and speed-up from the dict', () => {
    const list = charts(html, 'latency');
    expect(list).toHaveLength(2);
    const rows = [...list[0]!.matchAll(/<g class="latency-row"[^>]*>/g)].map((m) => m[0]);
    expect(rows.map((r) => attr(r, 'data-row'))).toEqual(['onnx', 'torchscript', 'eager PyTorch']);
    expect(Number(attr(rows[0]!, 'data-p50'))).toBeCloseTo(failing.formats['onnx']!.latency!.p50_ms, 10);
    expect(Number(attr(rows[0]!, 'data-speedup'))).toBeCloseTo(failing.formats['onnx']!.speedup_vs_pytorch!, 10);
  });

  test('layers: accumulated and local error of every layer, the tolerance, the origin, the worst layers and the layout finding', () => {
    const [svg, ...more] = charts(html, 'layers');
    expect(more).toEqual([]);
    const rows = (failing.formats['onnx'] as Tier4FormatReport & { layers: LayersReport }).layers.layers;
    expect(attr(svg!, 'data-layers')).toBe(String(rows.length));
    const points = (series: string) => [...svg!.matchAll(new RegExp(`data-series="${series}" data-layer="([^"]+)" data-value="([^"]+)"`, 'g'))].map((m) => [m[1], Number(m[2])]);
    expect(points('accumulated')).toEqual(rows.filter((r) => r.max_abs_diff !== null).map((r) => [r.name, r.max_abs_diff]));
    expect(points('local')).toEqual(rows.filter((r) => r.local_max_abs_diff !== null).map((r) => [r.name, r.local_max_abs_diff]));
    expect(svg).toContain('data-role="origin" data-layer="layer2.conv"');
    expect(svg).toContain('data-role="tolerance" data-value="0.0001"');
    const figure = /<figure class="wide" data-role="layers" data-format="onnx">[\s\S]*?<\/figure>/.exec(html)![0];
    expect(figure).toContain('divergence born at layer2.conv (local 2.90e-3)');
    expect(/data-role="worst-layers"[\s\S]*?<tbody><tr><td class="mono">([^<]+)</.exec(figure)![1]).toBe('layer2.conv');
    expect(figure).toContain('layout: layer2.conv matches after NCHW -&gt; NHWC (reference.permute(0, 2, 3, 1))');
  });

  test('quantization: size, memory, similarity, the thresholds and per-layer SQNR', () => {
    const figure = /<figure class="wide" data-role="quantization" data-format="onnx">[\s\S]*?<\/figure>/.exec(html)![0];
    expect(figure).toContain('425.7 kB vs 751.8 kB fp32 (56.6% of fp32)');
    expect(figure).toContain('31.00 MB vs 33.50 MB fp32 (92.5% of fp32)');
    expect(figure).toContain('SQNR 17.5 dB, relative error 0.134, cosine 0.991, top-1 agreement 94.00%');
    expect(figure).toContain('block.mlp.fc2: SQNR 17.5 dB');
    expect(figure).toMatch(/<td>sqnr_db &gt;= 20 dB<\/td><td class="num">17\.5<\/td><td><span class="st-fail">fail<\/span>/);
    const [sqnr] = charts(figure, 'layer-sqnr');
    const bars = [...sqnr!.matchAll(/<rect class="([^"]+)"[^>]*data-layer="([^"]+)" data-sqnr="([^"]+)"/g)].map((m) => [m[2], Number(m[3]), m[1]]);
    expect(bars).toHaveLength(7);
    expect(bars.find((b) => b[0] === 'block.mlp.fc2')).toEqual(['block.mlp.fc2', 17.5, 'bar over']);
  });

  test('the environment is shown', () => {
    const env = /<section class="card" id="environment"[\s\S]*?<\/section>/.exec(html)![0];
    for (const text of [process.version, 'onnxruntime-node', '1.30.0', 'torch (export)', '1.13.0', 'onnx (export)', '1.12.0', 'machine', '2026-12-01T20:00:00.000Z']) {
      expect(env).toContain(text);
    }
  });

  test('self-contained: a CSP that forbids every fetch, no script, no external reference; user text is escaped', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP.replace(/'/g, '&#39;')}">`);
    expect(REPORT_CSP).toMatch(/^default-src 'none'/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\(|@import/i);
    expect([...html.matchAll(/(?:href|src)="([^"]*)"/g)].every((m) => m[1]!.startsWith('#'))).toBe(true);
    expect(html).toContain('a &lt;b&gt;warning&lt;/b&gt; with markup &amp; an ampersand');
    const evil = renderTier4Html(toReportDocument(sampleRunReport({ '<script>alert(1)</script>': sampleTier4Report() })));
    expect(evil).not.toContain('<script>');
    expect(evil).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  test("the export's notes are in its export section, escaped; a dict without them (written before) renders none", () => {
    const report = sampleTier4Report();
    report.model.export_notes = ['the model was quantized before export (quantized modules: Linear (dynamic)) & <more>'];
    const page = renderTier4Html(toReportDocument(report));
    const section = /data-role="export">[\s\S]*?<\/section>/.exec(page)![0];
    expect(section).toContain('<div>export note</div><div>the model was quantized before export (quantized modules: Linear (dynamic)) &amp; &lt;more&gt;</div>');
    delete report.model.export_notes;
    expect(renderTier4Html(toReportDocument(report))).not.toContain('export note');
  });

  test('a single Tier 4 dict (tier4 validate --html) renders with its model as the title', () => {
    const one = renderTier4Html(toReportDocument(sampleTier4Report(), { source: 'tier4 validate 0.1.0', generatedAt: '2026-12-01T10:00:00Z' }));
    expect(one).toContain('<title>Tier 4 report: simple_cnn: ok</title>');
    expect(charts(one, 'abs-diff')).toHaveLength(2);
    expect(one).toContain('tier4 validate 0.1.0');
  });

  test('an output of the wrong shape in every sample: its figure shows no difference ("-"), never a perfect 0', () => {
    const wrong = structuredClone(sampleTier4Report());
    const mismatch = checkParity({ dtype: 'float32', shape: [1, 9], data: new Float32Array(9) }, { dtype: 'float32', shape: [1, 10], data: new Float32Array(10) }, 1e-4);
    for (const s of Object.values(wrong.parity_report['torchscript']!)) s.outputs['logits']!.parity = mismatch;
    const page = renderTier4Html(toReportDocument(wrong));
    expect(page.match(/max <b>-<\/b>/g)).toHaveLength(1);
    expect(page.match(/mean <b>-<\/b>/g)).toHaveLength(1);
    // the ONNX output, compared, keeps its figures
    expect(renderTier4Html(toReportDocument(sampleTier4Report()))).not.toMatch(/max <b>-<\/b>/);
  });

  test('a dict without histograms (written before they existed) says so instead of drawing an empty chart', () => {
    const old = structuredClone(sampleTier4Report());
    for (const samples of Object.values(old.parity_report)) for (const s of Object.values(samples)) delete s.outputs['logits']!.parity!.abs_diff_histogram;
    const page = renderTier4Html(toReportDocument(old));
    expect(charts(page, 'abs-diff')).toHaveLength(0);
    expect(page).toContain('No |a − r| distribution was recorded for this output');
  });

  test('anything else is a TypeError naming what was expected', () => {
    expect(() => toReportDocument({ foo: 1 } as never)).toThrow(
      new TypeError("toReportDocument: expected a Tier 4 run report (kind 'vitest-tier4-run') or a Tier 4 dict (formats, model), received object"),
    );
    expect(() => toReportDocument(null as never)).toThrow(/received null/);
  });
});

describe('Markdown step summary', () => {
  test('says where the error of each format that is not ok is, readable without the HTML', () => {
    const failing = sampleTier4Report({ failOnnx: true });
    const text = renderMarkdownSummary(sampleRunReport({ simple_cnn: failing }), '/x/tier4-report.json', '/x/tier4-report.html');
    const w = failing.formats['onnx']!.worst!;
    expect(text).toContain('#### Where the error is');
    expect(text).toContain(`- **simple_cnn / onnx** fail: parity failed in 1/3 sample(s); worst |a − r| ${w.max_abs_diff.toExponential(2).replace('e+', 'e')} at [${w.index!.join(', ')}] of \`logits\` in ${w.sample}`);
    expect(text).not.toContain('simple_cnn / torchscript');
    expect(text).toContain('HTML report (charts): `/x/tier4-report.html`');
    expect(text).not.toContain('#### Layers');
    const withLayers = renderMarkdownSummary(sampleRunReport({ simple_cnn: sampleTier4Report({ layers: true }) }), null);
    expect(withLayers).toContain(
      '#### Layers\n\n- **simple_cnn / onnx**: drift origin `layer2.conv`: divergence born at layer2.conv (local 2.90e-3); worst layers: ' +
        '`layer2.conv` (local 2.90e-3, accumulated 4.50e-3), `fc2` (local 3.00e-7, accumulated 6.30e-3), `layer1.conv` (local 3.00e-7, accumulated 6.00e-7)\n',
    );
  });
});

describe('writeTier4Html', () => {
  test('writes the page atomically (no temporary file left) and returns the absolute path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tier4-html-'));
    dirs.push(dir);
    const path = await writeTier4Html(join(dir, 'nested', 'report.html'), sampleTier4Report());
    expect(path).toBe(join(dir, 'nested', 'report.html'));
    expect(await readFile(path, 'utf8')).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(await readdir(join(dir, 'nested'))).toEqual(['report.html']);
  });

  test('a directory as the path is refused naming a file to use', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tier4-html-'));
    dirs.push(dir);
    await mkdir(join(dir, 'out'));
    await expect(writeTier4Html(join(dir, 'out'), sampleTier4Report())).rejects.toThrow(
      `Cannot write Tier 4 report to ${join(dir, 'out')}: it is a directory; give a file path such as ${join(dir, 'out', 'tier4-report.html')}`,
    );
  });

  test('the HTML goes next to the JSON', () => {
    expect(htmlPathFor('tier4-report.json')).toBe('tier4-report.html');
    expect(htmlPathFor('out/Run.JSON')).toBe('out/Run.html');
    expect(htmlPathFor('out/report')).toBe('out/report.html');
  });
});

describe('Tier4Reporter htmlFile option', () => {
  test('defaults next to outputFile, follows outputFile: false, and rejects a bad value naming it', async () => {
    const { default: Tier4Reporter } = await import('../../src/reporter/index.js');
    expect(new Tier4Reporter().options.htmlFile).toBe('tier4-report.html');
    expect(new Tier4Reporter({ outputFile: 'out/run.json' }).options.htmlFile).toBe('out/run.html');
    expect(new Tier4Reporter({ outputFile: false }).options.htmlFile).toBe(false);
    expect(new Tier4Reporter({ outputFile: false, htmlFile: 'only.html' }).options.htmlFile).toBe('only.html');
    expect(() => new Tier4Reporter({ htmlFile: '' })).toThrow(new TypeError('Tier4Reporter: option "htmlFile" expected a non-empty file path (string) or false, received ""'));
    expect(() => new Tier4Reporter({ htmlFile: 3 as never })).toThrow('Tier4Reporter: option "htmlFile" expected a non-empty file path (string) or false, received 3');
  });
});
