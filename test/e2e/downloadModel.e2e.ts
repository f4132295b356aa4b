// "SDXL: Download Base Model" in VS Code: the open config's model, from the loopback fake Hub (HF_ENDPOINT, given to
// code-server and so to the extension host), into the HF_HUB_CACHE the test names; confirm, progress, end message.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sdxlRepoFiles, startFakeHub } from '../hub/fakeHub.js';
import { withVsCode } from './harness.js';

const MODEL = 'test-org/tiny-sdxl';

test('Download Base Model fetches the config model into the Hugging Face cache', async (t) => {
  const hub = await startFakeHub({ repos: [{ id: MODEL, files: sdxlRepoFiles({ fp16Variant: true }) }] });
  const cache = mkdtempSync(join(tmpdir(), 'sdxl-e2e-hf-cache-'));
  t.after(async () => {
    await hub.close();
    rmSync(cache, { recursive: true, force: true });
  });
  const prepareWorkspace = async (ws: string): Promise<void> =>
    writeFileSync(
      join(ws, 'download.sdxl.json'),
      JSON.stringify({ script: 'lora', args: { pretrained_model_name_or_path: MODEL, output_dir: 'out' } }, null, 2),
    );
  await withVsCode('download-model', { prepareWorkspace, env: { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache } }, async (vs) => {
    await vs.openFile('download.sdxl.json');
    await vs.runCommand('SDXL: Download Base Model');
    const question = await vs.answerDialog('Download', 30_000);
    assert.match(question, /Download test-org\/tiny-sdxl for download\.sdxl\.json\?/);
    const done = await vs.waitForNotification(/Downloaded test-org\/tiny-sdxl into the Hugging Face cache/, 60_000);
    assert.match(done, /18 files/);
    const repo = join(cache, 'models--test-org--tiny-sdxl');
    assert.equal(readFileSync(join(repo, 'refs', 'main'), 'utf8'), 'a'.repeat(40));
    const snapshot = join(repo, 'snapshots', 'a'.repeat(40));
    assert.ok(existsSync(join(snapshot, 'unet', 'diffusion_pytorch_model.safetensors')));
    assert.ok(!existsSync(join(snapshot, 'unet', 'diffusion_pytorch_model.fp16.safetensors')));
    assert.ok(
      hub.requests.some((r) => r.path.includes('/resolve/')),
      'the extension host asked the fake Hub',
    );
    await vs.screenshot('downloaded');
  });
});
