// "SDXL: Check Environment" in code-server: a config whose launch.python is a fake interpreter (a CUDA machine with
// a broken bitsandbytes and no tensorboard, test/fixtures/fake-python/cuda) gets environment diagnostics from the
// background probe, and the command shows its report in a read-only document titled with the interpreter.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, withVsCode } from './harness.js';

const FAKE_PYTHON = join(REPO_ROOT, 'test', 'fixtures', 'fake-python', 'cuda', 'python');
const CONFIG = 'env.sdxl.json';

async function prepare(ws: string): Promise<void> {
  await writeFile(join(ws, 'train.py'), 'from diffusers.utils import check_min_version\ncheck_min_version("0.28.0.dev0")\n');
  const config = {
    script: 'dreambooth-lora',
    name: 'environment check',
    launch: { python: FAKE_PYTHON, scriptPath: 'train.py' },
    args: {
      pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0',
      instance_data_dir: 'data',
      instance_prompt: 'a photo of sks dog',
      output_dir: 'outputs/env',
      use_8bit_adam: true,
    },
  };
  await writeFile(join(ws, CONFIG), JSON.stringify(config, null, 2) + '\n');
}

test('Check Environment: the report of the config’s interpreter, and its problems in the Problems panel', async () => {
  await withVsCode('environment', { prepareWorkspace: prepare }, async (vs) => {
    await vs.openFile(CONFIG);
    // The background probe of launch.python feeds the config's diagnostics.
    const problems = await vs.waitForProblems(
      'env-missing-package for bitsandbytes and env-diffusers-too-old',
      (p) =>
        p.some((x) => /bitsandbytes 0\.43\.0 is installed in .* but does not import/.test(x.message)) &&
        p.some((x) => /diffusers 0\.27\.2 in .* is older than 0\.28\.0\.dev0/.test(x.message)),
      60_000,
    );
    assert.ok(problems.some((x) => x.code?.includes('env-missing-package')));
    await vs.screenshot('problems');

    await vs.openFile(CONFIG);
    await vs.runCommand('SDXL: Check Environment');
    const text = await vs.waitForEditorText(/# SDXL Environment — .*fake-python\/cuda\/python/, 60_000);
    assert.match(text, /launch\.python in env\.sdxl\.json/);
    assert.match(text, /Tesla T4/);
    assert.match(text, /bitsandbytes/);
    const tab = vs.page.locator('.part.editor .tabs-container .tab.active');
    assert.match((await tab.textContent()) ?? '', /SDXL Environment — /);
    await vs.screenshot('report');
    const note = await vs.waitForNotification(/\d+ errors?(, \d+ warnings?)? in the environment of/);
    assert.match(note, /fake-python\/cuda\/python/);
  });
});
