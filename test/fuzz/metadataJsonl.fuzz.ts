// Fuzz: the dataset check's metadata.jsonl reader (core/dataset/lineReader.ts + metadata.ts), mostly in memory
// (splitLines over the bytes cut into random chunks, then parseMetadata), and now and then the real thing: the bytes
// written to a temp imagefolder's metadata.jsonl, read by readMetadata and judged by imagefolderItems.
// Inputs: metadata.jsonl texts built from good lines and garbage (bad JSON, arrays, bare values, captions as lists /
// numbers / null / objects, duplicate and repeated file_names, `..`, absolute and backslashed names, keys named like
// the columns, `__proto__`), joined with LF, CRLF or CR, with BOMs, NULs, broken UTF-8 and lines past the 1 MiB cap,
// then byte-mutated; most end with a good line.
// Properties: nothing throws; the lines agree with an independent split of the bytes (count, text, too-long), whatever
// the chunking; bad lines and entries carry line numbers within the file, and the bad-line count agrees with an
// independent classification; the good line after the garbage is read; on disk, every finding has a known code, an
// absolute file, and a line only on the metadata file and within its line count.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { test } from 'node:test';
import { imagefolderItems } from '../../src/core/dataset/folderItems';
import { splitLines, type LineItem } from '../../src/core/dataset/lineReader';
import { MAX_METADATA_LINE, parseMetadata, readMetadata, type MetadataFile } from '../../src/core/dataset/metadata';
import type { DatasetFinding, DatasetFindingCode } from '../../src/core/dataset/types';
import { runFuzz, type Rng } from './fuzzKit';

/** Every finding code; a Record so that the compiler says when types.ts gains one. */
const CODES: Record<DatasetFindingCode, true> = {
  'corrupt-image': true,
  'not-an-image': true,
  'unsupported-format': true,
  'too-small': true,
  'too-large': true,
  'crop-loss': true,
  duplicate: true,
  'outside-folder': true,
  'missing-metadata': true,
  'metadata-bad-line': true,
  'metadata-missing-file': true,
  'no-metadata-entry': true,
  'no-caption': true,
  'caption-too-long': true,
  'column-mismatch': true,
  'no-images': true,
  'low-clip-score': true,
  'clip-unavailable': true,
  'hub-dataset': true,
};

const GOOD_NAME = 'zz-good-line.png';
const GOOD_CAPTION = 'the good caption';
const GOOD_LINE = JSON.stringify({ file_name: GOOD_NAME, text: GOOD_CAPTION });
/** Image files of the temp imagefolder (empty: imagefolderItems judges names and metadata, never pixels). */
const IMAGES = ['a.png', 'b.jpg', 'sub/c.png', 'd e.webp', GOOD_NAME];

const NAMES = [
  'a.png',
  './a.png',
  '././a.png',
  'sub/c.png',
  'sub\\c.png',
  'sub//c.png',
  'b.jpg',
  'd e.webp',
  '../a.png',
  '../../etc/passwd',
  '/etc/passwd',
  '/abs/a.png',
  'C:\\x\\a.png',
  'missing.png',
  'a.PNG',
  '.hidden.png',
  '',
  ' ',
  'a.png\u0000',
  'é.png',
  'x'.repeat(300) + '.png',
];
const KEYS = ['file_name', 'text', 'caption', 'image', 'prompt', 'additional_feature', '__proto__', 'constructor', '', 'file_name ', 'TEXT'];
const CAPTIONS: unknown[] = [
  'a photo of a cat',
  '',
  '   ',
  ['one', 'two'],
  [],
  [''],
  ['ok', 3],
  [null],
  42,
  -0.5,
  null,
  true,
  { text: 'nested' },
  'x'.repeat(500),
  'ünïcödé 🎨',
  'line\nbreak',
];
const COLUMNS: ReadonlyArray<string | null> = ['text', 'text', 'text', 'caption', 'image', 'file_name', '__proto__', 'constructor', null];
const GARBAGE = [
  '{',
  '}',
  '{"file_name": "a.png", "text": "unterminated',
  '{"file_name": "a.png",, "text": "x"}',
  "{'file_name': 'a.png'}",
  '{"file_name": "a.png"} trailing',
  '{"file_name": "a.png"}{"file_name": "b.jpg"}',
  '[1, 2]',
  '[]',
  '"a string"',
  'null',
  '12',
  'true',
  '{}',
  '{"text": "no name"}',
  '{"file_name": null}',
  '{"file_name": 5}',
  '{"file_name": ""}',
  '{"file_name": ["a.png"]}',
  '{"file_name": "a.png", "file_name": "b.jpg"}',
  '{"__proto__": {"file_name": "a.png"}, "text": "p"}',
  '{"file_name": "a.png", "text": NaN}',
  '{"file_name": "a.png", "text": 1e999}',
  '\u0000',
  '\u0000{"file_name": "a.png"}',
  '\uFEFF{"file_name": "a.png", "text": "bom mid-file"}',
  '# comment',
  '   ',
  '\t',
  '\r',
  '['.repeat(2000),
  '{"a":'.repeat(500),
];
const BAD_BYTES = [
  [0xff],
  [0xfe],
  [0xc3],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xc0, 0xaf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf0, 0x9f, 0x98],
  [0xef, 0xbb, 0xbf],
  [0x00],
  [0x0d],
  [0x0a],
  [0x0d, 0x0a],
];

function goodLine(rng: Rng, earlier: string[]): string {
  const o: Record<string, unknown> = {};
  const name = earlier.length > 0 && rng.chance(0.2) ? rng.pick(earlier) : rng.pick(NAMES);
  earlier.push(name);
  // Key order and extra keys vary; JSON.parse builds own properties, so "__proto__" is a plain key here.
  if (rng.chance(0.8)) o.file_name = name;
  for (let k = rng.int(3); k > 0; k--) o[rng.pick(KEYS)] = rng.pick(CAPTIONS);
  if (rng.chance(0.7)) o[rng.pick(['text', 'text', 'caption'])] = rng.pick(CAPTIONS);
  if (!('file_name' in o) && rng.chance(0.7)) o.file_name = name;
  return JSON.stringify(o);
}

function hugeLine(rng: Rng): string {
  // Just past, at, or far past the cap; sometimes a valid object with a giant caption.
  const n = rng.pick([MAX_METADATA_LINE + 1, MAX_METADATA_LINE - 40, MAX_METADATA_LINE * 2 + rng.int(1000), MAX_METADATA_LINE - rng.int(100)]);
  if (rng.chance(0.5)) return `{"file_name": "a.png", "text": "${'y'.repeat(Math.max(0, n - 34))}"}`;
  return rng.pick(['x', '{', 'é', '\u0000']).repeat(n);
}

interface Input {
  bytes: Buffer;
  captionColumn: string | null;
  /** The text ends with GOOD_LINE after a line break. */
  goodAtEnd: boolean;
  /** Also write it to disk and run readMetadata and imagefolderItems. */
  onDisk: boolean;
}

function mutate(rng: Rng, b: Buffer): Buffer {
  let out = b;
  for (let m = rng.between(1, 4); m > 0; m--) {
    const at = rng.int(out.length + 1);
    switch (rng.int(4)) {
      case 0:
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + rng.size(40)))]);
        break;
      case 1:
        out = Buffer.concat([out.subarray(0, at), Buffer.from(rng.pick(BAD_BYTES)), out.subarray(at)]);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), Buffer.from(rng.bytes(rng.size(16))), out.subarray(at)]);
        break;
      default:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at, at + rng.size(100)), out.subarray(at)]);
    }
  }
  return out;
}

function generate(rng: Rng): Input {
  const lines: string[] = [];
  const names: string[] = [];
  const huge = rng.chance(0.001);
  for (let n = rng.size(40); n > 0; n--) {
    const r = rng.int(10);
    lines.push(r < 5 ? goodLine(rng, names) : r < 8 ? rng.pick(GARBAGE) : r < 9 ? rng.string(rng.size(80)) : '');
  }
  if (huge) lines.splice(rng.int(lines.length + 1), 0, hugeLine(rng));
  const eol = rng.pick(['\n', '\n', '\r\n', '\r', 'mixed']);
  let text = '';
  lines.forEach((l, i) => {
    text += l;
    if (i < lines.length - 1 || rng.chance(0.5)) text += eol === 'mixed' ? rng.pick(['\n', '\r\n', '\n\n', '\r']) : eol;
  });
  if (rng.chance(0.2)) text = '\uFEFF' + text;
  let bytes: Buffer = Buffer.from(text, 'utf8');
  if (rng.chance(0.5)) bytes = mutate(rng, bytes);
  if (rng.chance(0.05)) bytes = Buffer.from(rng.bytes(rng.size(3000)));
  const goodAtEnd = rng.chance(0.8);
  if (goodAtEnd) bytes = Buffer.concat([bytes, Buffer.from(`${rng.pick(['\n', '\r\n'])}${GOOD_LINE}${rng.pick(['', '\n', '\r\n'])}`)]);
  return { bytes, captionColumn: rng.chance(0.8) ? 'text' : rng.pick(COLUMNS), goodAtEnd, onDisk: rng.chance(0.01) };
}

/** The bytes cut into chunks of random sizes (one byte to the whole), as a file stream might deliver them. */
function* chunksOf(rng: Rng, b: Buffer): Generator<Uint8Array> {
  // Byte-sized chunks for small inputs only: a case stays cheap (at most about 64 chunks past 4 KiB).
  const mode = b.length > 4096 ? rng.pick([0, 3, 4]) : b.length > 512 ? rng.pick([0, 2, 3, 4]) : rng.int(4);
  const most = Math.max(200, Math.ceil(b.length / 32));
  for (let at = 0; at < b.length;) {
    const n =
      mode === 0 ? b.length : mode === 1 ? rng.between(1, 4) : mode === 2 ? rng.between(1, 200) : mode === 3 ? rng.between(1, 70_000) : rng.between(1, most);
    yield b.subarray(at, at + n);
    at += n;
  }
}

async function collect(items: AsyncIterable<LineItem>): Promise<LineItem[]> {
  const out: LineItem[] = [];
  for await (const i of items) out.push(i);
  return out;
}

async function* replay(items: readonly LineItem[]): AsyncGenerator<LineItem> {
  yield* items;
}

/** The file's lines split independently: LF-separated byte ranges after a leading BOM, each decoded on its own. */
function independentLines(bytes: Buffer): Buffer[] {
  let b = bytes;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
  const out: Buffer[] = [];
  let at = 0;
  for (let nl = b.indexOf(0x0a); nl >= 0; nl = b.indexOf(0x0a, at)) {
    out.push(b.subarray(at, nl));
    at = nl + 1;
  }
  if (at < b.length) out.push(b.subarray(at));
  return out;
}

/** What makes a line bad, stated again: too long, or (not blank and) not a JSON object with a non-empty file_name. */
function isBadLine(item: LineItem): boolean {
  if ('tooLong' in item) return true;
  if (item.text.trim() === '') return false;
  try {
    const v: unknown = JSON.parse(item.text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return true;
    const name = (v as Record<string, unknown>).file_name;
    return typeof name !== 'string' || name === '';
  } catch {
    return true;
  }
}

// ignoreBOM: a BOM inside the file is a character of its line (only the file's first one is dropped, independentLines).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

function checkMetadata(m: MetadataFile, items: readonly LineItem[], input: Input): void {
  const count = items.length;
  assert.equal(m.lines, count, 'lines: the last line number');
  const bad = new Set<number>();
  let prev = 0;
  for (const b of m.badLines) {
    assert.ok(Number.isInteger(b.line) && b.line >= 1 && b.line <= count, `bad line ${b.line} within 1..${count}`);
    assert.ok(b.line > prev, 'bad lines in order, each once');
    prev = b.line;
    assert.ok(b.message.startsWith(`line ${b.line} `), `message names its line: ${b.message.slice(0, 80)}`);
    bad.add(b.line);
  }
  assert.ok(m.badLines.length <= 50 && (m.moreBadLines === 0 || m.badLines.length === 50), 'the kept bad lines fill up first');
  assert.equal(m.badLines.length + m.moreBadLines, items.filter(isBadLine).length, 'bad lines counted independently');
  for (const [key, e] of m.entries) {
    assert.ok(Number.isInteger(e.line) && e.line >= 1 && e.line <= count, `entry ${key} line ${e.line} within 1..${count}`);
    assert.ok(!bad.has(e.line), `entry ${key} on bad line ${e.line}`);
    assert.ok(!key.includes('\\') && !key.startsWith('./') && !key.includes('//'), `key normalised: ${key}`);
    const c = e.caption;
    assert.ok(c === null || typeof c === 'string' || (Array.isArray(c) && c.length > 0 && c.every((t) => typeof t === 'string')), `caption of ${key}`);
    assert.equal(typeof e.hasCaption, 'boolean');
    if (input.captionColumn === null) assert.ok(c === null && !e.hasCaption, 'no caption column, no caption');
    if (c !== null) assert.ok(e.hasCaption, 'a caption read is a caption present');
    // A key no line has (the columns are every key seen) is no line's caption, whatever its name ("constructor").
    if (input.captionColumn !== null && !m.columns.has(input.captionColumn)) assert.ok(c === null && !e.hasCaption, `${key}: a caption from no column`);
  }
  assert.ok(!m.columns.has('file_name'), 'file_name is no column');
  if (input.goodAtEnd) {
    const g = m.entries.get(GOOD_NAME);
    assert.ok(g, 'the good line after the garbage is read');
    assert.equal(g.line, count, 'the good line is the last line');
    if (input.captionColumn === 'text') assert.equal(g.caption, GOOD_CAPTION);
  }
}

let dir: string | undefined;

async function checkOnDisk(input: Input, inMemory: MetadataFile): Promise<void> {
  if (dir === undefined) {
    dir = mkdtempSync(join(tmpdir(), 'sdxl-fuzz-metadata-'));
    mkdirSync(join(dir, 'sub'));
    for (const f of IMAGES) writeFileSync(join(dir, f), '');
  }
  const file = join(dir, 'metadata.jsonl');
  writeFileSync(file, input.bytes);
  const m = await readMetadata(file, input.captionColumn);
  assert.deepEqual({ ...m, file: '', dir: '' }, { ...inMemory, file: '', dir: '' }, 'the file reads as the bytes in memory do');
  const findings: DatasetFinding[] = [];
  const images = await imagefolderItems(
    { kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: input.captionColumn },
    (f) => findings.push(f),
    () => undefined,
    { files: 0 },
  );
  assert.equal(images.length, IMAGES.length, 'every image file is an item');
  for (const f of findings) {
    assert.ok(Object.prototype.hasOwnProperty.call(CODES, f.code), `known code ${f.code}`);
    assert.ok(typeof f.file === 'string' && isAbsolute(f.file), `finding ${f.code} names an absolute file`);
    assert.ok(typeof f.message === 'string' && f.message.length > 0, `finding ${f.code} has a message`);
    if (f.line !== undefined) {
      assert.equal(f.file, file, `a finding with a line (${f.code}) is on metadata.jsonl`);
      assert.ok(Number.isInteger(f.line) && f.line >= 1 && f.line <= m.lines, `${f.code} line ${f.line} within 1..${m.lines}`);
    }
  }
  for (const img of images)
    if (img.captionLine !== undefined) assert.ok(img.captionLine >= 1 && img.captionLine <= m.lines, `captionLine ${img.captionLine} of ${img.file}`);
  if (input.goodAtEnd) assert.equal(images.find((i) => i.file === join(dir!, GOOD_NAME))?.captionLine, m.lines, 'the good image takes the last line');
}

test('fuzz: metadata.jsonl', async (t) => {
  t.after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  await runFuzz<Input>({
    name: 'metadata.jsonl',
    file: 'test/fuzz/metadataJsonl.fuzz.ts',
    seconds: 150,
    generate,
    check: async (input, rng) => {
      const items = await collect(splitLines(chunksOf(rng, input.bytes), MAX_METADATA_LINE));
      // The lines, against an independent split of the bytes.
      const expected = independentLines(input.bytes);
      assert.equal(items.length, expected.length, 'line count');
      items.forEach((item, i) => {
        assert.equal(item.line, i + 1, 'lines numbered from 1 in order');
        const text = decoder.decode(expected[i]);
        if ('tooLong' in item) assert.ok(text.length > MAX_METADATA_LINE, `line ${item.line} of ${text.length} characters is not too long`);
        else {
          assert.ok(text.length <= MAX_METADATA_LINE, `line ${item.line} of ${text.length} characters is read whole`);
          assert.equal(item.text, text.replace(/\r$/, ''), `line ${item.line}'s text`);
        }
      });
      const m = await parseMetadata(replay(items), '/ws/data/metadata.jsonl', input.captionColumn);
      checkMetadata(m, items, input);
      if (input.onDisk) await checkOnDisk(input, m);
    },
    sizeOf: (input) => input.bytes.length,
    describe: (input) =>
      `column ${String(input.captionColumn)}${input.onDisk ? ', on disk' : ''}${input.goodAtEnd ? ', good line at end' : ''}: ${input.bytes.length} bytes ${JSON.stringify(input.bytes.toString('latin1').slice(0, 400))}`,
  });
});
