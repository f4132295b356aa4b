// Stand-in LoRA runs for tests that need real runs: an image folder with metadata.jsonl, and a launch plan that the
// fake `accelerate` turns into the stand-in trainer (test/fixtures/trainer), fast enough for unit tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { LaunchPlan } from '../../src/core/supervisor/types';
import { repoRoot, type Workspace } from './supervisorTestKit';

export const ACCELERATE = join(repoRoot, 'test', 'fixtures', 'fake-bin', 'accelerate');
export const NVIDIA_SMI = join(repoRoot, 'test', 'fixtures', 'fake-bin', 'nvidia-smi');

/** An image folder with metadata.jsonl, as the lora script's train_data_dir expects (and the script file preflight wants). */
export async function dataset(ws: Workspace, images: number): Promise<string> {
  const dir = join(ws.root, 'data');
  mkdirSync(dir, { recursive: true });
  // The supervisor's preflight wants the script file; the fake accelerate runs the stand-in in its place.
  writeFileSync(join(ws.root, 'train_text_to_image_lora_sdxl.py'), '');
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .png()
    .toBuffer();
  const meta: string[] = [];
  for (let i = 0; i < images; i++) {
    writeFileSync(join(dir, `${i}.png`), png);
    meta.push(JSON.stringify({ file_name: `${i}.png`, text: `a red square ${i}` }));
  }
  writeFileSync(join(dir, 'metadata.jsonl'), meta.join('\n') + '\n');
  return dir;
}

/** A stand-in LoRA run writing `output_dir=out` (relative to the workspace) unless `args` says otherwise. */
export function lora(ws: Workspace, data: string, args: string[], env: Record<string, string> = {}): LaunchPlan {
  return {
    argv: [
      ACCELERATE,
      'launch',
      '--num_processes=1',
      'train_text_to_image_lora_sdxl.py',
      '--pretrained_model_name_or_path=stabilityai/stable-diffusion-xl-base-1.0',
      `--train_data_dir=${data}`,
      '--output_dir=out',
      '--train_batch_size=1',
      ...args,
    ],
    env: {
      SDXL_STANDIN_TRAINER: '1',
      STANDIN_STEP_SECONDS: '0.04',
      STANDIN_PRECOMPUTE_SECONDS: '0.01',
      STANDIN_VALIDATION_SECONDS: '0.01',
      FAKE_GPU_STATE_DIR: join(ws.root, 'gpu-state'),
      ...env,
    },
    cwd: ws.root,
    script: 'lora',
  };
}

export interface StandinConfigOptions {
  steps?: number;
  stepSeconds?: number;
  /** Added to the stand-in's environment (launch.env). */
  env?: Record<string, string>;
  /** Added to (or replacing) the config's args. */
  args?: Record<string, unknown>;
}

/**
 * Writes `<ws>/<name>.sdxl.json`: a LoRA config the fake `accelerate` runs as the stand-in trainer (script file
 * `train_text_to_image_lora_sdxl.py` in the workspace, images in `./data`), 4 fast steps by default.
 */
export function writeStandinConfig(ws: Workspace, name: string, o: StandinConfigOptions = {}): string {
  const file = join(ws.root, `${name}.sdxl.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        script: 'lora',
        name,
        launch: {
          accelerate: ACCELERATE,
          scriptPath: 'train_text_to_image_lora_sdxl.py',
          env: {
            SDXL_STANDIN_TRAINER: '1',
            STANDIN_STEP_SECONDS: String(o.stepSeconds ?? 0.01),
            STANDIN_PRECOMPUTE_SECONDS: '0.01',
            STANDIN_VALIDATION_SECONDS: '0.01',
            ...o.env,
          },
        },
        args: {
          pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0',
          train_data_dir: './data',
          resolution: 512,
          train_batch_size: 1,
          max_train_steps: o.steps ?? 4,
          checkpointing_steps: 2,
          validation_prompt: 'a red square',
          num_validation_images: 1,
          validation_epochs: 1,
          report_to: 'tensorboard',
          output_dir: './out',
          ...o.args,
        },
      },
      null,
      2,
    ),
  );
  return file;
}
