/**
 * Which of this package's modules Vitest should load with Node itself instead of transforming them.
 *
 * Vitest externalises what lives under `node_modules` and inlines everything else: the main process
 * transforms an inlined module with Vite and the test process evaluates it through its module runner.
 * A project that links the packages (a pnpm workspace, `link:`, `file:` of a folder) reaches them
 * through a symlink whose real path has no `node_modules`, so every built module of vitest-tier4 and
 * vitest-tier4-fixtures would be transformed and evaluated that way, in both processes (in this
 * repository's demo, over a second of each process's start; docs/plugin.md has the figures).
 * They are plain ESM that Node runs as they are, so the tier4() plugin lists their `dist/` folders in
 * `test.server.deps.external`. An installed copy (under `node_modules`) is external anyway; the
 * patterns change nothing there. TypeScript sources (this package's own tests run the plugin from
 * `src/`) are never listed: Node cannot run them.
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A pattern matching the built `.js` modules under `dir` (its real path, as Vitest's module ids are),
 * or null when `dir` does not exist.
 */
export function distPattern(dir: string): RegExp | null {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return null;
  }
  const posix = real.replace(/\\/g, '/').replace(/\/$/, '');
  return new RegExp(`^${escapeRegExp(posix)}/.+\\.js(?:\\?.*)?$`);
}

/**
 * The `test.server.deps.external` patterns the tier4() plugin adds: this package's `dist/` when this
 * module runs from it (not from `src/`), and the `dist/` of the vitest-tier4-fixtures package this
 * package resolves (its entry points are all in `dist/`).
 *
 * @param moduleUrl - `import.meta.url` of the plugin module (a parameter for the tests).
 */
export function packageExternals(moduleUrl: string = import.meta.url): RegExp[] {
  const patterns: Array<RegExp | null> = [];
  const file = fileURLToPath(moduleUrl);
  // dist/plugin/externals.js -> dist/
  if (file.endsWith('.js')) patterns.push(distPattern(dirname(dirname(file))));
  let fixturesEntry: string | null = null;
  try {
    fixturesEntry = createRequire(moduleUrl).resolve('vitest-tier4-fixtures');
  } catch {
    // not resolvable from here: nothing to add (the plugin's own import of it names the problem)
  }
  if (fixturesEntry !== null && fixturesEntry.endsWith('.js')) patterns.push(distPattern(dirname(fixturesEntry)));
  return patterns.filter((p): p is RegExp => p !== null);
}
