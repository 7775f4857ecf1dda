/**
 * The HTML report in a real browser (headless Chromium): it loads with no request and no console error,
 * every chart is drawn and holds the numbers of the JSON, and a screenshot is kept as a test artifact
 * (test/browser/artifacts/, gitignored; attached to the test with an annotation).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeTier4Html } from '../../src/report/write.js';
import { sampleRunReport, sampleTier4Report } from '../report/sample.js';
import { launchChromium, openRecorded } from './chromium.js';
import { inspectReport } from './inspect.js';

const artifacts = fileURLToPath(new URL('./artifacts/', import.meta.url));
let browser: Browser;
let dir: string;

const models = {
  simple_cnn: sampleTier4Report({ failOnnx: true, layers: true }),
  'lm_stub-dynamic': sampleTier4Report({ quantized: true, name: 'lm_stub' }),
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tier4-browser-'));
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the HTML report in headless Chromium', () => {
  test('loads offline with no request and no console error; every chart is drawn and holds the JSON numbers', async ({ annotate }) => {
    const path = await writeTier4Html(join(dir, 'tier4-report.html'), sampleRunReport(models));
    const url = pathToFileURL(path).href;
    const { page, activity } = await openRecorded(browser, url);
    expect(await inspectReport(page, activity, models)).toEqual([]);
    expect(await page.title()).toBe('Tier 4 report: fail');
    // the screenshot, kept as an artifact of the test
    await mkdir(artifacts, { recursive: true });
    const shot = join(artifacts, 'html-report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect((await readFile(shot)).subarray(1, 4).toString()).toBe('PNG');
    await annotate('screenshot of the HTML report', { path: shot, contentType: 'image/png' });
    await page.close();
  });

  test('a page that makes a request, or whose chart is empty, incomplete or missing, is caught', async () => {
    const good = await readFile(await writeTier4Html(join(dir, 'good.html'), sampleRunReport(models)), 'utf8');
    // 1. a request: the CSP refuses it (console error), and without the CSP the request itself is seen
    const withImage = good.replace('<footer>', '<footer><img src="http://127.0.0.1:9/pixel.png" alt="">');
    const csp = join(dir, 'request-csp.html');
    await writeFile(csp, withImage);
    const a = await openRecorded(browser, pathToFileURL(csp).href);
    expect((await inspectReport(a.page, a.activity, models)).join('\n')).toMatch(/console error: .*Content Security Policy/);
    await a.page.close();
    const open = join(dir, 'request-open.html');
    await writeFile(open, withImage.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ''));
    const b = await openRecorded(browser, pathToFileURL(open).href);
    expect(await inspectReport(b.page, b.activity, models)).toContain('the page made a request: http://127.0.0.1:9/pixel.png');
    await b.page.close();
    // 2. an empty chart: every bar of one chart at count 0 / height 0
    let first = true;
    const emptied = good.replace(/<svg[^>]*data-chart="abs-diff"[\s\S]*?<\/svg>/, (svg) => {
      if (!first) return svg;
      first = false;
      return svg.replace(/height="[\d.]+" data-exp/g, 'height="0" data-exp');
    });
    const empty = join(dir, 'empty.html');
    await writeFile(empty, emptied);
    const c = await openRecorded(browser, pathToFileURL(empty).href);
    expect(await inspectReport(c.page, c.activity, models)).toContain('the |a - r| chart of simple_cnn onnx logits is empty: no visible bar');
    await c.page.close();
    // 3. a chart that lost a format: named
    const missing = join(dir, 'missing.html');
    await writeFile(missing, good.replace(/<svg[^>]*data-chart="abs-diff"[^>]*data-model="lm_stub-dynamic" data-format="torchscript"[\s\S]*?<\/svg>/, ''));
    const d = await openRecorded(browser, pathToFileURL(missing).href);
    expect(await inspectReport(d.page, d.activity, models)).toEqual(['no |a - r| chart for lm_stub-dynamic torchscript logits']);
    await d.page.close();
    // 4. a layers chart that lost a point: counted against the layers in the JSON
    const lost = join(dir, 'lost-point.html');
    await writeFile(lost, good.replace(/<circle class="[^"]+"[^>]*data-series="local" data-layer="fc2"[^>]*>[\s\S]*?<\/circle>/, ''));
    const e = await openRecorded(browser, pathToFileURL(lost).href);
    expect(await inspectReport(e.page, e.activity, models)).toEqual([
      'the layers chart of simple_cnn onnx has 11 accumulated and 10 local points, the JSON 11 and 11',
      'the layers chart of simple_cnn onnx draws 21 of its 22 points',
    ]);
    await e.page.close();
  });
});
