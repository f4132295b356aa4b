// The real libraries read what "SDXL: Download Base Model" writes: the real worker's tiny SDXL served by the loopback
// fake Hub, downloaded by src/core/hub into a temporary HF_HOME, then, in the real worker's venv (huggingface_hub
// 0.22.2, transformers, diffusers 0.27.2): offline, snapshot_download and hf_hub_download find every file and each
// component loads the way the training scripts load it; online against the same fake Hub, hf_hub_download finds the
// blobs by their ETag and fetches no body again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubCacheDir } from '../../src/core/hub/cachePaths';
import { runDownload } from '../../src/core/hub/download';
import { planDownload } from '../../src/core/hub/downloadPlan';
import { filesUnder, startFakeHub } from '../hub/fakeHub';
import { realWorkerOrSkip } from './realWorker';

const { worker, skip } = realWorkerOrSkip();
const REPO = 'tiny-org/tiny-sdxl';

/** Runs Python without blocking this process: the fake Hub it asks lives in this event loop. */
function runPython(python: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d.slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const LOAD = `
import json, os, sys
from huggingface_hub import snapshot_download, hf_hub_download
repo = sys.argv[1]
snap = snapshot_download(repo)
print("SNAPSHOT", snap)
files = json.loads(sys.argv[2])
for f in files:
    p = hf_hub_download(repo, f)
    assert os.path.realpath(p).startswith(os.path.realpath(os.environ["HF_HOME"])), p
if os.environ.get("HF_HUB_OFFLINE") == "1":
    from transformers import AutoTokenizer, CLIPTextModel, CLIPTextModelWithProjection
    from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
    AutoTokenizer.from_pretrained(repo, subfolder="tokenizer", use_fast=False)
    AutoTokenizer.from_pretrained(repo, subfolder="tokenizer_2", use_fast=False)
    CLIPTextModel.from_pretrained(repo, subfolder="text_encoder")
    CLIPTextModelWithProjection.from_pretrained(repo, subfolder="text_encoder_2")
    DDPMScheduler.from_pretrained(repo, subfolder="scheduler")
    AutoencoderKL.from_pretrained(repo, subfolder="vae")
    UNet2DConditionModel.from_pretrained(repo, subfolder="unet")
    print("LOADED")
`;

test('huggingface_hub, transformers and diffusers load the downloaded model from the cache', { skip }, async (t) => {
  assert.ok(worker);
  const hub = await startFakeHub({ repos: [{ id: REPO, files: { ...filesUnder(worker.tiny.model), 'README.md': '# tiny\n' } }] });
  const home = mkdtempSync(join(tmpdir(), 'sdxl-hf-home-'));
  t.after(async () => {
    await hub.close();
    rmSync(home, { recursive: true, force: true });
  });
  const cache = hubCacheDir({ HF_HOME: home });
  const plan = await planDownload({ model: REPO, modelVae: true }, { hubUrl: hub.url }, cache);
  await runDownload(plan, { hubUrl: hub.url });
  const files = plan.files.map((f) => f.path);
  assert.ok(!files.includes('README.md'));

  const python = join(worker.dest, 'venv', 'bin', 'python');
  const env: NodeJS.ProcessEnv = { ...process.env, HF_HOME: home, HF_HUB_DISABLE_TELEMETRY: '1' };
  delete env.HF_HUB_CACHE;
  delete env.HUGGINGFACE_HUB_CACHE;
  const offline = await runPython(python, ['-c', LOAD, REPO, JSON.stringify(files)], { ...env, HF_HUB_OFFLINE: '1' });
  assert.equal(offline.status, 0, offline.stderr);
  assert.match(offline.stdout, new RegExp(`SNAPSHOT ${join(cache, 'models--tiny-org--tiny-sdxl', 'snapshots', 'a'.repeat(40))}`));
  assert.match(offline.stdout, /LOADED/);

  // Online: the library asks the Hub for each file's ETag (HEAD) and finds the blob; no body is fetched again.
  const before = hub.requests.length;
  const online = await runPython(python, ['-c', LOAD, REPO, JSON.stringify(files)], { ...env, HF_ENDPOINT: hub.url });
  assert.equal(online.status, 0, online.stderr);
  const asked = hub.requests.slice(before);
  assert.ok(
    asked.some((r) => r.method === 'HEAD'),
    'the library did ask the fake Hub',
  );
  // (snapshot_download online also fetches README.md, which the download leaves out on purpose.)
  assert.deepEqual(
    asked.filter((r) => r.method === 'GET' && files.some((f) => r.path.endsWith(`/resolve/${'a'.repeat(40)}/${f}`) || r.path.endsWith(`/resolve/main/${f}`))),
    [],
  );
});
