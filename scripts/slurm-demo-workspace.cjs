// Adds `squares-slurm.sdxl.json` to the demo workspace when the project's one-node test Slurm
// (scripts/slurm-cluster.sh) answers: the demo's simulated LoRA as a job of the `slurm` launch profile. The test node
// has no GPU (gpusPerNode 0) and as many CPUs as this machine; each job asks for 2 of them, so on a 2-core machine
// a second submit waits with the reason Resources. Only with that cluster: on a machine with a real Slurm the stand-in
// trainer's paths would not exist on the compute nodes. Used by `npm run demo`.
// Usage: node scripts/slurm-demo-workspace.cjs WORKSPACE   (prints why when there is no test cluster; exit 0)
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { writeFile } = require('node:fs/promises');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const CONFIG_FILE = 'squares-slurm.sdxl.json';
const STANDIN_ACCELERATE = join(ROOT, 'test', 'fixtures', 'fake-bin', 'accelerate');
const SLURM_CONF = '/etc/slurm/slurm.conf';
const MARK = '# Written by scripts/slurm-cluster.sh';

/** undefined when the test cluster is up, else why not. */
function noTestCluster() {
  if (!existsSync(SLURM_CONF) || !readFileSync(SLURM_CONF, 'utf8').startsWith(MARK)) return `${SLURM_CONF} is not the test cluster's`;
  try {
    execFileSync('bash', [join(ROOT, 'scripts', 'slurm-cluster.sh'), 'status'], { stdio: 'pipe', timeout: 30_000 });
    return undefined;
  } catch {
    return 'the test Slurm cluster does not answer (bash scripts/slurm-cluster.sh start)';
  }
}

const CONFIG = `// DEMO: a SIMULATION submitted to Slurm (the one-node test cluster of scripts/slurm-cluster.sh). The CodeLens above
// "launch" submits it ("Submit to Slurm") or shows the job script; the Runs view shows the job pending or running.
{
  "script": "lora",
  "name": "squares LoRA on Slurm (simulation)",
  "launch": {
    "accelerate": ${JSON.stringify(STANDIN_ACCELERATE)},
    "scriptPath": "train_text_to_image_lora_sdxl.py",
    "env": {
      "SDXL_STANDIN_TRAINER": "1",
      "STANDIN_STEP_SECONDS": "0.25",
      "STANDIN_PRECOMPUTE_SECONDS": "2",
      "STANDIN_VALIDATION_SECONDS": "1"
    },
    "profile": "slurm",
    // The test node has no GPU; 2 CPUs per job make a second submit wait for the first (reason: Resources).
    "slurm": { "partition": "debug", "gpusPerNode": 0, "cpusPerTask": 2, "time": "00:30:00" }
  },
  "args": {
    "pretrained_model_name_or_path": "stabilityai/stable-diffusion-xl-base-1.0",
    "pretrained_vae_model_name_or_path": "madebyollin/sdxl-vae-fp16-fix",
    "train_data_dir": "./data",
    "resolution": 512,
    "center_crop": true,
    "train_batch_size": 1,
    "mixed_precision": "fp16",
    "rank": 8,
    "learning_rate": 1e-4,
    "max_train_steps": 400,
    "checkpointing_steps": 50,
    "checkpoints_total_limit": 4,
    "validation_prompt": "a red square with a round spot",
    "num_validation_images": 4,
    "validation_epochs": 2,
    "report_to": "tensorboard",
    "seed": 42,
    "output_dir": "./output/squares-slurm"
  }
}
`;

async function addSlurmConfig(workspace) {
  const why = noTestCluster();
  if (why) {
    console.log(`demo: no Slurm config (${why})`);
    return false;
  }
  await writeFile(join(workspace, CONFIG_FILE), CONFIG);
  console.log(`demo: ${CONFIG_FILE} submits to the test Slurm cluster`);
  return true;
}

module.exports = { addSlurmConfig, CONFIG_FILE };

if (require.main === module) {
  const ws = process.argv[2];
  if (!ws) {
    console.error('usage: node scripts/slurm-demo-workspace.cjs WORKSPACE');
    process.exit(2);
  }
  addSlurmConfig(resolve(ws)).catch((e) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
