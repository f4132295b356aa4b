// The .vsix ships what .vscodeignore allow-lists. The bundles leave the build's `external` packages out, so each of
// those that the sources import has to ship from node_modules, with everything it loads in turn (its dependencies and
// the optional ones installed here, e.g. sharp's @img/* binaries); otherwise the packaged extension fails at its first
// `require`. Checked against the files themselves, so a new external or a new dependency of one cannot be forgotten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from './repoRoot';
import { GENERATE_SCRIPT } from '../../src/core/generate/types';

const root = repoRoot();

/** A .vscodeignore pattern as vsce reads the forms used here: `**` any depth, `*` within one name, the rest literal. */
function globRegExp(glob: string): RegExp {
  const body = glob
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

interface Rule {
  negated: boolean;
  re: RegExp;
}

function ignoreRules(): Rule[] {
  const lines = readFileSync(join(root, '.vscodeignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return lines.map((l) => {
    const negated = l.startsWith('!');
    const glob = negated ? l.slice(1) : l;
    assert.match(glob, /^[\w@./*-]+$/, `.vscodeignore line ${JSON.stringify(l)} uses a form this test does not read`);
    return { negated, re: globRegExp(glob) };
  });
}

/**
 * Whether vsce packs the path: when no ignore pattern matches it, or any `!` pattern does, in whatever order (vsce's
 * package.js splits the file into the two lists; a later ignore line cannot take back a `!` line).
 */
function shipped(rules: Rule[], path: string): boolean {
  return !rules.some((r) => !r.negated && r.re.test(path)) || rules.some((r) => r.negated && r.re.test(path));
}

function buildExternals(): string[] {
  const m = /const external = \[([^\]]*)\]/.exec(readFileSync(join(root, 'scripts', 'build.mjs'), 'utf8'));
  assert.ok(m?.[1], 'scripts/build.mjs declares `const external = [...]`');
  return [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1] ?? '');
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function importedBySources(pkg: string): boolean {
  const escaped = pkg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const re = new RegExp(`(?:\\bfrom\\s+|\\bimport\\s*\\(?\\s*|\\brequire\\(\\s*)['"]${escaped}(?:/[^'"]*)?['"]`);
  return files(join(root, 'src')).some((f) => f.endsWith('.ts') && re.test(readFileSync(f, 'utf8')));
}

/**
 * Dependencies a package declares but loads only from its install script, never at run time; checked below against
 * the package's shipped files. onnxruntime-node's script/install.js fetches CUDA binaries with adm-zip and global-agent.
 */
const INSTALL_ONLY: Readonly<Record<string, readonly string[]>> = { 'onnxruntime-node': ['adm-zip', 'global-agent'] };

/**
 * Files of a shipped package that are not loaded at run time, left out on purpose (.vscodeignore says why): the native
 * binaries of other platforms (this .vsix is linux-x64), the install script, the TypeScript sources, the readme.
 */
const NOT_AT_RUN_TIME = /^node_modules\/onnxruntime-node\/(bin\/napi-v\d+\/(?!linux\/x64\/)|script\/|lib\/|dist\/.*\.(d\.ts|map)$|README\.md$)/;

/** The package and every package it loads at run time that is installed here (a missing optional one is not). */
function runtimeClosure(pkg: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string, optional: boolean): void => {
    if (seen.has(name)) return;
    const manifest = join(root, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) {
      assert.ok(optional, `${name}, which ${pkg} loads, is not installed`);
      return;
    }
    seen.add(name);
    const json = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys(json.dependencies ?? {})) if (!INSTALL_ONLY[name]?.includes(dep)) visit(dep, false);
    for (const dep of Object.keys(json.optionalDependencies ?? {})) visit(dep, true);
  };
  visit(pkg, false);
  return [...seen];
}

test('every external package the sources import ships in the .vsix, with all it loads at run time', () => {
  const rules = ignoreRules();
  const externals = buildExternals().filter((p) => p !== 'vscode');
  const imported = externals.filter(importedBySources);
  assert.ok(imported.includes('sharp'), `sharp is imported (src/core/imageGrid.ts); externals found: ${externals.join(', ')}`);
  const missing: string[] = [];
  for (const pkg of imported) {
    for (const dep of runtimeClosure(pkg)) {
      const unshipped = files(join(root, 'node_modules', dep))
        .map((f) => relative(root, f).split('\\').join('/'))
        .filter((f) => !shipped(rules, f) && !NOT_AT_RUN_TIME.test(f));
      if (unshipped.length > 0) missing.push(`${dep} (needed by ${pkg}): ${unshipped.length} files left out, e.g. ${unshipped[0]}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('install-only dependencies are not required by any shipped file of their package; other platforms stay out', () => {
  const rules = ignoreRules();
  for (const [pkg, deps] of Object.entries(INSTALL_ONLY)) {
    const shippedFiles = files(join(root, 'node_modules', pkg)).filter(
      (f) => shipped(rules, relative(root, f).split('\\').join('/')) && /\.(c?js|mjs)$/.test(f),
    );
    assert.ok(shippedFiles.length > 0, `${pkg} ships`);
    for (const f of shippedFiles) {
      const text = readFileSync(f, 'utf8');
      for (const dep of deps) {
        const loads = new RegExp(`require\\(\\s*['"]${dep}['"]|from\\s+['"]${dep}['"]`).test(text);
        assert.ok(!loads, `${relative(root, f)} loads ${dep}`);
      }
    }
  }
  assert.ok(shipped(rules, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node'));
  assert.ok(!shipped(rules, 'node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime_binding.node'));
  assert.ok(!shipped(rules, 'node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/libonnxruntime.1.30.0.dylib'));
});

test('the bundles and the extension manifest ship; sources, tests and the rest of node_modules do not', () => {
  const rules = ignoreRules();
  for (const p of [
    'dist/extension.js',
    'dist/cli.js',
    'dist/wrapper.js',
    'dist/validateWorker.js',
    'dist/clipWorker.js',
    'dist/webview/dashboard.js',
    'dist/webview/datasetPreview.js',
    'package.json',
    'schemas/full.schema.json',
  ]) {
    assert.ok(shipped(rules, p), `${p} is packed`);
  }
  for (const p of [
    'src/core/imageGrid.ts',
    'test/unit/packageContents.test.ts',
    'node_modules/typescript/package.json',
    'dist/sdxl-trainer.vsix',
    '.sdxl/runs/x/run.json',
  ]) {
    assert.ok(!shipped(rules, p), `${p} is left out`);
  }
});

test("the walkthrough's media files ship in the .vsix", () => {
  const rules = ignoreRules();
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as {
    contributes: { walkthroughs: Array<{ steps: Array<{ media: { markdown?: string; image?: string } }> }> };
  };
  const media = pkg.contributes.walkthroughs.flatMap((w) => w.steps.map((s) => s.media.markdown ?? s.media.image ?? ''));
  assert.ok(media.length >= 5);
  for (const p of media) assert.ok(shipped(rules, p), `${p} is packed`);
});

test('the generation script ships in the .vsix where GENERATE_SCRIPT points', () => {
  const rules = ignoreRules();
  const script = GENERATE_SCRIPT.join('/');
  assert.ok(existsSync(join(root, ...GENERATE_SCRIPT)), `${script} exists`);
  assert.ok(shipped(rules, script), `${script} is packed`);
  assert.ok(!shipped(rules, 'python/__pycache__/sdxl_generate.cpython-311.pyc'), 'compiled Python is left out');
});
