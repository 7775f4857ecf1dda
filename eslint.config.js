// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'docs/api/**', '**/coverage/**', '**/.tier4-cache/**', '**/*.d.ts.map'],
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
    // The parity core is pure: no Vitest, no runtime, no file system.
    files: ['packages/vitest-tier4/src/parity/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
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
