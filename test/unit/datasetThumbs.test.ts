// Thumbnails for the Preview Dataset webview (core/view/datasetThumbs.ts): made once, small, and a corrupt or
// oversized image gives a reason instead of a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DatasetThumbs, THUMB_SIDE } from '../../src/core/view/datasetThumbs';

const dir = mkdtempSync(join(tmpdir(), 'thumbs-'));
const png = (w: number, h: number) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: 200, g: 40, b: 90 } } })
    .png()
    .toBuffer();

test('a thumbnail fits in its side, keeps the aspect, and is made once', async () => {
  const file = join(dir, 'wide.png');
  writeFileSync(file, await png(1200, 600));
  const thumbs = new DatasetThumbs(join(dir, 'cache'));
  const a = await thumbs.get(file, THUMB_SIDE);
  assert.ok(a.ok);
  const meta = await sharp(a.path).metadata();
  assert.deepEqual([meta.width, meta.height, meta.format], [256, 128, 'webp']);
  const made = statSync(a.path).mtimeMs;
  const b = await thumbs.get(file, THUMB_SIDE);
  assert.ok(b.ok && b.path === a.path && statSync(b.path).mtimeMs === made);
  // An edited image (new mtime) gets a new copy.
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  const c = await thumbs.get(file, THUMB_SIDE);
  assert.ok(c.ok && c.path !== a.path);
});

test('a small image is not enlarged', async () => {
  const file = join(dir, 'small.png');
  writeFileSync(file, await png(40, 30));
  const r = await new DatasetThumbs(join(dir, 'cache')).get(file, THUMB_SIDE);
  assert.ok(r.ok);
  assert.equal((await sharp(r.path).metadata()).width, 40);
});

test('a corrupt image, a text file named .png, a missing file and an image over the pixel limit each give a reason', async () => {
  const truncated = join(dir, 'cut.png');
  writeFileSync(truncated, (await png(300, 300)).subarray(0, 200));
  const text = join(dir, 'text.png');
  writeFileSync(text, 'not an image at all');
  const big = join(dir, 'big.png');
  writeFileSync(big, await png(2000, 2000));
  const thumbs = new DatasetThumbs(join(dir, 'cache2'), 2, 1_000_000);
  const results = await Promise.all([truncated, text, join(dir, 'gone.png'), big].map((f) => thumbs.get(f, THUMB_SIDE)));
  for (const r of results) assert.equal(r.ok, false);
  assert.match((results[3] as { error: string }).error, /pixel limit/i);
});

test('a thumbnail no longer wanted when a decoder frees up is not made', async () => {
  const file = join(dir, 'skipped.png');
  writeFileSync(file, await png(50, 50));
  const r = await new DatasetThumbs(join(dir, 'cache3')).get(file, THUMB_SIDE, false, () => false);
  assert.deepEqual(r, { ok: false, error: 'no longer wanted', skipped: true });
});
