// `sdxl-trainer clip-score`: the tiny CLIP model from a folder and from the loopback fake Hub; bad input.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { findClipModelFiles } from '../../src/core/clip/clipModelDir';
import { createClipScorer } from '../../src/core/clip/onnxScorer';
import { writeBadImages, writeNoiseImages } from '../clip/clipTestImages';
import { writeTinyClip } from '../clip/tinyClip';
import { filesUnder, startFakeHub } from '../hub/fakeHub';

let dir: string;
let modelDir: string;
let images: string[];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-clip-'));
  modelDir = writeTinyClip(join(dir, 'model')).dir;
  images = await writeNoiseImages(join(dir, 'imgs'), 3);
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function run(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', cwd: dir, env };
  const code = await main(argv, io);
  return { code, out, err };
}

test('clip-score with a local model folder: the in-process scorer numbers, as text and --json', async () => {
  const local = createClipScorer({ files: await findClipModelFiles(modelDir) });
  const want = await local.score(images, 'a photo of the cat');
  await local.dispose();
  const rel = images.map((p) => relative(dir, p));
  const text = await run({}, 'clip-score', ...rel, '--prompt', 'a photo of the cat', '--model', 'model');
  assert.equal(text.code, 0, text.err);
  assert.deepEqual(
    text.out.trim().split('\n'),
    rel.map((r, i) => `${want[i]!.toFixed(2)}\t${r}`),
  );
  const json = await run({}, 'clip-score', ...rel, '--prompt', 'a photo of the cat', '--model', modelDir, '--json');
  assert.equal(json.code, 0, json.err);
  const parsed = JSON.parse(json.out) as { model: string; prompt: string; scores: { image: string; score: number }[] };
  assert.equal(parsed.model, modelDir);
  assert.deepEqual(
    parsed.scores.map((s) => s.image),
    images,
  );
  parsed.scores.forEach((s, i) => assert.ok(Math.abs(s.score - want[i]!) < 1e-9));
});

test('clip-score: an unreadable image exits 1 naming it; usage errors', async () => {
  const bad = await writeBadImages(join(dir, 'bad'));
  const r = await run({}, 'clip-score', images[0]!, bad.textAsPng, '--prompt', 'x', '--model', modelDir);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`error: ${bad.textAsPng.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot read the image`));
  assert.notEqual((await run({}, 'clip-score', images[0]!, '--model', modelDir)).code, 0);
  assert.notEqual((await run({}, 'clip-score', '--prompt', 'x', '--model', modelDir)).code, 0);
  const missing = await run({}, 'clip-score', images[0]!, '--prompt', 'x', '--model', './nope');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no such folder/);
});

test('clip-score with a Hub id: downloaded into HF_HOME from HF_ENDPOINT, then scored', async (t) => {
  const hub = await startFakeHub({ repos: [{ id: 'tiny-org/clip', files: filesUnder(modelDir) }] });
  t.after(() => hub.close());
  const env = { HF_ENDPOINT: hub.url, HF_HOME: join(dir, 'hf') };
  const r = await run(env, 'clip-score', images[0]!, '--prompt', 'the cat', '--model', 'tiny-org/clip', '--json');
  assert.equal(r.code, 0, r.err);
  const parsed = JSON.parse(r.out) as { model: string; scores: { score: number }[] };
  assert.ok(parsed.model.startsWith(join(dir, 'hf', 'hub', 'models--tiny-org--clip', 'snapshots')));
  assert.ok(parsed.scores[0]!.score >= 0 && parsed.scores[0]!.score <= 100);
});
