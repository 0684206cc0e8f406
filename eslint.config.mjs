// Lint rules that keep the layers apart (see docs/architecture in README):
// src/net and src/cli are plain Node and never import `vscode`; src/webview/app is browser code
// and imports neither `vscode` nor Node built-ins.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', '*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/net/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/net and src/cli are plain Node: pass what they need in options.' }] }],
    },
  },
  {
    files: ['src/webview/**/*.ts', 'src/board/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'The webview talks to the host only through src/webview/protocol.ts.' },
            ...nodeBuiltins.map((name) => ({ name, message: 'The webview is browser code.' })),
          ],
        },
      ],
    },
  },
  {
    files: ['src/extension/**/*.ts', 'src/net/**/*.ts', 'src/webview/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
);
