/**
 * Headless Chromium for the browser tests: Debian's `chromium` (installed by `npm test`'s set-up), driven by
 * playwright-core through its executable path; no browser is downloaded.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where a Chromium is looked for: `TIER4_CHROMIUM`, then the Debian path, then PATH. */
export function chromiumCandidates(): string[] {
  const list: string[] = [];
  if (process.env['TIER4_CHROMIUM']) list.push(process.env['TIER4_CHROMIUM']);
  list.push('/usr/bin/chromium');
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    for (const dir of (process.env['PATH'] ?? '').split(delimiter)) if (dir) list.push(join(dir, name));
  }
  return [...new Set(list)];
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Starts headless Chromium.
 *
 * @throws Error saying how to install one when none is found.
 */
export async function launchChromium(): Promise<Browser> {
  const tried = chromiumCandidates();
  const executablePath = tried.find(isExecutable);
  if (!executablePath) {
    throw new Error(
      `the browser tests need Chromium and found none (tried ${tried.slice(0, 3).join(', ')} and PATH). ` +
        'Install it with `apt-get install -y --no-install-recommends chromium` (npm test does this when run as root), ' +
        'or set TIER4_CHROMIUM to a Chromium or Chrome executable.',
    );
  }
  // --no-sandbox: the tests may run as root (CI here), where Chromium refuses its sandbox.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'], timeout: 60_000 });
}

/** What a page did while it loaded: every request after the document itself, console errors, page errors. */
export interface PageActivity {
  requests: string[];
  consoleErrors: string[];
  pageErrors: string[];
}

/**
 * Opens `url` in a new page, recording its activity. Any request other than the document itself is
 * recorded and aborted, so a broken page cannot reach the network even in a test.
 */
export async function openRecorded(browser: Browser, url: string): Promise<{ page: Page; activity: PageActivity }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const activity: PageActivity = { requests: [], consoleErrors: [], pageErrors: [] };
  await page.route('**/*', async (route) => {
    if (route.request().url() === url) return route.continue();
    activity.requests.push(route.request().url());
    return route.abort();
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') activity.consoleErrors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => activity.pageErrors.push(error.message));
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  return { page, activity };
}
