// The demo's messy dataset (demo-workspace/messy-data, README step 8) shows what "Check Dataset" finds: each of the
// problems it was made with is reported, on the file (and line) it was made in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkDataset } from '../../src/core/dataset/checkDataset';
import { sourceOfFolder } from '../../src/core/dataset/sources';
import { repoRoot } from './repoRoot';

const dir = join(repoRoot(), 'demo-workspace', 'messy-data');

test('the messy demo dataset shows a corrupt image, a non-image, a duplicate, bad and dangling metadata lines, an empty caption, a crop loss', async () => {
  const source = await sourceOfFolder(dir);
  assert.equal(source.kind, 'imagefolder');
  const report = await checkDataset(source, { resolution: 1024, centerCrop: false, randomFlip: false });
  const found = new Set(report.findings.map((f) => `${f.code} ${f.file.slice(dir.length + 1)}${f.line ? `:${f.line}` : ''}`));
  for (const expected of [
    'corrupt-image truncated.png',
    'not-an-image notes.png',
    'metadata-bad-line metadata.jsonl:4',
    'metadata-missing-file metadata.jsonl:9',
    'no-caption metadata.jsonl:2',
    'crop-loss panorama.png',
    'too-small cat-wide.png',
    // The copy, not the original: the first in the listing is kept.
    'duplicate cat-square_copy.png',
  ]) {
    assert.ok(found.has(expected), `${expected} in ${[...found].join(', ')}`);
  }
  assert.ok(!found.has('duplicate cat-square.png'));
});
