// Which images a config trains on: the source of each script kind, the script's defaults, paths resolved against the
// launch's working folder, and a bare folder told apart as imagefolder or DreamBooth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SdxlConfig } from '../../src/core/config/config';
import { datasetOfConfig, sourceOfFolder } from '../../src/core/dataset/sources';

test('full/lora: train_data_dir is an imagefolder against launch.cwd; defaults from the script table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-sources-'));
  try {
    const configPath = join(dir, 'a.sdxl.json');
    const lora: SdxlConfig = { script: 'lora', launch: { cwd: 'work' }, args: { train_data_dir: 'data', caption_column: 'caption' } };
    assert.deepEqual(datasetOfConfig(lora, configPath), {
      source: { kind: 'imagefolder', dir: join(dir, 'work', 'data'), imageColumn: 'image', captionColumn: 'caption' },
      resolution: 1024,
      centerCrop: false,
      randomFlip: false,
    });
    const full: SdxlConfig = { script: 'full', args: { train_data_dir: '/abs/data', resolution: 512, center_crop: true, random_flip: true } };
    assert.deepEqual(datasetOfConfig(full, undefined), {
      source: { kind: 'imagefolder', dir: '/abs/data', imageColumn: 'image', captionColumn: 'text' },
      resolution: 512,
      centerCrop: true,
      randomFlip: true,
    });
    assert.match(
      (datasetOfConfig({ script: 'lora', args: { train_data_dir: 'rel' } }, undefined) as { error: string }).error,
      /args\.train_data_dir "rel" is relative/,
    );
    assert.match((datasetOfConfig({ script: 'lora', args: {} }, configPath) as { error: string }).error, /train_data_dir .* not set/);

    // dataset_name: a Hub id unless it is an existing folder where the run looks (datasets' rule).
    const hub = datasetOfConfig({ script: 'lora', args: { dataset_name: 'lambdalabs/naruto-blip-captions', train_data_dir: 'data' } }, configPath);
    assert.deepEqual('source' in hub && hub.source, { kind: 'hub', id: 'lambdalabs/naruto-blip-captions', imageColumn: 'image', captionColumn: 'text' });
    mkdirSync(join(dir, 'org', 'local'), { recursive: true });
    const local = datasetOfConfig({ script: 'lora', args: { dataset_name: 'org/local' } }, configPath);
    assert.deepEqual('source' in local && local.source, { kind: 'imagefolder', dir: join(dir, 'org', 'local'), imageColumn: 'image', captionColumn: 'text' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dreambooth-lora: instance folder and prompt; the class folder only with prior preservation; no caption column', () => {
  const configPath = '/cfg/a.sdxl.json';
  const base = { instance_data_dir: 'dog', instance_prompt: 'a photo of sks dog', class_data_dir: 'dogs', class_prompt: 'a photo of a dog', resolution: 64 };
  const without = datasetOfConfig({ script: 'dreambooth-lora', args: base }, configPath);
  assert.deepEqual(without, {
    source: { kind: 'dreambooth', instanceDir: '/cfg/dog', instancePrompt: 'a photo of sks dog' },
    resolution: 64,
    centerCrop: false,
    randomFlip: false,
  });
  const withPrior = datasetOfConfig({ script: 'dreambooth-lora', args: { ...base, with_prior_preservation: true } }, configPath);
  assert.deepEqual('source' in withPrior && withPrior.source, {
    kind: 'dreambooth',
    instanceDir: '/cfg/dog',
    instancePrompt: 'a photo of sks dog',
    classDir: '/cfg/dogs',
    classPrompt: 'a photo of a dog',
  });
  const hub = datasetOfConfig({ script: 'dreambooth-lora', args: { dataset_name: 'someone/dogs' } }, configPath);
  assert.deepEqual('source' in hub && hub.source, { kind: 'hub', id: 'someone/dogs', imageColumn: 'image', captionColumn: null });
});

test('a bare folder: imagefolder when a metadata.jsonl is anywhere in it, else DreamBooth', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-sources-folder-'));
  try {
    assert.deepEqual(await sourceOfFolder(dir), { kind: 'dreambooth', instanceDir: dir });
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'a', 'b', 'metadata.jsonl'), '');
    assert.deepEqual(await sourceOfFolder(dir), { kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: 'text' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
