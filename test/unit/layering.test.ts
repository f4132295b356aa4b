// The core, the shared files and the CLI run without VS Code: none may import `vscode` (ESLint enforces the same
// rule while editing; this test keeps it true even where lint is skipped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from './repoRoot';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('src/core, src/shared, the CLI and the webview never import vscode', () => {
  const root = repoRoot();
  const files = [
    ...sources(join(root, 'src', 'core')),
    ...sources(join(root, 'src', 'shared')),
    ...sources(join(root, 'src', 'cli')),
    join(root, 'src', 'cli.ts'),
    join(root, 'src', 'wrapper.ts'),
    join(root, 'src', 'validateWorker.ts'),
    ...sources(join(root, 'webview', 'src')),
  ];
  assert.ok(files.length > 50);
  const offenders = files.filter((f) => /\bfrom\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(
    offenders.map((f) => relative(root, f)),
    [],
  );
});

test('the webview never imports host code other than src/shared', () => {
  const root = repoRoot();
  const offenders = sources(join(root, 'webview', 'src')).filter((f) => /from\s+['"](\.\.\/)+src\/(?!shared\/)/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(
    offenders.map((f) => relative(root, f)),
    [],
  );
});
