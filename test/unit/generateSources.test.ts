// Which sources a run offers to generate with, and the settings a generation starts from (src/core/generate/sources.ts):
// the recorded real DreamBooth LoRA run (test/fixtures/real-v0.27.2) and a full fine-tune's output folder layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConsole } from '../../src/core/worker/consoleParser';
import { reduceAll } from '../../src/core/run/reducer';
import { scanCheckpoints } from '../../src/core/worker/checkpoints';
import { defaultSettings, finalWeightsExist, generationSources } from '../../src/core/generate/sources';
import { settingsProblems } from '../../src/core/generate/argv';

const FIX = join(__dirname, '..', 'fixtures', 'real-v0.27.2');

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gen-sources-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function touch(dir: string, rel: string, bytes = 8): void {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), Buffer.alloc(bytes, 1));
}

test('the recorded real DreamBooth LoRA run: base, its complete checkpoints by step, final, all LoRA', async (t) => {
  // The run's state from its console, as the monitor reduces it: checkpoint-2 was saved then pruned, 4 and 6 remain.
  const state = reduceAll(parseConsole(readFileSync(join(FIX, 'console-pipe.log'))));
  assert.equal(state.script, 'dreambooth-lora');
  const out = tempDir(t);
  // output_dir as its listing says (the weights files are all that matters here).
  for (const line of readFileSync(join(FIX, 'output-pipe', 'listing.txt'), 'utf8')
    .split('\n')
    .filter(Boolean))
    touch(out, line.split(' ')[0]!);
  const finalExists = await finalWeightsExist(out, state.script);
  assert.equal(finalExists, true);
  assert.deepEqual(generationSources({ script: state.script, outputDir: out, checkpoints: state.checkpoints, finalExists, lastStep: state.step }), [
    { label: 'base', kind: 'base' },
    { label: 'checkpoint-4', kind: 'lora', path: join(out, 'checkpoint-4'), step: 4 },
    { label: 'checkpoint-6', kind: 'lora', path: join(out, 'checkpoint-6'), step: 6 },
    { label: 'final', kind: 'lora', path: out, step: 6 },
  ]);
});

test('incomplete, still saving and repeated checkpoints are left out; no final weights, no final', () => {
  const sources = generationSources({
    script: 'lora',
    outputDir: '/runs/out',
    checkpoints: [
      { step: 30, path: 'out/checkpoint-30', complete: true },
      { step: 10, path: 'out/checkpoint-10', complete: true },
      { step: 20, path: 'out/checkpoint-20', complete: false },
      { step: 40, path: 'out/checkpoint-40', complete: true, saving: true },
      { step: 10, path: '/runs/out/checkpoint-10', complete: true },
    ],
    finalExists: false,
    lastStep: 40,
  });
  // Relative recorded paths become output_dir's own folders.
  assert.deepEqual(sources, [
    { label: 'base', kind: 'base' },
    { label: 'checkpoint-10', kind: 'lora', path: join('/runs/out', 'checkpoint-10'), step: 10 },
    { label: 'checkpoint-30', kind: 'lora', path: join('/runs/out', 'checkpoint-30'), step: 30 },
  ]);
});

test('a full fine-tune: checkpoints load as a UNet, the final output_dir as a whole pipeline', async (t) => {
  const out = tempDir(t);
  // train_text_to_image_sdxl.py's layout: accelerate state with unet/ per checkpoint, the saved pipeline at the end.
  for (const step of [500, 1000]) {
    for (const f of ['optimizer.bin', 'scheduler.bin', 'random_states_0.pkl', 'unet/config.json', 'unet/diffusion_pytorch_model.safetensors'])
      touch(out, `checkpoint-${step}/${f}`);
  }
  touch(out, 'checkpoint-1500/optimizer.bin'); // interrupted mid-save: no unet/
  for (const f of ['model_index.json', 'unet/config.json', 'unet/diffusion_pytorch_model.safetensors', 'vae/config.json']) touch(out, f);
  const { checkpoints } = await scanCheckpoints(out, { script: 'full' });
  const finalExists = await finalWeightsExist(out, 'full');
  assert.deepEqual(generationSources({ script: 'full', outputDir: out, checkpoints, finalExists, lastStep: 1200 }), [
    { label: 'base', kind: 'base' },
    { label: 'checkpoint-500', kind: 'unet', path: join(out, 'checkpoint-500'), step: 500 },
    { label: 'checkpoint-1000', kind: 'unet', path: join(out, 'checkpoint-1000'), step: 1000 },
    { label: 'final', kind: 'pipeline', path: out, step: 1200 },
  ]);
  // A LoRA run's final file is not a full run's, and the other way round.
  assert.equal(await finalWeightsExist(out, 'lora'), false);
});

test('an unknown script offers the base model only', () => {
  assert.deepEqual(
    generationSources({ script: null, outputDir: '/o', checkpoints: [{ step: 2, path: '/o/checkpoint-2', complete: true }], finalExists: true }),
    [{ label: 'base', kind: 'base' }],
  );
});

test("default settings from a DreamBooth run's args: its model, VAE, revision, variant, prompt, resolution, seed", () => {
  const sources = [{ label: 'base', kind: 'base' as const }];
  const s = defaultSettings({
    script: 'dreambooth-lora',
    args: {
      pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0',
      pretrained_vae_model_name_or_path: 'madebyollin/sdxl-vae-fp16-fix',
      revision: 'main',
      variant: 'fp16',
      instance_prompt: 'a photo of sks dog',
      resolution: 1020,
      seed: 42,
    },
    sources,
  });
  assert.deepEqual(s, {
    baseModel: 'stabilityai/stable-diffusion-xl-base-1.0',
    vae: 'madebyollin/sdxl-vae-fp16-fix',
    revision: 'main',
    variant: 'fp16',
    sources,
    // No validation_prompt: the instance prompt, the one the LoRA learned.
    prompts: ['a photo of sks dog'],
    steps: 25,
    guidance: 5,
    seed: 42,
    numImages: 2,
    // Down to a multiple of 8, as the VAE needs.
    width: 1016,
    height: 1016,
  });
  assert.deepEqual(settingsProblems(s), []);
  // validation_prompt wins when there is one.
  assert.deepEqual(
    defaultSettings({ script: 'dreambooth-lora', args: { pretrained_model_name_or_path: 'm', instance_prompt: 'a', validation_prompt: 'b' }, sources }).prompts,
    ['b'],
  );
});

test('default settings of a caption-trained run: validation_prompt only, SDXL defaults, local model paths from the run folder', () => {
  const sources = [{ label: 'base', kind: 'base' as const }];
  const lora = defaultSettings({
    script: 'lora',
    args: { pretrained_model_name_or_path: './models/sdxl', instance_prompt: 'x', seed: null },
    sources,
    cwd: '/work/proj',
  });
  assert.equal(lora.baseModel, join('/work/proj', 'models/sdxl'));
  assert.deepEqual(lora.prompts, [], 'the LoRA script has no instance_prompt of its own to offer');
  assert.deepEqual([lora.width, lora.height, lora.seed, lora.steps, lora.guidance, lora.numImages], [1024, 1024, 0, 25, 5, 2]);
  assert.equal('vae' in lora, false);
  const full = defaultSettings({
    script: 'full',
    args: { pretrained_model_name_or_path: 'org/model', validation_prompt: 'a red car', resolution: 512 },
    sources,
    cwd: '/w',
  });
  assert.equal(full.baseModel, 'org/model', 'a Hub id is not a path');
  assert.deepEqual(full.prompts, ['a red car']);
  assert.deepEqual([full.width, full.height], [512, 512]);
  // No args at all (a run whose plan could not be read): the base model is missing, and settingsProblems says so.
  const none = defaultSettings({ script: null, args: null, sources });
  assert.match(settingsProblems(none).join('\n'), /baseModel is empty/);
});
