// Code comments, fixtures and docs cite sections of docs/worker-formats.md (`docs/worker-formats.md#checkpoints`);
// a renamed heading would leave them pointing nowhere. Also: nothing cites files outside the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from './repoRoot';

const root = repoRoot();

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name.startsWith('.')) return [];
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|py|md|mjs)$/.test(name) ? [p] : [];
  });
}

/** GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(): Set<string> {
  const doc = readFileSync(join(root, 'docs', 'worker-formats.md'), 'utf8');
  return new Set([...doc.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1] ?? '')));
}

/** Every file that may cite, but this test (it names the patterns it looks for). */
const sources = (): string[] =>
  ['src', 'test', 'scripts', 'docs', 'webview']
    .flatMap((d) => files(join(root, d)))
    .concat(join(root, 'README.md'))
    .filter((f) => relative(root, f) !== join('test', 'unit', 'docsCitations.test.ts'));

test('every docs/worker-formats.md#section cited in the repository is a heading of that file', () => {
  const known = anchors();
  assert.ok(known.has('checkpoints') && known.has('progress-bar'), [...known].join(', '));
  const cited: string[] = [];
  const broken: string[] = [];
  for (const f of sources()) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/worker-formats\.md#([\w-]+)/g)) {
      cited.push(m[1] ?? '');
      if (!known.has(m[1] ?? '')) broken.push(`${relative(root, f)}: #${m[1]}`);
    }
    // The doc's own links between its sections, and `#a, #b` lists after a citation.
    if (f.endsWith('worker-formats.md')) {
      for (const m of text.matchAll(/\]\(#([\w-]+)\)/g)) if (!known.has(m[1] ?? '')) broken.push(`docs/worker-formats.md: (#${m[1]})`);
    }
    for (const m of text.matchAll(/worker-formats\.md#[\w-]+((?:, #[\w-]+)+)/g)) {
      for (const a of (m[1] ?? '').split(', #').slice(1)) if (!known.has(a)) broken.push(`${relative(root, f)}: #${a}`);
    }
  }
  assert.ok(cited.length >= 10, `only ${cited.length} citations found`);
  assert.deepEqual(broken, []);
});

test('nothing in the repository cites the reference notes outside it', () => {
  const offenders = sources().filter((f) =>
    /\.\.\/shared\/reference|sdxl_script_behaviour\.md|performance-anchors\.md|fact sheet|behaviour sheet|§\d/i.test(readFileSync(f, 'utf8')),
  );
  assert.deepEqual(
    offenders.map((f) => relative(root, f)),
    [],
  );
});

test('every repository path the docs name (src/…, test/…, scripts/…, docs/…) exists, so a moved file leaves no stale doc', () => {
  const docs = [join(root, 'README.md'), ...files(join(root, 'docs')).filter((f) => f.endsWith('.md'))];
  const missing: string[] = [];
  for (const f of docs) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/`((?:src|test|scripts|docs|webview)\/[\w./-]+\.(?:ts|mjs|cjs|json|py|md))`/g)) {
      const path = m[1] ?? '';
      // A path in another repository is written after its name: kohya-ss/sd-scripts `docs/train_SDXL-en.md`.
      if (path.includes('*') || /[\w-]+\/[\w-]+ $/.test(text.slice(Math.max(0, (m.index ?? 0) - 40), m.index))) continue;
      // ARCHITECTURE.md names core files by stage (`scripts/profiles.ts` is src/core/scripts/profiles.ts).
      const exists = [join(root, path), join(root, 'src', 'core', path)].some((p) => {
        try {
          return statSync(p).isFile();
        } catch {
          return false;
        }
      });
      if (!exists) missing.push(`${relative(root, f)}: ${path}`);
    }
  }
  assert.deepEqual(missing, []);
});
