// Adds `tiny-real-lora.sdxl.json` to a workspace when the real worker is installed (scripts/install-real-worker.sh):
// a config that runs diffusers v0.27.2's train_dreambooth_lora_sdxl.py, unmodified, on CPU with the tiny SDXL, with
// this machine's absolute paths (the venv's accelerate, the script, the tiny model and instance folder) and the env
// the real tests use (test/real/realWorker.ts). About a minute on CPU. Used by `npm run demo` and the e2e spec.
// Usage: node scripts/real-worker-workspace.cjs WORKSPACE   (prints why when the worker is not installed; exit 0)
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { writeFile } = require('node:fs/promises');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const CONFIG_FILE = 'tiny-real-lora.sdxl.json';
const CONFIG_NAME = 'tiny SDXL LoRA (real diffusers, CPU, tiny model)';
const SCRIPT_FILE = 'train_dreambooth_lora_sdxl.py';

/** A variable env.sh exports (`export NAME="value"`). */
function envShValue(envSh, name) {
  const m = new RegExp(`^export ${name}="([^"]*)"`, 'm').exec(readFileSync(envSh, 'utf8'));
  return m ? m[1] : undefined;
}

/**
 * The installed worker's paths, or a string saying why there is none. `$SDXL_REAL_WORKER`, else .cache/real-worker;
 * the scripts are the install's own copy, else (an install by the kit's install.sh alone) the kit's that env.sh names.
 * test/real/realWorker.ts's findRealWorker is this one.
 */
function findRealWorker() {
  const dest = process.env.SDXL_REAL_WORKER || join(ROOT, '.cache', 'real-worker');
  const envSh = join(dest, 'env.sh');
  if (!existsSync(envSh)) return `the real worker is not installed in ${dest} (run: bash scripts/install-real-worker.sh)`;
  const accelerate = join(dest, 'venv', 'bin', 'accelerate');
  if (!existsSync(accelerate)) return `${accelerate} is missing: the install in ${dest} is incomplete`;
  const own = join(dest, 'diffusers-examples');
  const kit = envShValue(envSh, 'REAL_WORKER_KIT');
  const examples = existsSync(own) ? own : kit ? join(kit, 'diffusers-examples') : own;
  const script = join(examples, 'examples', 'dreambooth', SCRIPT_FILE);
  if (!existsSync(script)) return `no ${SCRIPT_FILE} under ${examples}`;
  const model = join(dest, 'tiny', 'model');
  if (!existsSync(join(model, 'model_index.json'))) return `the tiny model ${model} is missing`;
  return { dest, accelerate, examples, script, hfHome: join(dest, 'hf'), model, instance: join(dest, 'tiny', 'instance') };
}

/**
 * The config: 8 steps of batch 1 over the 4 instance images (2 epochs) at 64 px, a validation image every epoch,
 * checkpoints every 2 steps (the newest 2 kept).
 */
function tinyRealConfig(w) {
  return {
    script: 'dreambooth-lora',
    name: CONFIG_NAME,
    launch: {
      accelerate: w.accelerate,
      scriptPath: w.script,
      // One OpenMP thread per process: accelerate's CPU default made the UNet ~7x slower on 2 cores (kit README).
      accelerateArgs: { num_cpu_threads_per_process: 1 },
      // HF_HOME holds accelerate's default (CPU) config.
      env: { HF_HOME: w.hfHome },
    },
    args: {
      pretrained_model_name_or_path: w.model,
      instance_data_dir: w.instance,
      instance_prompt: 'a photo of sks square',
      resolution: 64,
      train_batch_size: 1,
      gradient_accumulation_steps: 1,
      learning_rate: 1e-4,
      lr_scheduler: 'constant',
      lr_warmup_steps: 0,
      max_train_steps: 8,
      checkpointing_steps: 2,
      checkpoints_total_limit: 2,
      validation_prompt: 'a photo of sks square',
      num_validation_images: 1,
      validation_epochs: 1,
      report_to: 'tensorboard',
      mixed_precision: 'no',
      seed: 0,
      output_dir: './output/tiny-real-lora',
    },
  };
}

/** Writes the config into `workspace`; returns its path, or why the worker is not there (nothing written). */
async function addRealWorkerConfig(workspace) {
  const w = findRealWorker();
  if (typeof w === 'string') return { written: false, reason: w };
  const file = join(workspace, CONFIG_FILE);
  const header =
    '// The REAL diffusers DreamBooth LoRA script (v0.27.2, unmodified) on CPU with a tiny random SDXL\n' +
    '// (scripts/install-real-worker.sh): a real training of 8 steps, about a minute; its images are noise.\n';
  await writeFile(file, header + JSON.stringify(tinyRealConfig(w), null, 2) + '\n');
  return { written: true, file };
}

module.exports = { addRealWorkerConfig, findRealWorker, tinyRealConfig, CONFIG_FILE, CONFIG_NAME };

if (require.main === module) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: node scripts/real-worker-workspace.cjs WORKSPACE');
    process.exit(2);
  }
  addRealWorkerConfig(resolve(target)).then(
    (r) => console.log(r.written ? `real-worker-workspace: wrote ${r.file}` : `real-worker-workspace: no real tiny run: ${r.reason}`),
    (e) => {
      console.error(`real-worker-workspace: ${e.message}`);
      process.exit(1);
    },
  );
}
