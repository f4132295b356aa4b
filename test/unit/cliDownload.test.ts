// `sdxl-trainer download`: a config's model (variant, launch.env's HF_HOME) or an id, from the loopback fake Hub.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { sdxlRepoFiles, startFakeHub } from '../hub/fakeHub';

const MODEL = 'stabilityai/stable-diffusion-xl-base-1.0';

async function run(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', cwd };
  const code = await main(argv, io);
  return { code, out, err };
}

test('download FILE: the config model with its variant into launch.env HF_HOME; download ID; bad input', async (t) => {
  const hub = await startFakeHub({ repos: [{ id: MODEL, files: sdxlRepoFiles({ fp16Variant: true }) }] });
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-cli-download-'));
  const saved = { HF_ENDPOINT: process.env.HF_ENDPOINT, HF_HUB_CACHE: process.env.HF_HUB_CACHE, HF_HOME: process.env.HF_HOME, HF_TOKEN: process.env.HF_TOKEN };
  t.after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });
  process.env.HF_ENDPOINT = hub.url;
  delete process.env.HF_HUB_CACHE;
  delete process.env.HF_TOKEN;
  process.env.HF_HOME = join(dir, 'host-hf');
  const hfHome = join(dir, 'run-hf');
  writeFileSync(
    join(dir, 'a.sdxl.json'),
    JSON.stringify({ script: 'lora', launch: { env: { HF_HOME: hfHome } }, args: { pretrained_model_name_or_path: MODEL, variant: 'fp16' } }),
  );
  const r = await run(dir, 'download', 'a.sdxl.json');
  assert.equal(r.code, 0, r.err);
  const snapshot = join(hfHome, 'hub', 'models--stabilityai--stable-diffusion-xl-base-1.0', 'snapshots', 'a'.repeat(40));
  assert.equal(r.out.trim(), snapshot);
  assert.match(r.err, /18 files, .* of stabilityai\/stable-diffusion-xl-base-1\.0 into /);
  assert.ok(existsSync(join(snapshot, 'unet', 'diffusion_pytorch_model.fp16.safetensors')));
  assert.ok(!existsSync(join(snapshot, 'unet', 'diffusion_pytorch_model.safetensors')));
  assert.equal(readFileSync(join(hfHome, 'hub', 'models--stabilityai--stable-diffusion-xl-base-1.0', 'refs', 'main'), 'utf8'), 'a'.repeat(40));

  const byId = await run(dir, 'download', MODEL);
  assert.equal(byId.code, 0, byId.err);
  assert.ok(
    existsSync(
      join(
        dir,
        'host-hf',
        'hub',
        'models--stabilityai--stable-diffusion-xl-base-1.0',
        'snapshots',
        'a'.repeat(40),
        'unet',
        'diffusion_pytorch_model.safetensors',
      ),
    ),
  );

  const missing = await run(dir, 'download', 'nobody/nothing');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /error: nobody\/nothing@main: the Hub answered 401/);
  writeFileSync(join(dir, 'local.sdxl.json'), JSON.stringify({ script: 'lora', args: { pretrained_model_name_or_path: '/models/sdxl' } }));
  const local = await run(dir, 'download', 'local.sdxl.json');
  assert.equal(local.code, 1);
  assert.match(local.err, /local\.sdxl\.json: pretrained_model_name_or_path "\/models\/sdxl" is a local path/);
  const bad = await run(dir, 'download', 'a/b/c');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /a\/b\/c is neither a config file nor a Hub model id/);
});
