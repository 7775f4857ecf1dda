import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const IMPORT = /(?:import|export)[^'"]*from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]|import\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]/g;

/** The module specifiers `src` imports or re-exports from. */
function importsOf(src: string): string[] {
  return [...src.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
}

// The one module of the fixtures package the parity core may import: the dtype table and tensor type.
const TENSOR_MODULE = 'vitest-tier4-fixtures/tensor';

// src/parity is the part every other room trusts: it must not import Vitest, a runtime or Node I/O.
test('src/parity imports nothing but itself and the pure dtype table (vitest-tier4-fixtures/tensor)', () => {
  const dir = fileURLToPath(new URL('../../src/parity/', import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  expect(files.length).toBeGreaterThan(5);
  const offending: string[] = [];
  for (const f of files) {
    for (const spec of importsOf(readFileSync(dir + f, 'utf8'))) {
      if (!spec.startsWith('./') && spec !== TENSOR_MODULE) offending.push(`${f}: ${spec}`);
    }
  }
  expect(offending).toEqual([]);
});

test('the dtype table the parity core imports imports nothing itself', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../fixtures/package.json', import.meta.url), 'utf8')) as {
    exports: Record<string, { default: string }>;
  };
  expect(pkg.exports['./tensor']?.default).toBe('./dist/tensor.js');
  const src = readFileSync(new URL('../../../fixtures/src/tensor.ts', import.meta.url), 'utf8');
  expect(importsOf(src)).toEqual([]);
});
