// Bad input for the dataset check (issue 12, "Bad input"): a 20,000 × 20,000 PNG, a truncated JPEG, a text file named
// .png, a symlink out of the folder and a 200,000-line metadata.jsonl with a few bad lines are each reported, and
// nothing throws or reads a file whole.
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { checkDataset } from '../../src/core/dataset/checkDataset';
import { readLines, splitLines } from '../../src/core/dataset/lineReader';
import { MAX_METADATA_LINE, readMetadata } from '../../src/core/dataset/metadata';
import { pngHeaderOnly, writeJpeg, writePng } from './datasetFixtures';

function tempDir(t: { after(fn: () => void): void }, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sdxl-dataset-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const LINES = 200_000;
const BAD = new Set([7, 99_999, 150_001, LINES]);

/** Writes the big metadata.jsonl in blocks, not as one string. */
function writeBigMetadata(path: string): void {
  const fd = openSync(path, 'w');
  let block = '';
  for (let line = 1; line <= LINES; line++) {
    block += BAD.has(line) ? `{"file_name": "img${line}.png", "text": "unterminated\n` : `{"file_name": "img${line}.png", "text": "caption number ${line}"}\n`;
    if (block.length > 1 << 20) {
      writeSync(fd, block);
      block = '';
    }
  }
  writeSync(fd, block);
  closeSync(fd);
}

test(
  'a huge PNG header, a truncated JPEG, a text .png, a FIFO and a link outside are each reported; nothing throws',
  { skip: process.platform === 'win32' && 'mkfifo, symlinks' },
  async (t) => {
    const dir = tempDir(t, 'badin');
    const outside = tempDir(t, 'badin-out');
    writeFileSync(join(dir, 'huge.png'), pngHeaderOnly(20_000, 20_000));
    const jpeg = await writeJpeg(join(outside, 'full.jpg'), 256, 256, 5);
    writeFileSync(join(dir, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    writeFileSync(join(dir, 'text.png'), 'hello, I am text');
    await writePng(join(outside, 'secret.png'), 64, 64, 6);
    symlinkSync(join(outside, 'secret.png'), join(dir, 'link.png'));
    symlinkSync(join(outside, 'nothing-here.png'), join(dir, 'dangling.png'));
    await writePng(join(dir, 'fine.png'), 256, 256, 7);
    // A FIFO would block a reader forever: it is reported without being opened, directly or through a link.
    execFileSync('mkfifo', [join(dir, 'pipe.png')]);
    symlinkSync(join(dir, 'pipe.png'), join(dir, 'pipe-link.png'));
    const r = await checkDataset({ kind: 'dreambooth', instanceDir: dir }, { resolution: 256, centerCrop: true, randomFlip: false });
    const got = r.findings.map((f) => `${f.code} ${f.severity} ${basename(f.file)}`).sort();
    assert.deepEqual(got, [
      'corrupt-image error truncated.jpg',
      'not-an-image error pipe-link.png',
      'not-an-image error pipe.png',
      'not-an-image error text.png',
      'outside-folder warning dangling.png',
      'outside-folder warning link.png',
      'too-large error huge.png',
    ]);
    const huge = r.findings.find((f) => f.code === 'too-large')!;
    assert.match(huge.message, /20000×20000 is 400 million pixels: PIL refuses images over 179 million \(DecompressionBombError\)/);
    assert.deepEqual([r.images.find((i) => i.file.endsWith('huge.png'))!.width, r.images.find((i) => i.file.endsWith('huge.png'))!.height], [20_000, 20_000]);
    assert.match(r.findings.find((f) => f.code === 'corrupt-image')!.message, /premature end of JPEG/i);
    assert.ok(!r.images.some((i) => i.file.endsWith('link.png')), 'the link outside is not opened');
  },
);

test('a 200,000-line metadata.jsonl with a few bad lines: each bad line named, the rest read', async (t) => {
  const dir = tempDir(t, 'bigmeta');
  const path = join(dir, 'metadata.jsonl');
  writeBigMetadata(path);
  const m = await readMetadata(path, 'text');
  assert.deepEqual(
    m.badLines.map((b) => b.line),
    Array.from(BAD).sort((a, b) => a - b),
  );
  assert.equal(m.entries.size, LINES - BAD.size);
  assert.deepEqual(m.entries.get('img150000.png'), { line: 150_000, caption: 'caption number 150000', hasCaption: true });
  assert.equal(m.lines, LINES);

  // Through the whole check: three images listed in it; the bad lines are errors with their line numbers, and the
  // lines naming no file are listed up to a cap, then counted.
  for (const i of [1, 2, 3]) await writePng(join(dir, `img${i}.png`), 64, 64, i);
  const r = await checkDataset(
    { kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: 'text' },
    { resolution: 64, centerCrop: true, randomFlip: false },
  );
  assert.deepEqual(
    r.findings.filter((f) => f.code === 'metadata-bad-line').map((f) => f.line),
    [7, 99_999, 150_001, LINES],
  );
  const missing = r.findings.filter((f) => f.code === 'metadata-missing-file');
  assert.equal(missing.length, 101);
  assert.match(missing.find((f) => f.line === undefined)!.message, new RegExp(`^${LINES - BAD.size - 3 - 100} more lines`));
  assert.equal(r.images.length, 3);
});

test('lines are streamed: a line of no newlines past the cap is reported without being held, memory stays flat', async (t) => {
  const dir = tempDir(t, 'longline');
  const path = join(dir, 'metadata.jsonl');
  const fd = openSync(path, 'w');
  const chunk = 'x'.repeat(1 << 20);
  const MIB = 48;
  for (let i = 0; i < MIB; i++) writeSync(fd, chunk);
  writeSync(fd, '\n{"file_name": "a.png", "text": "after"}\n');
  closeSync(fd);
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const items = [];
  for await (const item of readLines(path, MAX_METADATA_LINE)) {
    items.push(item);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  assert.deepEqual(items, [
    { line: 1, tooLong: true },
    { line: 2, text: '{"file_name": "a.png", "text": "after"}' },
  ]);
  const m = await readMetadata(path, 'text');
  assert.deepEqual(m.badLines, [{ line: 1, message: 'line 1 is longer than 1 MiB' }]);
  assert.equal(m.entries.get('a.png')?.caption, 'after');
  // A held copy of the line would be 48 MiB of heap at the end of the first item.
  assert.ok(peak - before < 16 * 1024 * 1024, `heap grew ${(peak - before) / 1048576} MiB reading a ${MIB} MiB line`);
});

test('a caption column that is no key of the line (an inherited name, or file_name) gives no caption', async (t) => {
  // Found by the metadata.jsonl fuzz suite: `"constructor" in obj` is true of every object, and file_name is the image,
  // not a column datasets keeps; each read as a present caption.
  const dir = tempDir(t, 'protokeys');
  const path = join(dir, 'metadata.jsonl');
  writeFileSync(path, '{"file_name": "a.png", "text": "a cat"}\n{"file_name": "b.png", "constructor": "own key"}\n');
  for (const column of ['constructor', '__proto__', 'toString', 'file_name']) {
    const m = await readMetadata(path, column);
    assert.deepEqual(m.entries.get('a.png'), { line: 1, caption: null, hasCaption: false }, column);
  }
  const own = await readMetadata(path, 'constructor');
  assert.deepEqual(own.entries.get('b.png'), { line: 2, caption: 'own key', hasCaption: true });
});

test('splitLines: a BOM cut across chunks is still dropped, and the lines do not depend on the chunking', async () => {
  const bytes = Buffer.from('\uFEFF{"file_name": "é.png"}\r\n\n\uFEFFmid\r\nlast', 'utf8');
  const whole = [];
  for await (const item of splitLines([bytes], MAX_METADATA_LINE)) whole.push(item);
  assert.deepEqual(whole, [
    { line: 1, text: '{"file_name": "é.png"}' },
    { line: 2, text: '' },
    { line: 3, text: '\uFEFFmid' },
    { line: 4, text: 'last' },
  ]);
  const bytewise = [];
  for await (const item of splitLines(
    Array.from(bytes, (b) => Uint8Array.of(b)),
    MAX_METADATA_LINE,
  ))
    bytewise.push(item);
  assert.deepEqual(bytewise, whole);
});
