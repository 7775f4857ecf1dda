/**
 * Writing the HTML report through the one atomic writer of report files (`tier4/write.ts`).
 */
import type { Tier4RunReport } from '../reporter/types.js';
import { writeReportFile } from '../tier4/write.js';
import type { Tier4Report } from '../tier4/types.js';
import { toReportDocument } from './document.js';
import type { Tier4Environment } from './environment.js';
import { renderTier4Html } from './html/page.js';

/** Default HTML file name, next to the JSON report. */
export const DEFAULT_HTML_FILE = 'tier4-report.html';

/**
 * The HTML path that goes with a JSON report path: `tier4-report.json` -> `tier4-report.html`
 * (any other name gains `.html`).
 */
export function htmlPathFor(jsonPath: string): string {
  return /\.json$/i.test(jsonPath) ? jsonPath.replace(/\.json$/i, '.html') : `${jsonPath}.html`;
}

/**
 * Renders a run report or a Tier 4 dict as the self-contained HTML page and writes it atomically.
 *
 * @param path - destination file (relative paths resolve against the current directory).
 * @param report - a `Tier4RunReport` (the reporter's) or a `Tier4Report` (`runTier4`, `tier4 validate`).
 * @param extra - what the report does not carry itself: the environment, the time, the source.
 * @returns the absolute path written.
 * @throws TypeError when `report` is neither kind; an Error `Cannot write Tier 4 report to <path>: <why>`.
 */
export async function writeTier4Html(
  path: string,
  report: Tier4RunReport | Tier4Report,
  extra: { environment?: Tier4Environment | null; generatedAt?: string; source?: string } = {},
): Promise<string> {
  return writeReportFile(path, renderTier4Html(toReportDocument(report, extra)), DEFAULT_HTML_FILE);
}
