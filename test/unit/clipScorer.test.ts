// The ONNX CLIP scorer on the tiny CLIP-shaped model the tests write (test/clip/tinyClip.ts): its numbers against the
// same math in plain TS, batches against one by one, bad images, cancel, the model layouts it accepts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { findClipModelFiles } from '../../src/core/clip/clipModelDir';
import { createClipScorer } from '../../src/core/clip/onnxScorer';
import { loadImageConfig, preprocessImages } from '../../src/core/clip/preprocess';
import { loadClipTokenizer } from '../../src/core/clip/tokenizer';
import type { ImageTextScorer } from '../../src/core/clip/types';
import { writeBadImages, writeNoiseImages } from '../clip/clipTestImages';
import { referenceImageEmbeds, referenceScore, referenceTextEmbeds, writeTinyClip, type TinyClip } from '../clip/tinyClip';
import { repoRoot } from './supervisorTestKit';

let root: string;
let model: TinyClip;
let images: string[];
const scorers: ImageTextScorer[] = [];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'clip-scorer-'));
  model = writeTinyClip(join(root, 'model'));
  images = await writeNoiseImages(join(root, 'images'), 7);
});

after(async () => {
  for (const s of scorers) await s.dispose();
  rmSync(root, { recursive: true, force: true });
});

async function scorerOf(dir: string, batchSize?: number): Promise<ImageTextScorer> {
  const s = createClipScorer({ files: await findClipModelFiles(dir), threads: 1, ...(batchSize ? { batchSize } : {}) });
  scorers.push(s);
  return s;
}

async function reference(c: TinyClip, paths: readonly string[], text: string): Promise<number[]> {
  const cfg = await loadImageConfig(join(c.dir, 'preprocessor_config.json'));
  const tok = await loadClipTokenizer(c.dir);
  const { inputIds, attentionMask } = tok.encodeForModel(text);
  const t = referenceTextEmbeds(c, inputIds, attentionMask);
  const per = 3 * c.size * c.size;
  const pixels = await preprocessImages(paths, cfg);
  return paths.map((_, i) => referenceScore(referenceImageEmbeds(c, pixels.subarray(i * per, (i + 1) * per)), t));
}

const CAPTIONS = ['a photo of the cat', 'the dog and the other dog', '', 'aaaa photo'];

test('scores equal the reference computation in the test, and lie in [0, 100]', async () => {
  const s = await scorerOf(model.dir);
  let positive = 0;
  for (const caption of CAPTIONS) {
    const got = await s.score(images, caption);
    const want = await reference(model, images, caption);
    assert.equal(got.length, images.length);
    got.forEach((g, i) => {
      assert.ok(g >= 0 && g <= 100, `${g}`);
      assert.ok(Math.abs(g - want[i]!) < 1e-3, `${caption} / image ${i}: ${g} vs ${want[i]}`);
      if (g > 0) positive++;
    });
  }
  // Random weights give some negative cosines (clamped to 0) but not only those: the comparison means something.
  assert.ok(positive > 5, `${positive} positive scores`);
});

test('a batch equals one by one; scorePairs equals score; repeated calls are identical', async () => {
  const batched = await scorerOf(model.dir, 3);
  const single = await scorerOf(model.dir, 1);
  const all = await batched.score(images, 'a photo of the cat');
  const one: number[] = [];
  for (const img of images) one.push(...(await single.score([img], 'a photo of the cat')));
  all.forEach((v, i) => assert.ok(Math.abs(v - one[i]!) < 1e-4, `${v} vs ${one[i]}`));
  assert.deepEqual(await batched.score(images, 'a photo of the cat'), all);
  const texts = images.map((_, i) => CAPTIONS[i % CAPTIONS.length]!);
  const pairs = await batched.scorePairs(images, texts);
  for (let i = 0; i < images.length; i++) {
    const [want] = await single.score([images[i]!], texts[i]!);
    assert.ok(Math.abs(pairs[i]! - want!) < 1e-4);
  }
  assert.deepEqual(await batched.score([], 'x'), []);
  await assert.rejects(batched.scorePairs(images, ['one']), /7 images but 1 texts/);
});

test('an unreadable image rejects naming its path; the scorer still works afterwards', async () => {
  const s = await scorerOf(model.dir);
  const bad = await writeBadImages(join(root, 'bad'));
  for (const path of [bad.textAsPng, bad.truncated, join(root, 'missing.png')]) {
    await assert.rejects(s.score([images[0]!, path], 'the cat'), (e: Error) => e.message.includes(path), path);
  }
  assert.equal((await s.score([images[0]!], 'the cat')).length, 1);
});

test('cancel: an aborted signal rejects with an AbortError, before loading or between batches', async () => {
  const s = await scorerOf(model.dir, 1);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(s.score(images, 'the cat', ac.signal), { name: 'AbortError' });
  const mid = new AbortController();
  const p = s.score(images, 'the cat', mid.signal);
  mid.abort();
  await assert.rejects(p, { name: 'AbortError' });
});

test('a text model without attention_mask, and one combined model.onnx, give the reference numbers too', async () => {
  for (const options of [{ attentionMask: false }, { combined: true }, { combined: true, attentionMask: false }]) {
    const c = writeTinyClip(join(root, `model-${JSON.stringify(options).replace(/\W/g, '')}`), options);
    const s = await scorerOf(c.dir);
    const got = await s.score(images.slice(0, 3), 'a photo of the cat');
    const want = await reference(c, images.slice(0, 3), 'a photo of the cat');
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-3, `${JSON.stringify(options)}: ${g} vs ${want[i]}`));
  }
});

test('a folder without a model, and a model with the wrong names, are errors that name the file', async () => {
  await assert.rejects(findClipModelFiles(join(root, 'images')), /no ONNX model/);
  const files = await findClipModelFiles(model.dir);
  const swapped = createClipScorer({ files: { ...files, vision: files.text!, text: files.vision! } });
  scorers.push(swapped);
  await assert.rejects(swapped.score(images, 'x'), (e: Error) => e.message.includes(files.text!) && /expected input pixel_values/.test(e.message));
});

test('creating a scorer does not load onnxruntime-node; the first score does', () => {
  const script = `
    const { createClipScorer } = require('./src/core/clip/onnxScorer');
    const { findClipModelFiles } = require('./src/core/clip/clipModelDir');
    const loaded = () => Object.keys(require.cache).some((k) => k.includes('onnxruntime-node'));
    (async () => {
      const s = createClipScorer({ files: await findClipModelFiles(${JSON.stringify(model.dir)}), threads: 1 });
      const before = loaded();
      await s.score([${JSON.stringify(images[0])}], 'cat');
      console.log(JSON.stringify({ before, after: loaded() }));
      await s.dispose();
    })();`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), { before: false, after: true });
});
