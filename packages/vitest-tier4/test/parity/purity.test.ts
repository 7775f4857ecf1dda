import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

// src/parity is the part every other room trusts: it must not import Vitest, a runtime or Node I/O.
test('src/parity imports nothing but itself', () => {
  const dir = fileURLToPath(new URL('../../src/parity/', import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  expect(files.length).toBeGreaterThan(5);
  const offending: string[] = [];
  for (const f of files) {
    const src = readFileSync(dir + f, 'utf8');
    for (const m of src.matchAll(/(?:import|export)[^'"]*from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]|import\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? m[4] ?? '';
      if (!spec.startsWith('./')) offending.push(`${f}: ${spec}`);
    }
  }
  expect(offending).toEqual([]);
});
