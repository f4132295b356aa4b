// Which files of a finished run a publish takes: the recorded real DreamBooth LoRA run's output_dir (its listing
// rebuilt as files of the listed sizes), a full fine-tune's saved pipeline, checkpoints only when asked, sample images,
// and the clear error (with the newest checkpoint offered) when the final weights are missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { lastValidationImages, selectPublishFiles } from '../../src/core/publish/publishFiles';
import { repoNameOf } from '../../src/core/publish/publishPlan';
import { repoIdProblem } from '../../src/core/publish/publish';

const FIX = join(__dirname, '..', 'fixtures', 'real-v0.27.2');

function plant(root: string, files: Record<string, number>): void {
  for (const [path, size] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), '');
    truncateSync(join(root, path), size);
  }
}

function realRun(t: { after: (f: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'publish-files-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, number> = {};
  for (const line of readFileSync(join(FIX, 'output-pipe', 'listing.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)) {
    const [path, size] = line.split(' ');
    files[path!] = Number(size);
  }
  plant(dir, files);
  return dir;
}

const FULL: Record<string, number> = {
  'model_index.json': 600,
  'scheduler/scheduler_config.json': 400,
  'text_encoder/config.json': 500,
  'text_encoder/model.safetensors': 5000,
  'text_encoder_2/config.json': 500,
  'text_encoder_2/model.safetensors': 6000,
  'tokenizer/vocab.json': 100,
  'tokenizer_2/vocab.json': 100,
  'unet/config.json': 700,
  'unet/diffusion_pytorch_model.safetensors': 9000,
  'vae/config.json': 300,
  'vae/diffusion_pytorch_model.safetensors': 3000,
  'checkpoint-10/optimizer.bin': 100,
  'checkpoint-10/scheduler.bin': 10,
  'checkpoint-10/random_states_0.pkl': 10,
  'checkpoint-10/scaler.pt': 10,
  'checkpoint-10/unet/config.json': 700,
  'checkpoint-10/unet/diffusion_pytorch_model.safetensors': 9000,
  'logs/text2image-fine-tune-sdxl/events.out.tfevents.1.x': 50,
  'optimizer.bin': 100,
};

test('the real LoRA run: only the final weights, with their size', async (t) => {
  const dir = realRun(t);
  const r = await selectPublishFiles({ kind: 'dreambooth-lora', outputDir: dir });
  assert.ok(r.ok);
  assert.deepEqual(
    r.files.map((f) => [f.repoPath, f.localPath, f.size]),
    [['pytorch_lora_weights.safetensors', join(dir, 'pytorch_lora_weights.safetensors'), 223952]],
  );
  assert.equal(r.weights, 'final');
});

test('the real LoRA run with checkpoints: their weights alone, never optimizer/scheduler/RNG states', async (t) => {
  const dir = realRun(t);
  const r = await selectPublishFiles({ kind: 'dreambooth-lora', outputDir: dir, includeCheckpoints: true });
  assert.ok(r.ok);
  assert.deepEqual(
    r.files.map((f) => f.repoPath),
    [
      'pytorch_lora_weights.safetensors',
      'checkpoints/checkpoint-4/pytorch_lora_weights.safetensors',
      'checkpoints/checkpoint-6/pytorch_lora_weights.safetensors',
    ],
  );
  // The card lists them from here (planPublish).
  assert.deepEqual(r.checkpoints, [4, 6]);
  const without = await selectPublishFiles({ kind: 'dreambooth-lora', outputDir: dir });
  assert.ok(without.ok);
  assert.deepEqual(without.checkpoints, []);
});

test('a full fine-tune: the saved pipeline folder, nothing of checkpoints or logs; checkpoints as unet/ when asked', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'publish-full-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  plant(dir, FULL);
  const r = await selectPublishFiles({ kind: 'full', outputDir: dir });
  assert.ok(r.ok);
  const paths = r.files.map((f) => f.repoPath);
  assert.equal(paths[0], 'model_index.json');
  assert.deepEqual(
    [...paths].sort(),
    Object.keys(FULL)
      .filter((p) => !p.startsWith('checkpoint-') && !p.startsWith('logs/') && p !== 'optimizer.bin')
      .sort(),
  );
  assert.equal(r.files.find((f) => f.repoPath === 'unet/diffusion_pytorch_model.safetensors')?.size, 9000);
  const withCk = await selectPublishFiles({ kind: 'full', outputDir: dir, includeCheckpoints: true });
  assert.ok(withCk.ok);
  assert.deepEqual(
    withCk.files.map((f) => f.repoPath).filter((p) => p.startsWith('checkpoints/')),
    ['checkpoints/checkpoint-10/unet/config.json', 'checkpoints/checkpoint-10/unet/diffusion_pytorch_model.safetensors'],
  );
});

test('final weights missing: a clear error offering the newest checkpoint, which is published only when chosen', async (t) => {
  const dir = realRun(t);
  rmSync(join(dir, 'pytorch_lora_weights.safetensors'));
  const r = await selectPublishFiles({ kind: 'dreambooth-lora', outputDir: dir });
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.match(r.error, /final weights are missing: no pytorch_lora_weights\.safetensors in .*checkpoint-6, has weights/);
  assert.equal(r.newestCheckpoint, 6);
  const chosen = await selectPublishFiles({ kind: 'dreambooth-lora', outputDir: dir, fromCheckpoint: 6 });
  assert.ok(chosen.ok);
  assert.deepEqual(chosen.weights, { checkpoint: 6 });
  assert.deepEqual(
    chosen.files.map((f) => [f.repoPath, f.localPath]),
    [['pytorch_lora_weights.safetensors', join(dir, 'checkpoint-6', 'pytorch_lora_weights.safetensors')]],
  );
  const none = await selectPublishFiles({ kind: 'full', outputDir: join(dir, 'nope') });
  assert.ok(!none.ok);
  assert.match(none.error, /does not exist/);
});

test('sample images: the last validation (the final test images first) under images/, with their prompt', async (t) => {
  const dir = realRun(t);
  const cache = join(dir, 'cache');
  plant(cache, { 'validation-0-a/0.png': 10, 'validation-1-b/0.png': 20, 'test-1-c/0.png': 30, 'test-1-c/1.png': 31 });
  const entries = [
    { tag: 'validation', epoch: 0, images: [{ ref: join(cache, 'validation-0-a/0.png') }] },
    { tag: 'test', epoch: 1, images: [{ ref: join(cache, 'test-1-c/0.png') }, { ref: join(cache, 'test-1-c/1.png') }] },
    { tag: 'validation', epoch: 1, images: [{ ref: join(cache, 'validation-1-b/0.png') }] },
  ];
  const images = lastValidationImages(entries, 'a photo of sks square');
  assert.deepEqual(
    images.map((i) => i.path),
    [join(cache, 'test-1-c/0.png'), join(cache, 'test-1-c/1.png')],
  );
  assert.deepEqual(
    lastValidationImages(
      entries.filter((e) => e.tag !== 'test'),
      'p',
    ).map((i) => i.path),
    [join(cache, 'validation-1-b/0.png')],
  );
  const r = await selectPublishFiles({ kind: 'dreambooth-lora', outputDir: dir, images });
  assert.ok(r.ok);
  assert.deepEqual(r.images, [
    { repoPath: 'images/image_0.png', prompt: 'a photo of sks square' },
    { repoPath: 'images/image_1.png', prompt: 'a photo of sks square' },
  ]);
  assert.deepEqual(
    r.files.slice(1).map((f) => [f.repoPath, f.size]),
    [
      ['images/image_0.png', 30],
      ['images/image_1.png', 31],
    ],
  );
});

test('repo names from run names are ids the Hub accepts', () => {
  assert.equal(repoNameOf('Dog LoRA'), 'dog-lora');
  assert.equal(repoNameOf('  rank 32 / sharp--hands.. v2 '), 'rank-32-sharp-hands.-v2');
  assert.equal(repoNameOf('日本'), 'sdxl-model');
  for (const name of ['Dog LoRA', '-x-', 'a..b', 'é', 'x'.repeat(200)]) assert.equal(repoIdProblem(`alice/${repoNameOf(name)}`), undefined, name);
  assert.match(repoIdProblem('alice') ?? '', /namespace\/name/);
  assert.match(repoIdProblem('alice/a--b') ?? '', /no "--"/);
  assert.match(repoIdProblem('alice/-ab') ?? '', /not at the start or end/);
});
