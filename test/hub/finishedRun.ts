// A finished DreamBooth LoRA run planted in a workspace for the publish tests (unit and e2e): the recorded real run
// (test/fixtures/real-v0.27.2: its console and TensorBoard files, validation images included) with a run record and
// exit.json, and its output_dir rebuilt from the listing with deterministic bytes for the weights, so a test can
// compare what the Hub received with what is on disk.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const FIX = join(__dirname, '..', 'fixtures', 'real-v0.27.2');

export interface FinishedRun {
  id: string;
  name: string;
  recordDir: string;
  outputDir: string;
}

/** Deterministic bytes of `size` for the file at `path` (each file its own). */
export function plantedBytes(path: string, size: number): Buffer {
  let seed = 0;
  for (const c of path) seed = (seed * 31 + c.charCodeAt(0)) % 251;
  return Buffer.from(Uint8Array.from({ length: size }, (_, i) => (i * 13 + seed) % 256));
}

export function plantFinishedRun(workspace: string, opts: { id?: string; name?: string; withFinalWeights?: boolean } = {}): FinishedRun {
  const id = opts.id ?? '20261129-120000-dog-lora';
  const name = opts.name ?? 'Dog LoRA';
  const outputDir = join(workspace, 'output', id);
  cpSync(join(FIX, 'output-pipe', 'logs'), join(outputDir, 'logs'), { recursive: true });
  for (const line of readFileSync(join(FIX, 'output-pipe', 'listing.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)) {
    const [path, size] = line.split(' ');
    if (path!.startsWith('logs/')) continue;
    if (path === 'pytorch_lora_weights.safetensors' && opts.withFinalWeights === false) continue;
    mkdirSync(dirname(join(outputDir, path!)), { recursive: true });
    writeFileSync(join(outputDir, path!), plantedBytes(path!, Number(size)));
  }
  const data = join(workspace, 'data', 'dog');
  mkdirSync(data, { recursive: true });
  for (let i = 0; i < 4; i++) writeFileSync(join(data, `${i}.png`), '');
  const recordDir = join(workspace, '.sdxl', 'runs', id);
  mkdirSync(recordDir, { recursive: true });
  const argv = [
    'accelerate',
    'launch',
    'train_dreambooth_lora_sdxl.py',
    '--pretrained_model_name_or_path=stabilityai/stable-diffusion-xl-base-1.0',
    `--instance_data_dir=${data}`,
    '--instance_prompt=a photo of sks square',
    '--validation_prompt=a photo of sks square',
    '--resolution=64',
    '--max_train_steps=6',
    '--checkpointing_steps=2',
    '--num_validation_images=1',
    '--report_to=tensorboard',
    '--seed=0',
    `--output_dir=${outputDir}`,
  ];
  // The recorded event files were written at 2026-11-29T00:02:27Z: the run's lifetime holds them (eventAttribution).
  const at = '2026-11-29T00:01:00.000Z';
  const end = '2026-11-29T00:10:00.000Z';
  writeFileSync(
    join(recordDir, 'run.json'),
    JSON.stringify(
      {
        id,
        name,
        script: 'dreambooth-lora',
        plan: { argv, env: {}, cwd: workspace, script: 'dreambooth-lora' },
        outputDir,
        createdAt: at,
        startedAt: at,
        endedAt: end,
        state: 'succeeded',
        exitCode: 0,
        signal: null,
        gpus: { count: 1 },
      },
      null,
      2,
    ),
  );
  writeFileSync(join(recordDir, 'exit.json'), JSON.stringify({ exitCode: 0, signal: null, endedAt: end, stopRequested: false }));
  cpSync(join(FIX, 'console-pipe.log'), join(recordDir, 'console.log'));
  return { id, name, recordDir, outputDir };
}
