import tseslint from 'typescript-eslint';
import layers from './eslint/layers.mjs';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'test-results/**', 'test/fixtures/**/*.py'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Plain CommonJS helper scripts run by node directly.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The core is plain Node: it must never depend on the VS Code API, so the CLI and unit tests can run it.
    files: ['src/core/**/*.ts', 'src/shared/**/*.ts', 'src/cli.ts', 'src/cli/**/*.ts', 'src/wrapper.ts', 'src/validateWorker.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'vscode',
              message: 'Only src/extension may import vscode: the core, shared code, the CLI, the wrapper and the validation worker run on plain Node.',
            },
          ],
        },
      ],
    },
  },
  {
    // The extension host and the core it runs never block on a child process: a sync spawn freezes every editor
    // feature until the child exits (processTree.ts polls ps/PowerShell on every liveness check). No exceptions:
    // tests and build scripts, which may wait, are outside these folders.
    files: ['src/extension/**/*.ts', 'src/core/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          'ImportSpecifier[imported.name=/^(spawnSync|execSync|execFileSync)$/]',
          'MemberExpression[property.name=/^(spawnSync|execSync|execFileSync)$/]',
        ].map((selector) => ({
          selector,
          message:
            'No synchronous process calls (spawnSync, execSync, execFileSync) on the extension host or in the core: use spawn/execFile with a timeout and an output cap, and await it.',
        })),
      ],
    },
  },
  {
    // The dashboard types its elements (webview/src/dom.ts: checkbox, singleSelect): a double cast hides a wrong one.
    files: ['webview/src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "TSAsExpression[expression.type='TSAsExpression'][expression.typeAnnotation.type='TSUnknownKeyword']",
          message: 'No `as unknown as` casts in the webview: use a typed element helper (webview/src/dom.ts) or check the value.',
        },
      ],
    },
  },
  {
    // Which folder may import which (eslint/layers.mjs; docs/ARCHITECTURE.md#layers).
    files: ['src/**/*.ts', 'webview/src/**/*.ts'],
    plugins: { sdxl: layers },
    rules: { 'sdxl/layers': 'error' },
  },
  {
    // Process and liveness checks are async (processTree.ts): a Promise where a boolean is expected is always true, so
    // "is the run alive?" would always say yes. The type-aware rule finds a missing await in conditions and arguments.
    files: ['src/**/*.ts', 'test/**/*.ts'],
    ignores: ['test/fixtures/**'],
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }] },
  },
);
