import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.serverless/', '.esbuild/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // zod classic's methods keep its whole library in the bundle (450 kB); product code reads zod/mini
    // through lib/zod.ts, which also gives it English messages.
    files: ['lib/**/*.ts', 'functions/**/*.ts'],
    ignores: ['lib/zod.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'zod', message: 'import * as z from lib/zod (zod/mini with English messages)' }],
          patterns: [{ group: ['zod/*'], message: 'import * as z from lib/zod (zod/mini with English messages)' }],
        },
      ],
    },
  },
  {
    // CommonJS by necessity: osls loads infra/stack.cjs, esbuild aliases infra/shims/*.cjs.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['scripts/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
