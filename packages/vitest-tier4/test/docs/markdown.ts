/**
 * The fenced code blocks of a Markdown file, for the tests that keep the docs true (the docs
 * code-block test, the install test). Only top-level ``` fences are read; an info string's first
 * word is the language and the rest its tags (```ts run).
 */
import { readFileSync } from 'node:fs';

/** One fenced code block. */
export interface CodeBlock {
  /** The Markdown file. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word (`ts`, `sh`, `yaml`, ...), '' for none. */
  lang: string;
  /** The info string's other words (`run`, `no-check`). */
  tags: string[];
  /** The block's text, ending with a newline. */
  code: string;
}

/** Every fenced code block of `file`, in order. Throws naming the line of a fence that is never closed. */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [lang = '', ...tags] = open[2]!.trim().split(/\s+/).filter(Boolean);
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith(open[1]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`${file}:${start + 1}: code fence never closed`);
    blocks.push({ file, line: start + 1, lang, tags, code: body.join('\n') + '\n' });
  }
  return blocks;
}

/** The one block whose first line is `firstLine` (a `// path` or `# path` comment); throws when there is not exactly one. */
export function blockStartingWith(blocks: CodeBlock[], firstLine: string): CodeBlock {
  const found = blocks.filter((b) => b.code.split('\n')[0]!.trim() === firstLine);
  if (found.length !== 1) throw new Error(`expected one code block starting with ${JSON.stringify(firstLine)} in ${blocks[0]?.file ?? 'the file'}, found ${found.length}`);
  return found[0]!;
}
