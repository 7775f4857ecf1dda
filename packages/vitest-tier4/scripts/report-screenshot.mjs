#!/usr/bin/env node
// Screenshots a written Tier 4 HTML report in headless Chromium (Debian's `chromium`, or TIER4_CHROMIUM),
// for the pictures in docs/html-report.md. It also prints what the page did while loading: any
// request (there must be none), console errors, and the charts and model sections it holds.
//
//   node scripts/report-screenshot.mjs <report.html> <out.png> [css selector] [height=1830]
//
// Without a selector, the top of the page at 1280 x height px; with one, that element alone
// (e.g. '[data-role="layers"]'). Exits 1 when the page made a request or logged an error.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [html, png, selector, height = '1830'] = process.argv.slice(2);
if (!html || !png) {
  console.error('usage: node scripts/report-screenshot.mjs <report.html> <out.png> [css selector] [height]');
  process.exit(2);
}
const executablePath = process.env['TIER4_CHROMIUM'] ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`no Chromium at ${executablePath}: apt-get install -y --no-install-recommends chromium, or set TIER4_CHROMIUM`);
  process.exit(2);
}
const url = pathToFileURL(resolve(html)).href;
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'], timeout: 60_000 });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: Number(height) } });
  const requests = [];
  const errors = [];
  await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : (requests.push(route.request().url()), route.abort())));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { timeout: 60_000 });
  const charts = await page.$$eval('svg.chart', (all) => all.map((s) => s.getAttribute('data-chart')));
  const count = {};
  for (const c of charts) count[c] = (count[c] ?? 0) + 1;
  const models = await page.$$eval('section.model', (all) => all.map((s) => s.getAttribute('data-model')));
  if (selector) {
    const target = await page.$(selector);
    if (!target) throw new Error(`no element matches ${selector} in ${html}`);
    await target.screenshot({ path: png });
  } else {
    await page.screenshot({ path: png });
  }
  console.log(JSON.stringify({ png, models, charts: count, requests, errors }));
  if (requests.length > 0 || errors.length > 0) process.exitCode = 1;
} finally {
  await browser.close();
}
