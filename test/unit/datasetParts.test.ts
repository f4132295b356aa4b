// The dataset check's parts on their own: duplicate grouping (and that it does not compare all pairs), histogram
// buckets, and EXIF-rotated sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDuplicates, type DuplicateStats, type HashedImage } from '../../src/core/dataset/duplicates';
import { inspectImage } from '../../src/core/dataset/inspectImage';
import { aspectBucket, ASPECT_LABELS, resolutionBucket, RESOLUTION_LABELS, summarize } from '../../src/core/dataset/summary';
import { blocks, writePng } from './datasetFixtures';

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

const grey: [number, number, number] = [128, 128, 128];

test('duplicates: exact by hash, near within 6 bits and close colour, never farther', () => {
  const h = (index: number, sha: string, dhash: bigint, mean = grey): HashedImage => ({ index, sha256: sha, dhash, mean });
  const base = 0x0123456789abcdefn;
  const groups = findDuplicates([
    h(0, 'a', base),
    h(1, 'a', base), // exact copy of 0
    h(2, 'b', base ^ 0b111111n), // 6 bits off: near
    h(3, 'c', base ^ (0b1111111n << 20n)), // 7 bits off: not near
    h(4, 'd', base, [200, 128, 128]), // same gradients, different colour: not near
    h(5, 'e', ~base & 0xffffffffffffffffn),
  ]);
  assert.deepEqual(groups, [
    { kind: 'exact', members: [0, 1] },
    { kind: 'near', members: [0, 2] },
  ]);
});

test('duplicates: 20,000 random hashes are banded, not compared pairwise; planted near copies are all found', () => {
  const next = rng(42);
  const images: HashedImage[] = [];
  for (let i = 0; i < 20_000; i++) images.push({ index: i, sha256: `s${i}`, dhash: (BigInt(next()) << 32n) | BigInt(next()), mean: grey });
  // Plant 50 near copies, each 1–6 bits off its original, spread over the bands.
  for (let k = 0; k < 50; k++) {
    const original = images[k * 300]!;
    let d = original.dhash;
    for (let b = 0; b <= k % 6; b++) d ^= 1n << BigInt((k * 7 + b * 11) % 64);
    images.push({ index: 20_000 + k, sha256: `near${k}`, dhash: d, mean: grey });
  }
  const stats: DuplicateStats = { comparisons: 0 };
  const groups = findDuplicates(images, stats);
  const near = groups.filter((g) => g.kind === 'near');
  for (let k = 0; k < 50; k++)
    assert.ok(
      near.some((g) => g.members.includes(k * 300) && g.members.includes(20_000 + k)),
      `planted pair ${k}`,
    );
  const allPairs = (images.length * (images.length - 1)) / 2;
  assert.ok(stats.comparisons < allPairs / 20, `${stats.comparisons} comparisons of ${allPairs} pairs`);
});

test('duplicates: the copy kept is the first in the listing, whatever order the images finished in', () => {
  // checkDataset inspects 3 images at a time and hashes them as they finish: the order here is completion order.
  const h = (index: number): HashedImage => ({ index, sha256: 'same', dhash: 0x0123456789abcdefn, mean: grey });
  assert.deepEqual(findDuplicates([h(2), h(0), h(1)]), [{ kind: 'exact', members: [0, 1, 2] }]);
});

test('histograms: shorter-side and aspect buckets', () => {
  assert.deepEqual(
    [100, 256, 511, 512, 1023, 1024, 4000].map((s) => RESOLUTION_LABELS[resolutionBucket(s)]),
    ['<256', '256–511', '256–511', '512–767', '768–1023', '1024–1535', '≥2048'],
  );
  assert.deepEqual(
    [
      [1, 1],
      [1920, 1080],
      [1080, 1920],
      [4, 3],
      [3, 2],
      [100, 20],
      [20, 100],
      [1030, 1000],
    ].map(([w, h]) => ASPECT_LABELS[aspectBucket(w!, h!)]),
    ['1:1', '16:9', '9:16', '4:3', '3:2', '>2:1', '<1:2', '1:1'],
  );
  const s = summarize([{ width: 1024, height: 1024 }, { width: 640, height: 480 }, {}], []);
  assert.equal(s.images, 3);
  assert.equal(
    s.resolution.counts.reduce((a, b) => a + b, 0),
    2,
    'unreadable images are not in the histograms',
  );
});

test('EXIF orientation 6 (rotated 90°): the size is the one the script sees after exif_transpose', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-dataset-exif-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'rotated.jpg');
  await blocks(200, 100, 3).jpeg().withMetadata({ orientation: 6 }).toFile(file);
  const facts = await inspectImage(file);
  assert.ok(facts.ok);
  assert.deepEqual([facts.width, facts.height], [100, 200]);
});

test('a truncated PNG decoded beside others says why every time (libvips shares one error buffer between threads)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-dataset-race-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const good = join(dir, 'good.png');
  await writePng(good, 160, 160, 1);
  const truncated = join(dir, 'truncated.png');
  const full = await blocks(160, 160, 2).png().toBuffer();
  writeFileSync(truncated, full.subarray(0, Math.floor(full.length / 2)));
  const notes = join(dir, 'notes.png');
  writeFileSync(notes, 'not an image\n');
  // Several decodes at once, as checkDataset and the preview's thumbnails run them: a decode failing while another
  // thread clears the buffer got the message "Unknown error" in about one round of four.
  for (let round = 0; round < 12; round++) {
    const files = [truncated, notes, good, truncated, good, truncated, notes, truncated];
    const facts = await Promise.all(files.map((f) => inspectImage(f)));
    facts.forEach((f, i) => {
      if (files[i] === good) return assert.ok(f.ok);
      assert.ok(!f.ok);
      if (files[i] === notes) return assert.equal(f.code, 'not-an-image', f.message);
      assert.equal(f.code, 'corrupt-image');
      assert.doesNotMatch(f.message, /unknown error|: $/i);
    });
  }
});
