import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCompleteCheckpoint, newestCompleteCheckpoint, scanCheckpoints, checkpointStep } from '../../src/core/worker/checkpoints';

function make(root: string, name: string, files: Record<string, number>): void {
  for (const [rel, size] of Object.entries(files)) {
    const p = join(root, name, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, Buffer.alloc(size, 1));
  }
}
const COMMON = { 'optimizer.bin': 10, 'scheduler.bin': 2, 'random_states_0.pkl': 3 };

function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

test('complete and incomplete checkpoints of each layout; sizes; nothing written', async () => {
  const out = mkdtempSync(join(tmpdir(), 'ckpt-'));
  try {
    make(out, 'checkpoint-100', { ...COMMON, 'unet/config.json': 1, 'unet/diffusion_pytorch_model.safetensors': 50 });
    make(out, 'checkpoint-200', {
      ...COMMON,
      'unet/config.json': 1,
      'unet/diffusion_pytorch_model.safetensors.index.json': 1,
      'unet/diffusion_pytorch_model-00001-of-00002.safetensors': 40,
      'unet/diffusion_pytorch_model-00002-of-00002.safetensors': 40,
    });
    make(out, 'checkpoint-300', {
      ...COMMON,
      'unet/config.json': 1,
      'unet/diffusion_pytorch_model.safetensors.index.json': 1,
      'unet/diffusion_pytorch_model-00001-of-00002.safetensors': 40,
    });
    make(out, 'checkpoint-400', { ...COMMON, 'unet/config.json': 1, 'unet/diffusion_pytorch_model.safetensors': 0 }); // killed mid-write
    make(out, 'checkpoint-500', { 'unet/config.json': 1 });
    make(out, 'checkpoint-best', { x: 1 });
    writeFileSync(join(out, 'checkpoints'), 'not a dir');
    const before = tree(out);
    const scan = await scanCheckpoints(out, { script: 'full' });
    assert.deepEqual(
      scan.checkpoints.map((c) => [c.step, c.complete]),
      [
        [100, true],
        [200, true],
        [300, false],
        [400, false],
        [500, false],
      ],
    );
    assert.equal(scan.checkpoints[0]!.sizeBytes, 10 + 2 + 3 + 1 + 50);
    assert.equal(scan.checkpoints[0]!.path, join(out, 'checkpoint-100'));
    assert.deepEqual(scan.stray, ['checkpoint-best', 'checkpoints']);
    assert.equal(newestCompleteCheckpoint(scan.checkpoints)!.step, 200);
    // The console's `Saved state to` vouches for a checkpoint whatever its files look like.
    const vouched = await scanCheckpoints(out, { script: 'full', savedSteps: [500], sizes: false });
    assert.equal(newestCompleteCheckpoint(vouched.checkpoints)!.step, 500);
    assert.equal(vouched.checkpoints[0]!.sizeBytes, undefined);
    assert.deepEqual(tree(out), before, 'the scanner never creates anything in output_dir');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('LoRA/DreamBooth layout, unknown script accepts either, missing dir is empty', async () => {
  const lora = new Set(['pytorch_lora_weights.safetensors', ...Object.keys(COMMON)]);
  assert.equal(isCompleteCheckpoint(lora, 'lora'), true);
  assert.equal(isCompleteCheckpoint(lora, 'dreambooth-lora'), true);
  assert.equal(isCompleteCheckpoint(lora, 'full'), false);
  assert.equal(isCompleteCheckpoint(lora, null), true);
  assert.equal(isCompleteCheckpoint(new Set(['pytorch_lora_weights.safetensors', 'optimizer.bin', 'scheduler.bin']), 'lora'), false);
  assert.deepEqual(await scanCheckpoints(join(tmpdir(), 'does-not-exist-' + process.pid)), { checkpoints: [], stray: [] });
  assert.equal(checkpointStep('checkpoint-12'), 12);
  assert.equal(checkpointStep('checkpoint-12.5'), undefined);
  assert.equal(newestCompleteCheckpoint([]), undefined);
});
