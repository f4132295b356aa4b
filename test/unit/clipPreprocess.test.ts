// CLIP image preprocessing (CLIPImageProcessor's steps through sharp): sizes, config reading, values, EXIF, alpha.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { loadImageConfig, OPENAI_CLIP_IMAGE, parseImageConfig, preprocessImages, resizeAndCrop, type ClipImageConfig } from '../../src/core/clip/preprocess';

const dir = mkdtempSync(join(tmpdir(), 'clip-pre-'));
const SMALL: ClipImageConfig = { size: 16, cropWidth: 16, cropHeight: 16, mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.3], rescale: 1 / 255 };

test('resizeAndCrop: the shortest edge to size (the long one floored), a centred crop', () => {
  assert.deepEqual(resizeAndCrop(640, 480, OPENAI_CLIP_IMAGE), { width: 298, height: 224, left: 37, top: 0 });
  assert.deepEqual(resizeAndCrop(480, 640, OPENAI_CLIP_IMAGE), { width: 224, height: 298, left: 0, top: 37 });
  assert.deepEqual(resizeAndCrop(100, 100, OPENAI_CLIP_IMAGE), { width: 224, height: 224, left: 0, top: 0 });
  assert.deepEqual(resizeAndCrop(10_000, 10, SMALL), { width: 16_000, height: 16, left: 7992, top: 0 });
});

test('parseImageConfig reads both forms of size and crop_size; bad values name the file and field', async () => {
  const c = parseImageConfig({ size: { shortest_edge: 32 }, crop_size: { height: 30, width: 28 }, image_mean: [0, 0, 0], image_std: [1, 1, 1] }, 'p.json');
  assert.deepEqual(c, { size: 32, cropWidth: 28, cropHeight: 30, mean: [0, 0, 0], std: [1, 1, 1], rescale: 1 / 255 });
  assert.equal(parseImageConfig({ size: 64 }, 'p').cropWidth, 64);
  assert.deepEqual(parseImageConfig({}, 'p'), OPENAI_CLIP_IMAGE);
  assert.throws(() => parseImageConfig({ size: -1 }, 'p.json'), /p\.json: size must be a whole number/);
  assert.throws(() => parseImageConfig({ image_std: [1, 0, 1] }, 'p.json'), /image_std has a zero/);
  assert.throws(() => parseImageConfig({ image_mean: [1] }, 'p.json'), /image_mean must be three numbers/);
  assert.deepEqual(await loadImageConfig(join(dir, 'none.json')), OPENAI_CLIP_IMAGE);
  writeFileSync(join(dir, 'bad.json'), '{');
  await assert.rejects(loadImageConfig(join(dir, 'bad.json')), (e: Error) => e.message.startsWith(join(dir, 'bad.json')));
});

async function solid(file: string, w: number, h: number, rgb: [number, number, number]): Promise<string> {
  await sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toFile(file);
  return file;
}

test('a flat colour gives (v/255 − mean)/std everywhere, NCHW, for each image of a batch', async () => {
  const a = await solid(join(dir, 'a.png'), 40, 24, [255, 0, 128]);
  const b = await solid(join(dir, 'b.png'), 17, 50, [10, 200, 30]);
  const px = await preprocessImages([a, b], SMALL);
  assert.equal(px.length, 2 * 3 * 16 * 16);
  const want = (rgb: number[]) => rgb.map((v, c) => (v / 255 - SMALL.mean[c]!) / SMALL.std[c]!);
  [
    [255, 0, 128],
    [10, 200, 30],
  ].forEach((rgb, n) => {
    const w = want(rgb);
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < 256; i++) assert.ok(Math.abs(px[n * 768 + c * 256 + i]! - w[c]!) < 1e-5, `image ${n} channel ${c} pixel ${i}`);
  });
});

test('EXIF orientation is applied, alpha dropped (not composited), grey becomes RGB', async () => {
  // Stored 40×20: left half red, right half blue; orientation 6 shows it turned 90° clockwise: 20×40, red on top.
  const raw = Buffer.alloc(40 * 20 * 3);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) raw.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
  const rotated = join(dir, 'rot.jpg');
  await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } })
    .jpeg({ quality: 100 })
    .withMetadata({ orientation: 6 })
    .toFile(rotated);
  const px = await preprocessImages([rotated], SMALL);
  const red = (i: number): number => px[i]! * SMALL.std[0]! + SMALL.mean[0]!;
  assert.ok(red(1 * 16 + 8) > 0.9, `top row red: ${red(1 * 16 + 8)}`);
  assert.ok(red(14 * 16 + 8) < 0.1, `bottom row blue: ${red(14 * 16 + 8)}`);

  const rgba = Buffer.alloc(8 * 8 * 4);
  for (let i = 0; i < 64; i++) rgba.set([200, 10, 10, 0], i * 4);
  const transparent = join(dir, 'alpha.png');
  await sharp(rgba, { raw: { width: 8, height: 8, channels: 4 } })
    .png()
    .toFile(transparent);
  const grey = join(dir, 'grey.png');
  await sharp(Buffer.alloc(64, 77), { raw: { width: 8, height: 8, channels: 1 } })
    .png()
    .toFile(grey);
  const [pa, pg] = [await preprocessImages([transparent], SMALL), await preprocessImages([grey], SMALL)];
  assert.ok(Math.abs(pa[0]! * SMALL.std[0]! + SMALL.mean[0]! - 200 / 255) < 1e-3);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(pg[c * 256]! * SMALL.std[c]! + SMALL.mean[c]! - 77 / 255) < 1e-3);
});

test('a crop larger than the resized image is padded with 0 (as CLIPImageProcessor pads)', async () => {
  const wide = { ...SMALL, size: 8 };
  const px = await preprocessImages([await solid(join(dir, 'w.png'), 32, 32, [255, 255, 255])], wide);
  const v = (i: number): number => px[i]! * SMALL.std[0]! + SMALL.mean[0]!;
  assert.ok(Math.abs(v(0)) < 1e-6, 'corner: padding');
  assert.ok(Math.abs(v(8 * 16 + 8) - 1) < 1e-6, 'centre: the image');
});
