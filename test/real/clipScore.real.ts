// The real worker's validation images (one tiny DreamBooth LoRA run on CPU, its validation and test images cut from
// the event file into .sdxl/images/<id>/ as the editor does) scored with the tests' CLIP-shaped ONNX model, through
// the worker thread the editor uses and in-process: finite, in [0, 100], deterministic, the same both ways.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { findClipModelFiles } from '../../src/core/clip/clipModelDir';
import { ClipWorkerClient } from '../../src/core/clip/clipWorkerClient';
import { createClipScorer } from '../../src/core/clip/onnxScorer';
import { clipWorkerSpawn } from '../clip/clipWorkerBundle';
import { writeTinyClip } from '../clip/tinyClip';
import {
  ended,
  newWorkspace,
  noProcessLeft,
  realLaunch,
  realWorkerOrSkip,
  startConfig,
  supervisor,
  tinyArgs,
  writeConfig,
  wrapperJs,
  type Workspace,
} from './realWorker';

const { worker, skip } = realWorkerOrSkip();
const opts = { skip, timeout: 600_000 };

let ws: Workspace | undefined;
let images: { path: string; prompt: string }[] = [];

before(async () => {
  if (!worker) return;
  ws = newWorkspace();
  const sup = supervisor(ws, await wrapperJs());
  // One epoch of the 4 instance images with a validation at its end, then the final test image.
  const prompt = 'a photo of sks square';
  const file = writeConfig(
    ws,
    'clip',
    realLaunch(worker),
    tinyArgs(worker, { max_train_steps: 4, validation_prompt: prompt, num_validation_images: 2, validation_epochs: 1 }),
  );
  const { entry, monitor } = await startConfig(ws, sup, file);
  const state = await ended(monitor, 540_000, 'the real training');
  monitor.stop();
  await noProcessLeft(sup, entry.record.id);
  images = state.validation.entries.flatMap((e) => e.images.map((i) => ({ path: i.ref, prompt })));
});

test('real validation images: CLIP scores finite, in range, deterministic; worker equals in-process', opts, async (t) => {
  assert.ok(images.length >= 2, `validation images: ${images.length}`);
  for (const i of images) {
    assert.ok(existsSync(i.path), i.path);
    assert.ok(i.path.includes(join('.sdxl', 'images')), `cut into .sdxl/images: ${i.path}`);
  }
  const files = await findClipModelFiles(writeTinyClip(join(ws!.root, 'tiny-clip')).dir);
  const client = new ClipWorkerClient({ files, spawn: await clipWorkerSpawn() });
  const local = createClipScorer({ files });
  t.after(() => Promise.all([client.dispose(), local.dispose()]));
  const paths = images.map((i) => i.path);
  const prompt = images[0]!.prompt;
  const a = await client.score(paths, prompt);
  const b = await client.score(paths, prompt);
  const c = await local.score(paths, prompt);
  assert.deepEqual(a, b);
  a.forEach((s, i) => {
    assert.ok(Number.isFinite(s) && s >= 0 && s <= 100, `${paths[i]}: ${s}`);
    assert.ok(Math.abs(s - c[i]!) < 1e-5);
  });
  const pairs = await client.scorePairs(
    paths,
    paths.map(() => prompt),
  );
  pairs.forEach((s, i) => assert.ok(Math.abs(s - a[i]!) < 1e-5));
});
