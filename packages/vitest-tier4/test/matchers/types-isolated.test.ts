import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

// The main typecheck compiles every test together, so augmentations leak between files there. This compiles a
// consumer that imports only 'vitest-tier4/setup' on its own (against the built dist/, so run after the build).
test('importing vitest-tier4/setup alone types the matchers and task.meta.tier4', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const project = fileURLToPath(new URL('./setup-only/tsconfig.json', import.meta.url));
  let output = '';
  try {
    execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8', timeout: 120_000 });
  } catch (err) {
    output = String((err as { stdout?: string }).stdout ?? err);
  }
  expect(output).toBe('');
}, 120_000);
