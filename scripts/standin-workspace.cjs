// Prepares a workspace whose configs run the stand-in trainer (a test fixture that simulates the diffusers scripts),
// for the demo and the end-to-end tests: the demo's training images when the workspace has none, the fake
// `accelerate` path in place of `${STANDIN_ACCELERATE}` in every config, and the stand-in linked where the configs
// expect the diffusers script (the start checks want that file to exist), and the fake `nvidia-smi` as the workspace's
// sdxl.nvidiaSmiPath, so the simulated runs have (simulated) GPU stats on any machine.
// Usage: node scripts/standin-workspace.cjs WORKSPACE
'use strict';
const { cp, mkdir, readdir, readFile, symlink, writeFile, stat } = require('node:fs/promises');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const STANDIN_ACCELERATE = join(ROOT, 'test', 'fixtures', 'fake-bin', 'accelerate');
const STANDIN_TRAINER = join(ROOT, 'test', 'fixtures', 'trainer', 'standin_trainer.py');
const FAKE_NVIDIA_SMI = join(ROOT, 'test', 'fixtures', 'fake-bin', 'nvidia-smi');
const DEMO_DATA = join(ROOT, 'demo-workspace', 'data');
const SCRIPT_NAMES = ['train_text_to_image_sdxl.py', 'train_text_to_image_lora_sdxl.py', 'train_dreambooth_lora_sdxl.py'];

const exists = (p) =>
  stat(p).then(
    () => true,
    () => false,
  );

async function prepareStandinWorkspace(workspace) {
  if (!(await exists(join(workspace, 'data')))) await cp(DEMO_DATA, join(workspace, 'data'), { recursive: true });
  for (const name of SCRIPT_NAMES) {
    if (!(await exists(join(workspace, name)))) await symlink(STANDIN_TRAINER, join(workspace, name));
  }
  for (const f of await readdir(workspace)) {
    if (!f.endsWith('.sdxl.json')) continue;
    const p = join(workspace, f);
    const text = await readFile(p, 'utf8');
    // JSON.stringify(...).slice(1, -1): the path as the inside of a JSON string.
    await writeFile(p, text.replaceAll('${STANDIN_ACCELERATE}', JSON.stringify(STANDIN_ACCELERATE).slice(1, -1)));
  }
  await useFakeNvidiaSmi(workspace);
}

/** Sets sdxl.nvidiaSmiPath in the workspace settings unless they already set it (plain JSON settings only). */
async function useFakeNvidiaSmi(workspace) {
  const file = join(workspace, '.vscode', 'settings.json');
  let settings = {};
  if (await exists(file)) {
    try {
      settings = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      return; // JSON with comments: leave the user's file as it is
    }
  }
  if (settings['sdxl.nvidiaSmiPath']) return;
  settings['sdxl.nvidiaSmiPath'] = FAKE_NVIDIA_SMI;
  await mkdir(join(workspace, '.vscode'), { recursive: true });
  await writeFile(file, JSON.stringify(settings, null, 2) + '\n');
}

module.exports = { prepareStandinWorkspace, STANDIN_ACCELERATE, STANDIN_TRAINER, FAKE_NVIDIA_SMI };

if (require.main === module) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: node scripts/standin-workspace.cjs WORKSPACE');
    process.exit(2);
  }
  prepareStandinWorkspace(resolve(target)).catch((e) => {
    console.error(`standin-workspace: ${e.message}`);
    process.exit(1);
  });
}
