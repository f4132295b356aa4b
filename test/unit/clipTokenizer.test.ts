// The CLIP BPE tokenizer against transformers' CLIPTokenizer (v4.39, with ftfy, as the diffusers scripts load it).
// EXPECTED was generated once with the real worker's Python: for each tokenizer folder below,
//   .cache/real-worker/venv/bin/python test/clip/clipTokenizerReference.py  <<< '{"dir": FOLDER, "captions": TOKENIZER_CAPTIONS}'
// (its "ids"); test/real/clipTokenizer.real.ts runs the same comparison live whenever the worker is installed.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bpe, ClipTokenizer, loadClipTokenizer } from '../../src/core/clip/tokenizer';
import { cleanCaption } from '../../src/core/clip/textCleanup';
import { TOKENIZER_CAPTIONS, writeTinyTokenizer } from '../clip/tinyTokenizer';
import { repoRoot } from './supervisorTestKit';

/** The real worker's tokenizer (tiny vocabulary, no merges), copied into the fixtures. */
const TINY = join(repoRoot, 'test', 'fixtures', 'clip', 'tiny-tokenizer');

// Rows in TOKENIZER_CAPTIONS order. tiny: TINY; bpe: writeTinyTokenizer(dir); bpe2: writeTinyTokenizer(dir, '!').
const EXPECTED: Record<'tiny' | 'bpe' | 'bpe2', number[][]> = {
  tiny: [
    [322, 81, 73, 80, 85, 336, 80, 327, 85, 73, 326, 68, 66, 341],
    [322, 69, 80, 328, 66, 79, 325, 85, 73, 326, 80, 85, 73, 70, 339, 69, 80, 328],
    [78, 86, 77, 85, 74, 81, 77, 326, 84, 81, 66, 68, 70, 340, 66, 79, 325, 79, 70, 344, 77, 74, 79, 70, 340],
    [
      85, 73, 326, 69, 80, 328, 8, 340, 67, 66, 77, 333, 74, 84, 335, 8, 341, 73, 70, 83, 326, 269, 88, 326, 8, 83, 326, 84, 86, 83, 326, 85, 73, 70, 346, 8,
      77, 333, 68, 80, 78, 326,
    ],
    [68, 66, 71, 129, 360, 79, 66, 129, 109, 87, 326, 83, 129, 104, 84, 86, 78, 129, 360, 129, 100, 79, 72, 84, 85, 83, 129, 116, 334],
    [71, 74, 79, 326, 71, 77, 80, 88, 70, 83, 340],
    [71, 86, 77, 333, 88, 74, 69, 85, 329, 66, 67, 324, 274, 275, 276],
    [259, 68, 86, 83, 77, 346, 259, 264, 82, 86, 80, 85, 70, 340, 264],
    [71, 74, 84, 329, 263, 68, 73, 74, 81, 340, 285, 276, 129, 360],
    [322, 285, 323, 287, 85, 66, 328, 29, 272, 323, 287, 263, 66, 78, 337, 284, 78, 80, 83, 326],
    [70, 78, 80, 75, 330, 174, 255, 240, 111, 174, 255, 238, 359, 66, 79, 325, 160, 252, 359, 84, 81, 66, 83, 76, 77, 326, 160, 252, 359],
    [164, 245, 110, 163, 257, 503, 274, 275, 276, 66, 79, 325, 277, 271, 278, 66, 79, 325, 274, 269, 273, 273, 273],
    [73, 70, 77, 77, 336, 2, 88, 80, 83, 77, 325],
    [
      73, 90, 81, 73, 70, 335, 270, 66, 85, 70, 325, 86, 79, 69, 70, 339, 320, 84, 68, 80, 83, 326, 84, 77, 66, 84, 329, 272, 81, 66, 85, 329, 265, 81, 66, 83,
      70, 79, 340, 266, 316, 67, 83, 66, 68, 76, 70, 85, 340, 318,
    ],
    [],
    [],
    [66, 66, 66, 322, 66, 66, 322, 66, 322, 322],
    [85, 73, 70, 85, 73, 70, 85, 73, 326, 85, 73, 70, 85, 73, 70, 339],
    [129, 122, 79, 129, 109, 68, 129, 116, 69, 129, 360, 68, 80, 78, 67, 74, 79, 74, 79, 328, 129, 360],
    [85, 66, 323, 79, 67, 84, 337, 70, 78, 84, 81, 66, 68, 70, 67, 80, 334],
    [81, 73, 80, 85, 336, 81, 73, 80, 85, 80, 72, 83, 66, 81, 329, 81, 73, 80, 85, 80, 340, 269, 81, 73, 80, 85, 336, 258],
    [
      88, 80, 83, 325, 273, 88, 80, 83, 325, 274, 88, 80, 83, 325, 275, 88, 80, 83, 325, 276, 88, 80, 83, 325, 277, 88, 80, 83, 325, 278, 88, 80, 83, 325, 279,
      88, 80, 83, 325, 280, 88, 80, 83, 325, 281, 88, 80, 83, 325, 282, 88, 80, 83, 325, 274, 273, 88, 80, 83, 325, 274, 274, 88, 80, 83, 325, 274, 275, 88, 80,
      83, 325, 274, 276, 88, 80, 83, 325, 274, 277, 88, 80, 83, 325, 274, 278, 88, 80, 83, 325, 274, 279, 88, 80, 83, 325, 274, 280, 88, 80, 83, 325, 274, 281,
      88, 80, 83, 325, 274, 282, 88, 80, 83, 325, 275, 273, 88, 80, 83, 325, 275, 274, 88, 80, 83, 325, 275, 275, 88, 80, 83, 325, 275, 276, 88, 80, 83, 325,
      275, 277, 88, 80, 83, 325, 275, 278, 88, 80, 83, 325, 275, 279, 88, 80, 83, 325, 275, 280, 88, 80, 83, 325, 275, 281, 88, 80, 83, 325, 275, 282, 88, 80,
      83, 325, 276, 273, 88, 80, 83, 325, 276, 274, 88, 80, 83, 325, 276, 275, 88, 80, 83, 325, 276, 276, 88, 80, 83, 325, 276, 277, 88, 80, 83, 325, 276, 278,
      88, 80, 83, 325, 276, 279, 88, 80, 83, 325, 276, 280, 88, 80, 83, 325, 276, 281, 88, 80, 83, 325, 276, 282, 88, 80, 83, 325, 277, 273, 88, 80, 83, 325,
      277, 274, 88, 80, 83, 325, 277, 275, 88, 80, 83, 325, 277, 276, 88, 80, 83, 325, 277, 277, 88, 80, 83, 325, 277, 278, 88, 80, 83, 325, 277, 279, 88, 80,
      83, 325, 277, 280, 88, 80, 83, 325, 277, 281, 88, 80, 83, 325, 277, 282, 88, 80, 83, 325, 278, 273, 88, 80, 83, 325, 278, 274, 88, 80, 83, 325, 278, 275,
      88, 80, 83, 325, 278, 276, 88, 80, 83, 325, 278, 277, 88, 80, 83, 325, 278, 278, 88, 80, 83, 325, 278, 279, 88, 80, 83, 325, 278, 280, 88, 80, 83, 325,
      278, 281, 88, 80, 83, 325, 278, 282,
    ],
  ],
  bpe: [
    [353, 527, 528, 513, 515],
    [353, 523, 520, 513, 111, 512, 521, 523],
    [109, 117, 108, 116, 105, 112, 108, 357, 115, 112, 97, 99, 101, 371, 520, 110, 101, 375, 108, 516, 101, 371],
    [
      513, 523, 39, 371, 98, 97, 108, 364, 105, 115, 366, 39, 372, 104, 101, 114, 357, 300, 119, 357, 39, 114, 357, 115, 117, 114, 357, 532, 377, 39, 108, 364,
      99, 111, 109, 357,
    ],
    [99, 97, 102, 195, 425, 110, 97, 195, 175, 118, 357, 114, 195, 169, 115, 117, 109, 195, 425, 195, 165, 110, 103, 115, 116, 114, 195, 182, 365],
    [102, 516, 357, 102, 108, 111, 119, 101, 114, 371],
    [102, 117, 108, 364, 119, 105, 100, 116, 360, 97, 98, 355, 305, 306, 307],
    [290, 99, 117, 114, 108, 377, 290, 295, 113, 117, 111, 116, 101, 371, 295],
    [102, 105, 115, 360, 294, 99, 104, 105, 112, 371, 316, 307, 195, 425],
    [353, 316, 354, 318, 116, 97, 359, 60, 303, 354, 318, 294, 97, 109, 368, 315, 109, 111, 114, 357],
    [101, 109, 111, 106, 361, 240, 159, 144, 177, 240, 159, 142, 424, 520, 226, 156, 424, 115, 112, 97, 114, 107, 108, 357, 226, 156, 424],
    [230, 149, 176, 229, 173, 407, 305, 306, 307, 520, 308, 302, 309, 520, 305, 300, 304, 304, 304],
    [104, 531, 367, 537, 119, 111, 114, 108, 356],
    [
      104, 121, 524, 101, 366, 301, 97, 116, 101, 356, 117, 110, 100, 521, 351, 115, 99, 111, 114, 357, 115, 108, 97, 115, 360, 303, 112, 97, 116, 360, 296,
      112, 97, 529, 110, 371, 297, 347, 98, 114, 97, 99, 107, 101, 116, 371, 349,
    ],
    [],
    [],
    [534, 97, 353, 535, 97, 353, 353],
    [532, 532, 513, 532, 512, 521],
    [195, 188, 110, 195, 175, 99, 195, 182, 100, 195, 425, 99, 111, 109, 98, 516, 517, 195, 425],
    [116, 97, 354, 110, 98, 115, 368, 101, 109, 115, 112, 97, 99, 101, 98, 111, 365],
    [527, 526, 111, 103, 114, 97, 112, 360, 526, 111, 371, 300, 527, 289],
    [
      119, 111, 114, 356, 304, 119, 111, 114, 356, 305, 119, 111, 114, 356, 306, 119, 111, 114, 356, 307, 119, 111, 114, 356, 308, 119, 111, 114, 356, 309, 119,
      111, 114, 356, 310, 119, 111, 114, 356, 311, 119, 111, 114, 356, 312, 119, 111, 114, 356, 313, 119, 111, 114, 356, 305, 304, 119, 111, 114, 356, 305, 305,
      119, 111, 114, 356, 305, 306, 119, 111, 114, 356, 305, 307, 119, 111, 114, 356, 305, 308, 119, 111, 114, 356, 305, 309, 119, 111, 114, 356, 305, 310, 119,
      111, 114, 356, 305, 311, 119, 111, 114, 356, 305, 312, 119, 111, 114, 356, 305, 313, 119, 111, 114, 356, 306, 304, 119, 111, 114, 356, 306, 305, 119, 111,
      114, 356, 306, 306, 119, 111, 114, 356, 306, 307, 119, 111, 114, 356, 306, 308, 119, 111, 114, 356, 306, 309, 119, 111, 114, 356, 306, 310, 119, 111, 114,
      356, 306, 311, 119, 111, 114, 356, 306, 312, 119, 111, 114, 356, 306, 313, 119, 111, 114, 356, 307, 304, 119, 111, 114, 356, 307, 305, 119, 111, 114, 356,
      307, 306, 119, 111, 114, 356, 307, 307, 119, 111, 114, 356, 307, 308, 119, 111, 114, 356, 307, 309, 119, 111, 114, 356, 307, 310, 119, 111, 114, 356, 307,
      311, 119, 111, 114, 356, 307, 312, 119, 111, 114, 356, 307, 313, 119, 111, 114, 356, 308, 304, 119, 111, 114, 356, 308, 305, 119, 111, 114, 356, 308, 306,
      119, 111, 114, 356, 308, 307, 119, 111, 114, 356, 308, 308, 119, 111, 114, 356, 308, 309, 119, 111, 114, 356, 308, 310, 119, 111, 114, 356, 308, 311, 119,
      111, 114, 356, 308, 312, 119, 111, 114, 356, 308, 313, 119, 111, 114, 356, 309, 304, 119, 111, 114, 356, 309, 305, 119, 111, 114, 356, 309, 306, 119, 111,
      114, 356, 309, 307, 119, 111, 114, 356, 309, 308, 119, 111, 114, 356, 309, 309, 119, 111, 114, 356, 309, 310, 119, 111, 114, 356, 309, 311, 119, 111, 114,
      356, 309, 312, 119, 111, 114, 356, 309, 313,
    ],
  ],
  bpe2: [
    [353, 527, 528, 513, 515],
    [353, 523, 520, 513, 111, 512, 521, 523],
    [109, 117, 108, 116, 105, 112, 108, 357, 115, 112, 97, 99, 101, 371, 520, 110, 101, 375, 108, 516, 101, 371],
    [
      513, 523, 39, 371, 98, 97, 108, 364, 105, 115, 366, 39, 372, 104, 101, 114, 357, 300, 119, 357, 39, 114, 357, 115, 117, 114, 357, 532, 377, 39, 108, 364,
      99, 111, 109, 357,
    ],
    [99, 97, 102, 195, 425, 110, 97, 195, 175, 118, 357, 114, 195, 169, 115, 117, 109, 195, 425, 195, 165, 110, 103, 115, 116, 114, 195, 182, 365],
    [102, 516, 357, 102, 108, 111, 119, 101, 114, 371],
    [102, 117, 108, 364, 119, 105, 100, 116, 360, 97, 98, 355, 305, 306, 307],
    [290, 99, 117, 114, 108, 377, 290, 295, 113, 117, 111, 116, 101, 371, 295],
    [102, 105, 115, 360, 294, 99, 104, 105, 112, 371, 316, 307, 195, 425],
    [353, 316, 354, 318, 116, 97, 359, 60, 303, 354, 318, 294, 97, 109, 368, 315, 109, 111, 114, 357],
    [101, 109, 111, 106, 361, 240, 159, 144, 177, 240, 159, 142, 424, 520, 226, 156, 424, 115, 112, 97, 114, 107, 108, 357, 226, 156, 424],
    [230, 149, 176, 229, 173, 407, 305, 306, 307, 520, 308, 302, 309, 520, 305, 300, 304, 304, 304],
    [104, 531, 367, 537, 119, 111, 114, 108, 356],
    [
      104, 121, 524, 101, 366, 301, 97, 116, 101, 356, 117, 110, 100, 521, 351, 115, 99, 111, 114, 357, 115, 108, 97, 115, 360, 303, 112, 97, 116, 360, 296,
      112, 97, 529, 110, 371, 297, 347, 98, 114, 97, 99, 107, 101, 116, 371, 349,
    ],
    [],
    [],
    [534, 97, 353, 535, 97, 353, 353],
    [532, 532, 513, 532, 512, 521],
    [195, 188, 110, 195, 175, 99, 195, 182, 100, 195, 425, 99, 111, 109, 98, 516, 517, 195, 425],
    [116, 97, 354, 110, 98, 115, 368, 101, 109, 115, 112, 97, 99, 101, 98, 111, 365],
    [527, 526, 111, 103, 114, 97, 112, 360, 526, 111, 371, 300, 527, 33],
    [
      119, 111, 114, 356, 304, 119, 111, 114, 356, 305, 119, 111, 114, 356, 306, 119, 111, 114, 356, 307, 119, 111, 114, 356, 308, 119, 111, 114, 356, 309, 119,
      111, 114, 356, 310, 119, 111, 114, 356, 311, 119, 111, 114, 356, 312, 119, 111, 114, 356, 313, 119, 111, 114, 356, 305, 304, 119, 111, 114, 356, 305, 305,
      119, 111, 114, 356, 305, 306, 119, 111, 114, 356, 305, 307, 119, 111, 114, 356, 305, 308, 119, 111, 114, 356, 305, 309, 119, 111, 114, 356, 305, 310, 119,
      111, 114, 356, 305, 311, 119, 111, 114, 356, 305, 312, 119, 111, 114, 356, 305, 313, 119, 111, 114, 356, 306, 304, 119, 111, 114, 356, 306, 305, 119, 111,
      114, 356, 306, 306, 119, 111, 114, 356, 306, 307, 119, 111, 114, 356, 306, 308, 119, 111, 114, 356, 306, 309, 119, 111, 114, 356, 306, 310, 119, 111, 114,
      356, 306, 311, 119, 111, 114, 356, 306, 312, 119, 111, 114, 356, 306, 313, 119, 111, 114, 356, 307, 304, 119, 111, 114, 356, 307, 305, 119, 111, 114, 356,
      307, 306, 119, 111, 114, 356, 307, 307, 119, 111, 114, 356, 307, 308, 119, 111, 114, 356, 307, 309, 119, 111, 114, 356, 307, 310, 119, 111, 114, 356, 307,
      311, 119, 111, 114, 356, 307, 312, 119, 111, 114, 356, 307, 313, 119, 111, 114, 356, 308, 304, 119, 111, 114, 356, 308, 305, 119, 111, 114, 356, 308, 306,
      119, 111, 114, 356, 308, 307, 119, 111, 114, 356, 308, 308, 119, 111, 114, 356, 308, 309, 119, 111, 114, 356, 308, 310, 119, 111, 114, 356, 308, 311, 119,
      111, 114, 356, 308, 312, 119, 111, 114, 356, 308, 313, 119, 111, 114, 356, 309, 304, 119, 111, 114, 356, 309, 305, 119, 111, 114, 356, 309, 306, 119, 111,
      114, 356, 309, 307, 119, 111, 114, 356, 309, 308, 119, 111, 114, 356, 309, 309, 119, 111, 114, 356, 309, 310, 119, 111, 114, 356, 309, 311, 119, 111, 114,
      356, 309, 312, 119, 111, 114, 356, 309, 313,
    ],
  ],
};

function folders(): Record<keyof typeof EXPECTED, string> {
  const d = mkdtempSync(join(tmpdir(), 'clip-tok-'));
  return { tiny: TINY, bpe: writeTinyTokenizer(join(d, 'bpe')), bpe2: writeTinyTokenizer(join(d, 'bpe2'), '!') };
}

test('encode gives the ids of transformers CLIPTokenizer on every caption of the table, for each tokenizer', async () => {
  for (const [name, dir] of Object.entries(folders()) as [keyof typeof EXPECTED, string][]) {
    const tok = await loadClipTokenizer(dir);
    TOKENIZER_CAPTIONS.forEach((caption, i) => {
      assert.deepEqual(tok.encode(caption), EXPECTED[name][i], `${name}: ${JSON.stringify(caption)}`);
      assert.equal(tok.countTokens(caption), EXPECTED[name][i]!.length);
    });
  }
});

test('encodeForModel: BOS + ids + EOS, truncated to 77 with EOS kept, padded with the configured pad token', async () => {
  const f = folders();
  const clipL = await loadClipTokenizer(f.bpe);
  const sdxl2 = await loadClipTokenizer(f.bpe2);
  assert.equal(clipL.padId, clipL.eosId);
  assert.notEqual(sdxl2.padId, sdxl2.eosId);
  for (const tok of [clipL, sdxl2]) {
    const short = tok.encodeForModel('the cat');
    assert.equal(short.inputIds.length, 77);
    assert.deepEqual(short.inputIds.slice(0, 4), [tok.bosId, ...tok.encode('the cat'), tok.eosId]);
    assert.ok(short.inputIds.slice(4).every((id) => id === tok.padId));
    assert.deepEqual(short.attentionMask.slice(0, 5), [1, 1, 1, 1, 0]);
    const longCaption = TOKENIZER_CAPTIONS[TOKENIZER_CAPTIONS.length - 1]!;
    const long = tok.encodeForModel(longCaption);
    assert.equal(long.inputIds.length, 77);
    assert.equal(long.inputIds[76], tok.eosId);
    assert.deepEqual(long.inputIds.slice(1, 76), tok.encode(longCaption).slice(0, 75));
    assert.ok(long.attentionMask.every((m) => m === 1));
  }
});

test('BPE merges by rank, leftmost first, and the heap version equals the quadratic reference on random words', () => {
  const ranks = new Map([
    ['a a', 0],
    ['aa a</w>', 1],
    ['b c', 2],
    ['a bc', 3],
  ]);
  assert.deepEqual(bpe(['a', 'a', 'a', 'a</w>'], ranks), ['aa', 'a', 'a</w>']);
  assert.deepEqual(bpe(['a', 'b', 'c</w>'], ranks), ['a', 'b', 'c</w>']);
  assert.deepEqual(bpe(['a', 'b', 'c'], ranks), ['abc']);
  let seed = 7;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const alphabet = ['a', 'b', 'c'];
  const merges: [string, string][] = [];
  const tokens = new Set(alphabet);
  for (let i = 0; i < 30; i++) {
    const arr = Array.from(tokens);
    const a = arr[rnd(arr.length)]!;
    const b = arr[rnd(arr.length)]!;
    if (merges.some(([x, y]) => x === a && y === b)) continue;
    merges.push([a, b]);
    tokens.add(a + b);
  }
  const r = new Map(merges.map(([a, b], i) => [`${a} ${b}`, i]));
  for (let k = 0; k < 300; k++) {
    const word = Array.from({ length: 1 + rnd(12) }, () => alphabet[rnd(3)]!);
    assert.deepEqual(bpe(word, r), referenceBpe(word, r), word.join(''));
  }
});

/** CLIPTokenizer.bpe, transcribed: merge every occurrence of the lowest-ranked pair, left to right, until none. */
function referenceBpe(symbols: string[], ranks: Map<string, number>): string[] {
  let word = symbols.slice();
  for (;;) {
    let best: number | undefined;
    let pair: [string, string] | undefined;
    for (let i = 0; i + 1 < word.length; i++) {
      const rank = ranks.get(`${word[i]} ${word[i + 1]}`);
      if (rank !== undefined && (best === undefined || rank < best)) {
        best = rank;
        pair = [word[i]!, word[i + 1]!];
      }
    }
    if (!pair) return word;
    const out: string[] = [];
    for (let i = 0; i < word.length; i++) {
      if (i + 1 < word.length && word[i] === pair[0] && word[i + 1] === pair[1]) {
        out.push(pair[0] + pair[1]);
        i++;
      } else out.push(word[i]!);
    }
    word = out;
  }
}

test('a 1 MB caption (and one 1 MB word) tokenizes in linear time', async () => {
  const tok = await loadClipTokenizer(folders().bpe);
  const words = Array.from({ length: 2000 }, (_, i) => `photo${i.toString(36)}ing the cat`).join(' ');
  const small = words.slice(0, 10_000);
  const big = words.repeat(Math.ceil(1_000_000 / words.length)).slice(0, 1_000_000);
  const time = (f: () => void): number => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  time(() => tok.countTokens(small));
  const tSmall = Math.max(
    1,
    time(() => tok.countTokens(small)),
  );
  const tBig = time(() => tok.countTokens(big));
  // 100× the text: linear is ~100×; quadratic would be ~10,000×. Generous bound for a shared machine.
  assert.ok(tBig < tSmall * 1000, `1 MB took ${tBig} ms, 10 kB ${tSmall} ms`);
  const oneWord = 'a'.repeat(1_000_000);
  const tWord = time(() => assert.ok(tok.countTokens(oneWord) > 0));
  assert.ok(tWord < 20_000, `a 1 MB word took ${tWord} ms`);
});

test('loading names the folder and file of a problem', async () => {
  const d = mkdtempSync(join(tmpdir(), 'clip-tok-bad-'));
  await assert.rejects(loadClipTokenizer(d), /cannot read vocab\.json/);
  writeFileSync(join(d, 'vocab.json'), '[1]');
  writeFileSync(join(d, 'merges.txt'), '');
  await assert.rejects(loadClipTokenizer(d), (e: Error) => e.message.includes(join(d, 'vocab.json')) && /not a JSON object/.test(e.message));
  writeFileSync(join(d, 'vocab.json'), '{"a": 1}');
  await assert.rejects(loadClipTokenizer(d), /bos_token "<\|startoftext\|>" is not in vocab\.json/);
  assert.throws(() => new ClipTokenizer({ vocab: { '<|startoftext|>': 0, '<|endoftext|>': 1 }, merges: 'a b c' }), /merges\.txt line 1/);
});

test('cleanCaption: the ftfy fixes it does, whitespace collapsed, lower-cased', () => {
  assert.equal(cleanCaption('  A\u00a0\tB\n\nC  '), 'a b c');
  assert.equal(cleanCaption('\ufb01ne \u201cQ\u201d \u2018s\u2019'), 'fine "q" \'s\'');
  assert.equal(cleanCaption('ＡＢＣ\u3000x'), 'abc x');
  assert.equal(cleanCaption('fish &amp; chips'), 'fish & chips');
  assert.equal(cleanCaption('<b> &amp;'), '<b> &amp;');
  assert.equal(cleanCaption('e\u0301\x1b[31mred\x1b[0m\u0007'), '\u00e9red');
});
