// package.json and the code must agree: every contributed command is registered, every registered command is
// contributed, and menus and views point only at things that exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const registered = new Set<string>();
for (const file of sources(join(root, 'src', 'extension'))) {
  // Commands are registered through SdxlExtension.command(...) or the register(...) callback it hands out.
  for (const m of readFileSync(file, 'utf8').matchAll(/\b(?:command|register|registerCommand)\(\s*'(sdxl\.[\w.]+)'/g)) registered.add(m[1]!);
}
const contributed = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));

test('every contributed command is registered', () => {
  assert.deepEqual([...contributed].filter((c) => !registered.has(c)), []);
});

test('every registered command is contributed', () => {
  assert.deepEqual([...registered].filter((c) => !contributed.has(c)), []);
});

test('menus name only contributed commands and views', () => {
  const views = new Set<string>(Object.values(pkg.contributes.views).flat().map((v) => (v as { id: string }).id));
  for (const [menu, items] of Object.entries(pkg.contributes.menus as Record<string, Array<{ command: string; when?: string }>>)) {
    for (const item of items) {
      assert.ok(contributed.has(item.command), `${menu}: ${item.command} is not contributed`);
      for (const m of (item.when ?? '').matchAll(/view == ([\w.]+)/g)) assert.ok(views.has(m[1]!), `${menu}: unknown view ${m[1]}`);
    }
  }
  for (const w of pkg.contributes.viewsWelcome) assert.ok(views.has(w.view), `welcome for unknown view ${w.view}`);
});

test('every command has a category and a title', () => {
  for (const c of pkg.contributes.commands) {
    assert.equal(c.category, 'SDXL', c.command);
    assert.ok(c.title && !c.title.startsWith('SDXL'), c.command);
  }
});

test('the extension runs where the workspace is (over Remote-SSH/WSL/containers: beside the GPU and the files)', () => {
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.equal(pkg.capabilities.virtualWorkspaces, false);
});

test('a setting that names a program to run is restricted: an untrusted workspace cannot set it', () => {
  const settings = Object.entries(pkg.contributes.configuration.properties as Record<string, { type: string; restricted?: boolean }>);
  const programs = settings.filter(([name, s]) => s.type === 'string' && /Path$/.test(name));
  assert.deepEqual(programs.map(([name]) => name), ['sdxl.nvidiaSmiPath']);
  for (const [name, s] of programs) assert.equal(s.restricted, true, name);
});
