// Publish to the Hub in code-server (issue 14, part P): a finished DreamBooth LoRA run (the recorded real run, planted
// in `.sdxl/runs/`) is published from its context menu in the Runs view to the loopback fake Hub (HF_ENDPOINT, with a
// token in HF_TOKEN as hub.e2e.ts does): the repo id offered is `<token's user>/<run name>`, the questions are
// answered, the modal confirmation lists the files, and the fake Hub receives the weights byte for byte, the last
// validation image and the card, in one commit on a new private repo.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { withVsCode } from './harness.js';
import { until } from './processes.js';
import { treeRows } from './standin.js';
import { startFakeHub } from '../hub/fakeHub.js';
import { plantFinishedRun, type FinishedRun } from '../hub/finishedRun.js';

const TOKEN = 'hf_e2ePublishToken0123456789abcdef';

test('publish a finished run from the Runs view: the fake Hub gets the weights, an image and the card', { timeout: 400_000 }, async (t) => {
  const hub = await startFakeHub({ tokens: { [TOKEN]: 'e2e-user' } });
  t.after(() => hub.close());
  let run: FinishedRun | undefined;
  await withVsCode(
    'publish',
    {
      env: { HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN },
      prepareWorkspace: async (w) => {
        run = plantFinishedRun(w, { name: 'Dog LoRA' });
      },
    },
    async (vs) => {
      const r = run!;
      await vs.runCommand('SDXL: Focus on Runs View');
      await treeRows(vs, 'Runs', 'Dog LoRA').first().waitFor({ timeout: 60_000 });
      // The monitor cuts the run's validation grids into the image cache; the publish offers the last of them.
      const cache = join(vs.workspace, '.sdxl', 'images', r.id);
      await until('the validation images cut into the image cache', 60_000, async () =>
        existsSync(cache) && readdirSync(cache, { recursive: true }).some((f) => String(f).endsWith('.png')) ? true : undefined,
      );

      // The row's menu offers Publish once the run reads as ended (its images may be cut while the record is still read).
      const ended = treeRows(vs, 'Runs', 'Dog LoRA').filter({ hasText: 'finished' }).first();
      await ended.waitFor({ timeout: 60_000 });
      await vs.contextMenu(ended, 'Publish to Hugging Face Hub…');
      await vs.quickInput.waitFor({ state: 'visible', timeout: 30_000 });
      await until('the repo id offered', 30_000, async () => ((await vs.quickInput.inputValue()) === 'e2e-user/dog-lora' ? true : undefined));
      await vs.page.keyboard.press('Enter');
      await vs.pick('Private');
      await until('the license box', 30_000, async () => ((await vs.quickInput.inputValue()) === 'openrail++' ? true : undefined));
      await vs.page.keyboard.press('Enter');
      await vs.pick('Final weights only');
      await vs.pick('Validation images');
      await vs.page.locator('.monaco-dialog-box').waitFor({ state: 'visible', timeout: 30_000 });
      await vs.screenshot('publish-confirm');
      const asked = await vs.answerDialog('Publish', 30_000);
      assert.match(asked, /Publish Dog LoRA to e2e-user\/dog-lora: 3 file\(s\), 0\.2\d MB \(private\)\?/);

      const done = await vs.waitForNotification('published Dog LoRA to e2e-user/dog-lora', 120_000);
      assert.match(done, /Open on the Hub/);
      assert.equal(hub.commits.length, 1);
      const repo = hub.repo('e2e-user/dog-lora');
      assert.ok(repo, 'the repo was created');
      assert.equal(repo.private, true);
      const files = repo.files!;
      assert.deepEqual(Object.keys(files).sort(), ['.sdxl-publish.json', 'README.md', 'images/image_0.png', 'pytorch_lora_weights.safetensors']);
      assert.ok(Buffer.from(files['pytorch_lora_weights.safetensors']!).equals(readFileSync(join(r.outputDir, 'pytorch_lora_weights.safetensors'))));
      assert.equal(Buffer.from(files['images/image_0.png']!).subarray(1, 4).toString('latin1'), 'PNG');
      const card = Buffer.from(files['README.md']!).toString('utf8');
      assert.match(card, /^base_model: "stabilityai\/stable-diffusion-xl-base-1\.0"$/m);
      assert.match(card, /^instance_prompt: "a photo of sks square"$/m);
      assert.match(card, /pipeline\.load_lora_weights\("e2e-user\/dog-lora"/);
      assert.ok(!card.includes(vs.workspace), 'no local path in the card');
      assert.ok(hub.requests.every((q) => q.token === undefined || q.token === TOKEN));
      for (const n of await vs.allNotifications()) assert.ok(!n.includes(TOKEN), `the token in a notification: ${n}`);
    },
  );
});
