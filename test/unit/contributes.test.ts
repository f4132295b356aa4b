// package.json and the code must agree: every contributed command is registered (the command table, registered
// with a fake VS Code), every registered command is contributed, and menus and views point only at things that exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWithFakeVscode } from './fakeVscode';
import type * as CommandTableModule from '../../src/extension/commandTable';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// The command table registered as the extension does, with a fake VS Code that records each registerCommand id.
const { exports: table, registered: registeredIds } = loadWithFakeVscode<typeof CommandTableModule>('../../src/extension/commandTable');
const stub = new Proxy({}, { get: () => () => undefined });
table.registerCommands(
  table.createCommands({
    runs: stub,
    dashboard: stub,
    diagnostics: stub,
    launchCommand: stub,
    estimates: stub,
    reveal: () => undefined,
  } as unknown as CommandTableModule.CommandTargets),
  () => undefined,
);
const registered = new Set<string>(registeredIds);
const internal = new Set<string>(table.INTERNAL_COMMANDS);
const contributed = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));

test('commands are registered once each, from the one table', () => {
  assert.equal(registeredIds.length, registered.size, `registered twice: ${registeredIds.filter((id, i) => registeredIds.indexOf(id) !== i).join(', ')}`);
  assert.ok(registered.size > 0);
});

test('every contributed command is registered', () => {
  assert.deepEqual(
    [...contributed].filter((c) => !registered.has(c)),
    [],
  );
});

test('every registered command is contributed (or internal, and listed as such)', () => {
  assert.deepEqual(
    [...registered].filter((c) => !contributed.has(c) && !internal.has(c)),
    [],
  );
  assert.deepEqual(
    [...internal].filter((c) => contributed.has(c) || !registered.has(c)),
    [],
    'internal commands are registered and not contributed',
  );
});

test('menus name only contributed commands and views', () => {
  const views = new Set<string>(
    Object.values(pkg.contributes.views)
      .flat()
      .map((v) => (v as { id: string }).id),
  );
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
  assert.deepEqual(
    programs.map(([name]) => name),
    ['sdxl.nvidiaSmiPath'],
  );
  for (const [name, s] of programs) assert.equal(s.restricted, true, name);
});
