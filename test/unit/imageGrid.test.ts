import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { GridError, gridLayout, splitGrid } from '../../src/core/worker/imageGrid';
import { py } from './tfeventsPy';

const tmp = () => mkdtempSync(join(tmpdir(), 'sdxl-grid-'));

/** A make_grid PNG (Python fixture) of `n` w×h images; image i is filled with colour [i*20+10, 255-i*20, 77]. */
function gridPng(n: number, w: number, h: number): Buffer {
  return py(
    `
n, w, h = (int(x) for x in sys.argv[1:4])
imgs = [(w, h, bytes([i * 20 + 10, 255 - i * 20, 77]) * (w * h)) for i in range(n)]
sys.stdout.buffer.write(t.png_encode(*t.make_grid(imgs)))`,
    [String(n), String(w), String(h)],
  );
}

async function colourOf(path: string): Promise<number[]> {
  const s = await sharp(path).stats();
  return s.channels.slice(0, 3).map((c) => Math.round(c.mean));
}

test('a 3-image grid splits into 3 images of the right size and colour, with thumbnails', async () => {
  const out = tmp();
  const png = gridPng(3, 40, 30);
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.width, meta.height], [120, 30]);
  const r = await splitGrid(png, { count: 3, outDir: out, thumbSize: 16 });
  assert.equal(r.cached, false);
  assert.deepEqual(r.layout, { cols: 3, rows: 1, cellWidth: 40, cellHeight: 30, count: 3, inferred: false });
  for (const [i, im] of r.images.entries()) {
    assert.deepEqual([im.index, im.width, im.height], [i, 40, 30]);
    assert.deepEqual(await colourOf(im.path), [i * 20 + 10, 255 - i * 20, 77]);
    const tm = await sharp(im.thumbPath).metadata();
    assert.equal(tm.format, 'jpeg');
    assert.equal(Math.max(tm.width, tm.height), 16);
  }
  const again = await splitGrid(png, { count: 3, outDir: out, thumbSize: 16 });
  assert.equal(again.cached, true);
  assert.deepEqual(again.images, r.images);
});

test('10 images: 8 columns, 2 rows, black padding; exact with count, trimmed when only the cell size is known', async () => {
  const png = gridPng(10, 8, 8);
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.width, meta.height], [64, 16]);
  const exact = await splitGrid(png, { count: 10, outDir: tmp() });
  assert.equal(exact.images.length, 10);
  assert.deepEqual(await colourOf(exact.images[9]!.path), [190, 75, 77]);
  const guessed = await splitGrid(png, { cellWidth: 8, outDir: tmp() });
  assert.equal(guessed.layout.inferred, true);
  assert.equal(guessed.images.length, 10);
  assert.deepEqual([guessed.layout.cols, guessed.layout.rows], [8, 2]);
});

test('without hints, square cells are assumed (one row when the width is a multiple of the height)', async () => {
  const r = await splitGrid(gridPng(4, 16, 16), { outDir: tmp() });
  assert.equal(r.images.length, 4);
  assert.deepEqual(gridLayout(8 * 32, 3 * 32), { cols: 8, rows: 3, cellWidth: 32, cellHeight: 32, count: 24, inferred: true });
  assert.deepEqual(gridLayout(100, 70), { cols: 1, rows: 1, cellWidth: 100, cellHeight: 70, count: 1, inferred: true });
});

test('a size that does not fit the stated count is a GridError', () => {
  assert.throws(
    () => gridLayout(100, 30, { count: 3 }),
    (e: unknown) => e instanceof GridError && /100×30.*3×1/.test(e.message),
  );
  assert.throws(() => gridLayout(64, 64, { count: 0 }), GridError);
});

test('corrupt or truncated PNG data gives a clear GridError naming the source, and writes nothing', async () => {
  const png = gridPng(2, 8, 8);
  for (const bad of [Buffer.from('not a png at all'), png.subarray(0, png.length - 30)]) {
    const out = join(tmp(), 'cells');
    await assert.rejects(
      splitGrid(bad, { count: 2, outDir: out, source: 'validation step 3' }),
      (e: unknown) => e instanceof GridError && /^validation step 3: not a decodable image/.test(e.message),
    );
    assert.equal(existsSync(out), false);
  }
});
