// The dataset check: every finding fires on the file that has the problem and on no other, and a clean dataset has
// none. Fixtures are made in a temp folder with sharp (datasetFixtures.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { checkDataset, type CheckOptions } from '../../src/core/dataset/checkDataset';
import type { DatasetReport } from '../../src/core/dataset/types';
import { blocks, wordCount, writeJpeg, writePng } from './datasetFixtures';

const OPTS: CheckOptions = { resolution: 128, centerCrop: true, randomFlip: false, tokenCount: wordCount };

function tempDir(t: { after(fn: () => void): void }, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sdxl-dataset-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function jsonl(rows: unknown[]): string {
  return rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
}

/** `code severity name[:line]` of each finding, sorted: what fired where. */
function fired(report: DatasetReport): string[] {
  return report.findings.map((f) => `${f.code} ${f.severity} ${basename(f.file)}${f.line !== undefined ? `:${f.line}` : ''}`).sort();
}

test('a clean imagefolder has no findings, and its images carry captions, sizes and lines', async (t) => {
  const dir = tempDir(t, 'clean');
  await writePng(join(dir, 'a.png'), 128, 128, 1);
  await writeJpeg(join(dir, 'b.jpg'), 160, 128, 2);
  mkdirSync(join(dir, 'sub'));
  await writePng(join(dir, 'sub', 'c.png'), 128, 192, 3);
  writeFileSync(join(dir, 'notes.txt'), 'imagefolder skips files that are not images');
  writeFileSync(
    join(dir, 'metadata.jsonl'),
    jsonl([
      { file_name: 'a.png', text: 'a grid of grey squares' },
      { file_name: 'b.jpg', text: 'another grid' },
      { file_name: 'sub/c.png', text: 'a tall grid', extra: 1 },
    ]),
  );
  const progress: Array<[number, number]> = [];
  const r = await checkDataset(
    { kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: 'text' },
    { ...OPTS, onProgress: (d, n) => progress.push([d, n]) },
  );
  assert.deepEqual(fired(r), []);
  assert.equal(r.images.length, 3);
  const b = r.images.find((i) => i.file.endsWith('b.jpg'))!;
  assert.deepEqual([b.width, b.height, b.format, b.caption, b.captionLine, b.role, b.codes], [160, 128, 'jpeg', 'another grid', 2, 'train', []]);
  assert.deepEqual(progress.at(-1), [3, 3]);
  assert.equal(r.summary.images, 3);
  assert.deepEqual([r.summary.errors, r.summary.warnings, r.summary.infos], [0, 0, 0]);
  assert.equal(
    r.summary.resolution.counts.reduce((a, b) => a + b, 0),
    3,
  );
  assert.equal(r.summary.aspect.counts[r.summary.aspect.labels.indexOf('1:1')], 1);
  assert.equal(r.cancelled, undefined);
});

test('imagefolder: each problem is reported on its own file, with the metadata line', async (t) => {
  const dir = tempDir(t, 'bad');
  const outside = tempDir(t, 'outside');
  await writePng(join(dir, 'ok.png'), 128, 128, 10);
  await writePng(join(dir, 'small.png'), 64, 96, 11); // too-small
  await writePng(join(dir, 'wide.png'), 400, 128, 12); // crop-loss: keeps 128/400 = 32%
  copyFileSync(join(dir, 'ok.png'), join(dir, 'copy.png')); // duplicate (exact)
  await blocks(128, 128, 10).jpeg({ quality: 85 }).toFile(join(dir, 'near.jpg')); // duplicate (near): ok.png re-encoded
  writeFileSync(join(dir, 'text.png'), 'not an image at all'); // not-an-image
  await blocks(64, 64, 13).heif({ compression: 'av1' }).toFile(join(dir, 'avif-inside.png')); // unsupported-format: PIL cannot open AVIF
  await blocks(64, 64, 14).heif({ compression: 'av1' }).toFile(join(dir, 'skipped.avif')); // skipped by imagefolder
  await writePng(join(dir, 'unlisted.png'), 128, 128, 15); // no-metadata-entry
  await writePng(join(dir, 'empty.png'), 128, 128, 16); // no-caption (empty): warning
  await writePng(join(dir, 'nocap.png'), 128, 128, 17); // no-caption (missing): error
  await writePng(join(dir, 'long.png'), 128, 128, 18); // caption-too-long
  await writePng(join(outside, 'elsewhere.png'), 128, 128, 19);
  symlinkSync(join(outside, 'elsewhere.png'), join(dir, 'link.png')); // outside-folder
  await writePng(join(dir, 'inside-target.png'), 128, 128, 20);
  symlinkSync(join(dir, 'inside-target.png'), join(dir, 'inside-link.png')); // a link inside: followed, then an exact copy
  const long = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
  writeFileSync(
    join(dir, 'metadata.jsonl'),
    jsonl([
      { file_name: 'ok.png', text: 'fine' },
      { file_name: 'small.png', text: 'small' },
      { file_name: 'wide.png', text: 'wide' },
      { file_name: 'copy.png', text: 'copy' },
      { file_name: 'near.jpg', text: 'near' },
      { file_name: 'text.png', text: 'text' },
      '{"file_name": "avif-inside.png", "text": "avif"', // line 7: does not parse
      { file_name: 'avif-inside.png', text: 'avif' },
      { file_name: 'empty.png', text: '' },
      { file_name: 'nocap.png' },
      { file_name: 'long.png', text: long },
      { file_name: 'gone.png', text: 'no such file' }, // line 12: metadata-missing-file
      { file_name: 'skipped.avif', text: 'listed, not loaded' }, // line 13
      { file_name: 'link.png', text: 'outside' },
      { file_name: 'inside-target.png', text: 't' },
      { file_name: 'inside-link.png', text: 'l' },
    ]),
  );
  const r = await checkDataset({ kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: 'text' }, OPTS);
  assert.deepEqual(fired(r), [
    'caption-too-long warning metadata.jsonl:11',
    'crop-loss warning wide.png',
    'duplicate info near.jpg',
    'duplicate warning inside-target.png',
    'duplicate warning ok.png',
    'metadata-bad-line error metadata.jsonl:7',
    'metadata-missing-file warning metadata.jsonl:12',
    'metadata-missing-file warning metadata.jsonl:13',
    'no-caption error metadata.jsonl:10',
    'no-caption warning metadata.jsonl:9',
    'no-metadata-entry error unlisted.png',
    'not-an-image error text.png',
    'outside-folder warning link.png',
    'too-small warning small.png',
    'unsupported-format error avif-inside.png',
    'unsupported-format warning skipped.avif',
  ]);
  const byCode = (code: string) => r.findings.filter((f) => f.code === code);
  assert.match(byCode('crop-loss')[0]!.message, /400×128 is resized to 400×128 .* drops 68%/);
  assert.match(byCode('too-small')[0]!.message, /shorter side 64 px is below the resolution 128.*×2\.00/);
  assert.match(byCode('caption-too-long')[0]!.message, /80 CLIP tokens.*first 75/);
  assert.match(byCode('metadata-missing-file').find((f) => f.line === 13)!.message, /does not load it/);
  // The first in the listing (by name) is the one kept; the others are reported against it.
  const exact = byCode('duplicate').find((f) => f.file.endsWith('ok.png'))!;
  assert.match(exact.message, /exact copy of .*copy\.png/);
  assert.deepEqual(
    exact.related?.map((p) => basename(p)),
    ['copy.png'],
  );
  assert.match(byCode('duplicate').find((f) => f.file.endsWith('near.jpg'))!.message, /near duplicate of .*copy\.png/);
  for (const f of r.findings) if (f.severity === 'error') assert.ok(f.fix, `${f.code} has a fix`);
  // The image records carry their codes, for the gallery's filter.
  const img = (name: string) => r.images.find((i) => basename(i.file) === name)!;
  assert.deepEqual(img('small.png').codes, ['too-small']);
  assert.deepEqual(img('nocap.png').codes, ['no-caption']);
  assert.equal(img('nocap.png').caption, null);
  assert.deepEqual(img('ok.png').codes, ['duplicate']);
  assert.deepEqual(img('copy.png').codes, []);
  assert.equal(
    r.images.some((i) => i.file.endsWith('link.png') && !i.file.endsWith('inside-link.png')),
    false,
    'the outside link is not opened',
  );
  assert.equal(r.summary.errors, 5);
});

test('imagefolder without metadata.jsonl, with the wrong columns, empty, or missing', async (t) => {
  const dir = tempDir(t, 'nometa');
  await writePng(join(dir, 'a.png'), 128, 128, 1);
  const none = await checkDataset({ kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: 'text' }, OPTS);
  assert.deepEqual(fired(none), [`missing-metadata error ${basename(dir)}`]);
  assert.match(none.findings[0]!.message, /--caption_column' value 'text' needs to be one of: image/);
  // Without a caption column (DreamBooth's dataset_name folder), no metadata is needed.
  assert.deepEqual(fired(await checkDataset({ kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: null }, OPTS)), []);

  writeFileSync(join(dir, 'metadata.jsonl'), jsonl([{ file_name: 'a.png', caption: 'x' }]));
  const wrong = await checkDataset({ kind: 'imagefolder', dir, imageColumn: 'img', captionColumn: 'text' }, OPTS);
  assert.deepEqual(fired(wrong), ['column-mismatch error metadata.jsonl', 'column-mismatch error metadata.jsonl']);
  assert.match(wrong.findings.map((f) => f.message).join('\n'), /caption_column "text" is not a column of the dataset \(image, caption\)/);
  assert.deepEqual(fired(await checkDataset({ kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: 'caption' }, OPTS)), []);

  const empty = tempDir(t, 'empty');
  assert.deepEqual(fired(await checkDataset({ kind: 'imagefolder', dir: empty, imageColumn: 'image', captionColumn: 'text' }, OPTS)), [
    `no-images error ${basename(empty)}`,
  ]);
  const missing = join(empty, 'nope');
  const r = await checkDataset({ kind: 'imagefolder', dir: missing, imageColumn: 'image', captionColumn: 'text' }, OPTS);
  assert.deepEqual(fired(r), ['no-images error nope']);
  assert.match(r.findings[0]!.message, /does not exist/);
});

test('imagefolder: metadata.jsonl in a subfolder serves that subfolder; an image above it has no entry', async (t) => {
  const dir = tempDir(t, 'nested');
  mkdirSync(join(dir, 'part'));
  await writePng(join(dir, 'part', 'a.png'), 128, 128, 1);
  await writePng(join(dir, 'top.png'), 128, 128, 2);
  writeFileSync(join(dir, 'part', 'metadata.jsonl'), jsonl([{ file_name: 'a.png', text: 'a' }]));
  const r = await checkDataset({ kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: 'text' }, OPTS);
  assert.deepEqual(fired(r), ['no-metadata-entry error top.png']);
  assert.match(r.findings[0]!.message, /no metadata\.jsonl in its folder or above/);
});

test('DreamBooth: every entry is opened as an image, so folders and other files are errors; the prompt is checked', async (t) => {
  const dir = tempDir(t, 'db');
  const outside = tempDir(t, 'db-outside');
  await writePng(join(dir, 'a.png'), 128, 128, 1);
  await writeJpeg(join(dir, 'b.jpeg'), 128, 128, 2);
  writeFileSync(join(dir, '.DS_Store'), 'Bud1 junk');
  writeFileSync(join(dir, 'captions.txt'), 'a photo');
  mkdirSync(join(dir, 'more'));
  await writePng(join(outside, 'x.png'), 128, 128, 3);
  symlinkSync(join(outside, 'x.png'), join(dir, 'x.png'));
  const longPrompt = Array.from({ length: 90 }, () => 'sks').join(' ');
  const r = await checkDataset({ kind: 'dreambooth', instanceDir: dir, instancePrompt: longPrompt }, OPTS);
  assert.deepEqual(fired(r), [
    `caption-too-long warning ${basename(dir)}`,
    'not-an-image error .DS_Store',
    'not-an-image error captions.txt',
    'not-an-image error more',
    'outside-folder warning x.png',
  ]);
  assert.match(r.findings.find((f) => f.file.endsWith('more'))!.message, /Image\.open fails on a folder/);
  assert.ok(r.images.every((i) => i.role === 'instance' && i.caption === longPrompt));

  const clean = tempDir(t, 'db-clean');
  await writePng(join(clean, 'a.png'), 128, 128, 1);
  await writePng(join(clean, 'b.png'), 128, 128, 2);
  const classDir = join(clean, 'class-not-yet');
  const ok = await checkDataset(
    { kind: 'dreambooth', instanceDir: clean, instancePrompt: 'a photo of sks dog', classDir, classPrompt: 'a photo of a dog' },
    OPTS,
  );
  assert.deepEqual(fired(ok), ['no-images info class-not-yet']);
  assert.equal(ok.summary.errors, 0);
});

test('cancel: an aborted check returns what it covered, marked cancelled', async (t) => {
  const dir = tempDir(t, 'cancel');
  for (let i = 0; i < 12; i++) await writePng(join(dir, `${i}.png`), 128, 128, 100 + i);
  const abort = new AbortController();
  const r = await checkDataset(
    { kind: 'dreambooth', instanceDir: dir },
    { ...OPTS, concurrency: 1, signal: abort.signal, onProgress: (done) => done === 3 && abort.abort() },
  );
  assert.equal(r.cancelled, true);
  assert.equal(r.images.length, 12);
  assert.equal(r.images.filter((i) => i.width !== undefined).length, 3);
});

test('near duplicates: a resized copy is one, different images are not; flat images of different colours are not', async (t) => {
  const dir = tempDir(t, 'near');
  await writePng(join(dir, 'a.png'), 256, 256, 7);
  await blocks(256, 256, 7).resize(200, 200).png().toFile(join(dir, 'a-small.png'));
  await writePng(join(dir, 'b.png'), 256, 256, 8);
  for (const [name, colour] of [
    ['red.png', '#ff0000'],
    ['green.png', '#00ff00'],
  ] as const) {
    await sharp({ create: { width: 128, height: 128, channels: 3, background: colour } })
      .png()
      .toFile(join(dir, name));
  }
  const r = await checkDataset({ kind: 'dreambooth', instanceDir: dir }, { ...OPTS, resolution: 128 });
  assert.deepEqual(fired(r), ['duplicate info a.png']);
  assert.deepEqual(
    r.findings[0]!.related?.map((p) => basename(p)),
    ['a-small.png'],
  );
});

test('a BMP, which PIL opens and sharp cannot decode, is left unchecked as a note, not called corrupt', async (t) => {
  const dir = tempDir(t, 'bmp');
  // A 1×1 24-bit BMP: 14-byte file header, 40-byte info header, one pixel padded to 4 bytes.
  const bmp = Buffer.alloc(58);
  bmp.write('BM', 0, 'latin1');
  bmp.writeUInt32LE(58, 2);
  bmp.writeUInt32LE(54, 10);
  bmp.writeUInt32LE(40, 14);
  bmp.writeInt32LE(1, 18);
  bmp.writeInt32LE(1, 22);
  bmp.writeUInt16LE(1, 26);
  bmp.writeUInt16LE(24, 28);
  bmp.writeUInt32LE(4, 34);
  writeFileSync(join(dir, 'a.bmp'), bmp);
  const r = await checkDataset({ kind: 'dreambooth', instanceDir: dir }, OPTS);
  assert.deepEqual(fired(r), ['unsupported-format info a.bmp']);
  assert.match(r.findings[0]!.message, /PIL opens it, but this check cannot decode it/);
});

test('a local dataset folder of parquet files is a table for load_dataset: a note, not "no images"', async (t) => {
  const dir = tempDir(t, 'parquet');
  writeFileSync(join(dir, 'train-00000.parquet'), 'PAR1');
  const r = await checkDataset({ kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: 'text' }, OPTS);
  assert.deepEqual(fired(r), [`no-images info ${basename(dir)}`]);
  assert.match(r.findings[0]!.message, /1 data file\(s\).*reads those as a table/);
});
