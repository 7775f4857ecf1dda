/**
 * The report room: one verdict (a reporter run report or a single Tier 4 dict) rendered as a
 * self-contained HTML page or as Markdown, and written through the one atomic writer.
 *
 * @packageDocumentation
 */
export { toReportDocument } from './document.js';
export type { Tier4ReportDocument } from './document.js';
export { collectEnvironment } from './environment.js';
export type { Tier4Environment } from './environment.js';
export { renderTier4Html, REPORT_CSP } from './html/page.js';
export { DEFAULT_HTML_FILE, htmlPathFor, writeTier4Html } from './write.js';
export { renderMarkdownSummary } from './markdown.js';
