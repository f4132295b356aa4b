// Image–caption similarity in the dataset check, with a fake scorer standing in for part C's CLIP: every captioned,
// readable image is scored in batches, each image carries its score, and only clear low outliers are flagged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { ImageTextScorer } from '../../src/core/clip/types';
import { checkDataset } from '../../src/core/dataset/checkDataset';
import { CLIP_BATCH, lowScoreOutliers } from '../../src/core/dataset/clipReview';
import { DatasetGallery } from '../../src/core/view/datasetGallery';
import { writePng } from './datasetFixtures';

/** Scores from a table by file name; records each call's size. */
function fakeScorer(scores: Record<string, number>, calls: number[], fail?: string): ImageTextScorer {
  return {
    score: async () => [],
    async scorePairs(images, texts, signal) {
      assert.equal(images.length, texts.length);
      calls.push(images.length);
      signal?.throwIfAborted();
      if (fail && images.some((i) => i.endsWith(fail))) throw new Error(`${fail}: cannot read`);
      return images.map((i) => scores[basename(i)] ?? 30);
    },
    dispose: async () => {},
  };
}

test('lowScoreOutliers: the lowest 5% (1 to 20), only those 15% below the median; nothing for a tight spread', () => {
  assert.deepEqual(lowScoreOutliers([30, 31, 29, 30]), [], 'too few to judge');
  assert.deepEqual(lowScoreOutliers([30, 31, 29, 30, 28, 31]), [], 'all close to the median');
  assert.deepEqual(lowScoreOutliers([30, 31, 29, 30, 12, 31]), [4]);
  // 100 images, 8 low ones: the lowest 5 are flagged.
  const many = Array.from({ length: 100 }, (_, i) => (i < 8 ? 10 + i : 30));
  assert.deepEqual(lowScoreOutliers(many), [0, 1, 2, 3, 4]);
  const huge = Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 5 : 30));
  assert.equal(lowScoreOutliers(huge).length, 20);
});

test('checkDataset with a scorer: scores on each image, batches, the low one flagged as info; errors are not scored', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-dataset-clip-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const names: string[] = [];
  for (let i = 0; i < 20; i++) {
    const name = `img${String(i).padStart(2, '0')}.png`;
    names.push(name);
    await writePng(join(dir, name), 64, 64, 200 + i);
  }
  writeFileSync(join(dir, 'broken.png'), 'not an image');
  writeFileSync(
    join(dir, 'metadata.jsonl'),
    [...names, 'broken.png'].map((n, i) => JSON.stringify({ file_name: n, text: i === 3 ? '' : `caption ${n}` })).join('\n') + '\n',
  );
  const calls: number[] = [];
  const scores = Object.fromEntries(names.map((n, i) => [n, i === 7 ? 9 : 28 + (i % 5)]));
  const r = await checkDataset(
    { kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: 'text' },
    { resolution: 64, centerCrop: true, randomFlip: false, scorer: fakeScorer(scores, calls) },
  );
  const low = r.findings.filter((f) => f.code === 'low-clip-score');
  // On the caption's line of metadata.jsonl, naming the image (not "img07.png:8", a line of a PNG).
  assert.deepEqual(
    low.map((f) => [basename(f.file), f.severity, f.line]),
    [['metadata.jsonl', 'info', 8]],
  );
  assert.match(low[0]!.message, /^img07\.png: CLIP score 9\.0 against its caption, well below the dataset's median of 30\.0/);
  // The gallery still shows it on the image.
  const gallery = new DatasetGallery(r, { title: 't', target: 't', centerCrop: true, randomFlip: false });
  const at = r.images.findIndex((i) => i.file.endsWith('img07.png'));
  assert.ok(
    gallery.imageView(at).findings.some((f) => f.code === 'low-clip-score'),
    JSON.stringify(gallery.imageView(at)),
  );
  // 19 scored: not the empty caption (img03), not the broken file; in batches of CLIP_BATCH.
  assert.equal(
    calls.reduce((a, b) => a + b, 0),
    19,
  );
  assert.ok(calls.every((n) => n <= CLIP_BATCH));
  assert.equal(r.images.find((i) => i.file.endsWith('img05.png'))!.clipScore, 28);
  assert.equal(r.images.find((i) => i.file.endsWith('img03.png'))!.clipScore, undefined);
  assert.equal(r.images.find((i) => i.file.endsWith('broken.png'))!.clipScore, undefined);
  assert.deepEqual(r.images.find((i) => i.file.endsWith('img07.png'))!.codes, ['low-clip-score']);

  // Without a scorer: no scores, no flags.
  const plain = await checkDataset(
    { kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: 'text' },
    { resolution: 64, centerCrop: true, randomFlip: false },
  );
  assert.ok(plain.images.every((i) => i.clipScore === undefined));
  assert.ok(!plain.findings.some((f) => f.code === 'low-clip-score'));

  // A scorer that fails: said as a note, the rest of the report stands.
  const failing = await checkDataset(
    { kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: 'text' },
    { resolution: 64, centerCrop: true, randomFlip: false, scorer: fakeScorer(scores, [], 'img18.png') },
  );
  assert.match(failing.findings.find((f) => f.code === 'clip-unavailable')!.message, /scoring stopped: img18\.png: cannot read/);
  assert.equal(failing.summary.errors, 1);

  // Cancelled during scoring: the report says so.
  const abort = new AbortController();
  const cancelling: ImageTextScorer = { ...fakeScorer(scores, []), scorePairs: async (images) => (abort.abort(), images.map(() => 30)) };
  const cancelled = await checkDataset(
    { kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: 'text' },
    { resolution: 64, centerCrop: true, randomFlip: false, scorer: cancelling, signal: abort.signal },
  );
  assert.equal(cancelled.cancelled, true);
});
