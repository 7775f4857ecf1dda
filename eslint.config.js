// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // metadata-validator.generated.ts: ajv's standalone code (scripts/schema-types.mjs), not written by hand
    ignores: ['**/node_modules/**', '**/dist/**', 'packages/fixtures/src/metadata-validator.generated.ts', 'docs/api/**', '**/coverage/**', '**/.tier4-cache/**', '**/*.d.ts.map'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The parity core is pure: no Vitest, no runtime, no file system. So is the dtype table and tensor type
    // it imports from the fixtures package (vitest-tier4-fixtures/tensor; the package's root reads files).
    files: ['packages/vitest-tier4/src/parity/**/*.ts', 'packages/fixtures/src/tensor.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vitest-tier4-fixtures', message: "src/parity imports only the pure 'vitest-tier4-fixtures/tensor' (the package's root reads files)." },
          ],
          patterns: [
            { group: ['vitest', 'vitest/*', '@vitest/*'], message: 'src/parity must not import Vitest.' },
            { group: ['onnxruntime-*'], message: 'src/parity must not import a runtime.' },
            { group: ['node:*', 'fs', 'fs/*', 'path', 'child_process'], message: 'src/parity must stay pure (no Node I/O).' },
          ],
        },
      ],
    },
  },
);
