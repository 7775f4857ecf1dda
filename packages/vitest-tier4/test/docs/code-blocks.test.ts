/**
 * The TypeScript code blocks of the README and docs/ cannot drift from the code: every ```ts block
 * is written to its own module and type-checked (strict) against the packages as a user imports
 * them (`vitest-tier4`, `vitest-tier4/test`, `vitest-tier4-fixtures`, ...: the built packages, through
 * their exports maps), and the blocks tagged ```ts run are also run.
 *
 * A block that is a fragment of a test names what it uses from around it in an HTML comment right
 * above the fence, which Markdown does not show:
 *
 *     <!-- docs-test prelude: declare const actual: Float32Array; -->
 *
 * The prelude is prepended to the block. A prelude declares names; it must not stand in for an API
 * (that is what the check is for). A `<!-- docs-test epilogue: ... -->` right below the fence is
 * appended: a block that restates a type (an interface sketch) is checked against the exported one
 * there.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { codeBlocks, type CodeBlock } from './markdown.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const PRELUDE = /<!-- docs-test prelude: ([\s\S]*?) -->\s*$/;
const EPILOGUE = /^\s*<!-- docs-test epilogue: ([\s\S]*?) -->/;

interface Snippet extends CodeBlock {
  /** The module the block is written to, relative to the temp dir. */
  module: string;
  /** Lines prepended before the block (its prelude plus `export {}`). */
  offset: number;
}

async function markdownFiles(): Promise<string[]> {
  const docs = (await readdir(join(REPO, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => join(REPO, 'docs', f));
  return [join(REPO, 'README.md'), join(REPO, 'examples', 'README.md'), ...docs.sort()];
}

/** The prelude in the HTML comment that ends right above the fence at `line` (1-based), or ''. */
function preludeOf(text: string[], line: number): string {
  const above = text.slice(Math.max(0, line - 12), line - 1).join('\n');
  return PRELUDE.exec(above)?.[1]?.trim() ?? '';
}

/** The epilogue in the HTML comment that starts right below the closing fence of `block`, or ''. */
function epilogueOf(text: string[], block: CodeBlock): string {
  const closing = block.line + block.code.split('\n').length; // 1-based line of the closing fence
  const below = text.slice(closing, closing + 12).join('\n');
  return EPILOGUE.exec(below)?.[1]?.trim() ?? '';
}

let dir = '';
const snippets: Snippet[] = [];
let diagnostics = '';

beforeAll(async () => {
  // inside the workspace's node_modules/.cache, so the blocks resolve the packages the way a user
  // project does: through node_modules/vitest-tier4 (the root's workspace link) and its exports map
  const cache = join(REPO, 'node_modules', '.cache', 'vitest-tier4');
  await mkdir(cache, { recursive: true });
  dir = await mkdtemp(join(cache, 'docs-blocks-'));
  const { readFileSync } = await import('node:fs');
  for (const file of await markdownFiles()) {
    const text = readFileSync(file, 'utf8').split('\n');
    for (const block of codeBlocks(file).filter((b) => b.lang === 'ts')) {
      const name = `${relative(REPO, file).replace(/[^\w]+/g, '_')}_L${block.line}.ts`;
      const prelude = preludeOf(text, block.line);
      const head = [...(prelude ? [prelude] : []), 'export {};'];
      const epilogue = epilogueOf(text, block);
      await writeFile(join(dir, name), `${head.join('\n')}\n${block.code}${epilogue ? `${epilogue}\n` : ''}`);
      snippets.push({ ...block, module: name, offset: head.join('\n').split('\n').length });
    }
  }
  const tsconfig = {
    compilerOptions: {
      target: 'es2022',
      module: 'esnext',
      moduleResolution: 'bundler',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(REPO, 'node_modules', '@types')],
      // onnxruntime-node is vitest-tier4's dependency; a user adds it at the same version (docs/getting-started.md)
      paths: { 'onnxruntime-node': [join(REPO, 'packages', 'vitest-tier4', 'node_modules', 'onnxruntime-node')] },
    },
    include: ['*.ts'],
  };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  try {
    await run(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { cwd: dir, timeout: 240_000, maxBuffer: 16 << 20 });
  } catch (err) {
    diagnostics = String((err as { stdout?: string }).stdout ?? err);
  }
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** tsc's diagnostics, one string per error with its indented continuation lines. */
function diagnosticEntries(): string[] {
  const entries: string[] = [];
  for (const line of diagnostics.split('\n')) {
    if (line.trim() === '') continue;
    if (/^\s/.test(line) && entries.length > 0) entries[entries.length - 1] += `\n${line}`;
    else entries.push(line);
  }
  return entries;
}

/** tsc's errors for one block, with the Markdown file and line they point at. */
function errorsOf(s: Snippet): string[] {
  const out: string[] = [];
  for (const entry of diagnosticEntries()) {
    const m = /^(.+?)\((\d+),(\d+)\): (error [\s\S]*)$/.exec(entry);
    if (!m || m[1] !== s.module) continue;
    const at = Number(m[2]) - s.offset;
    out.push(`${relative(REPO, s.file)}:${s.line + at}: ${m[4]}`);
  }
  return out;
}

describe('code blocks of the README and docs/', () => {
  test('there are TypeScript blocks to check (the reader found them)', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(30);
    expect(snippets.filter((s) => s.tags.includes('run')).length).toBeGreaterThanOrEqual(2);
  });

  test('every ```ts block type-checks against the packages', () => {
    const errors = snippets.flatMap(errorsOf);
    // tsc output that belongs to no block (a bad tsconfig, a crash) must not pass unseen
    const unattributed = diagnosticEntries().filter((l) => !snippets.some((s) => l.startsWith(`${s.module}(`)));
    expect(unattributed).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('the blocks tagged ```ts run run without throwing', async () => {
    const runnable = snippets.filter((s) => s.tags.includes('run'));
    for (const s of runnable) {
      await expect(import(pathToFileURL(join(dir, s.module)).href), `${relative(REPO, s.file)}:${s.line}`).resolves.toBeDefined();
    }
  });
});
