// The fake Hub answers the real @huggingface/hub client as huggingface.co does: what other Hub tests rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRepoAccess, downloadFile, fileDownloadInfo, listFiles, listModels, modelInfo, datasetInfo, whoAmI } from '@huggingface/hub';
import { sdxlRepoFiles, startFakeHub } from '../hub/fakeHub';

const hubRepos = [
  { id: 'stabilityai/stable-diffusion-xl-base-1.0', files: sdxlRepoFiles({ fp16Variant: true }), downloads: 100 },
  { id: 'madebyollin/sdxl-vae-fp16-fix', files: { 'config.json': '{}', 'diffusion_pytorch_model.safetensors': new Uint8Array(4096) }, downloads: 50 },
  { id: 'gated-org/sdxl-gated', files: sdxlRepoFiles(), gated: 'manual' as const, grantedTo: ['hf_granted'] },
  { id: 'someone/private-sdxl', files: sdxlRepoFiles(), private: true, grantedTo: ['hf_granted'] },
  { id: 'lambdalabs/naruto-blip-captions', type: 'dataset' as const, files: { 'README.md': 'x' } },
];

test('the fake Hub answers @huggingface/hub: info, search, listing, downloads with ranges', async (t) => {
  const hub = await startFakeHub({ repos: hubRepos, tokens: { hf_granted: 'alice', hf_other: 'bob' } });
  t.after(() => hub.close());
  const hubUrl = hub.url;
  const info = await modelInfo({ name: 'stabilityai/stable-diffusion-xl-base-1.0', hubUrl });
  assert.equal(info.name, 'stabilityai/stable-diffusion-xl-base-1.0');
  assert.equal(info.gated, false);
  const found = [];
  for await (const m of listModels({ search: { query: 'sdxl' }, hubUrl, limit: 10 })) found.push(m.name);
  assert.deepEqual(found, ['madebyollin/sdxl-vae-fp16-fix', 'gated-org/sdxl-gated']);
  assert.equal((await datasetInfo({ name: 'lambdalabs/naruto-blip-captions', hubUrl })).name, 'lambdalabs/naruto-blip-captions');
  const files = [];
  for await (const f of listFiles({ repo: 'stabilityai/stable-diffusion-xl-base-1.0', recursive: true, hubUrl })) if (f.type === 'file') files.push(f.path);
  assert.ok(files.includes('unet/diffusion_pytorch_model.fp16.safetensors'));
  const dl = await fileDownloadInfo({ repo: 'stabilityai/stable-diffusion-xl-base-1.0', path: 'unet/diffusion_pytorch_model.safetensors', hubUrl });
  assert.equal(dl?.size, 2051);
  assert.match(dl?.etag ?? '', /^"[0-9a-f]{64}"$/);
  const blob = await downloadFile({ repo: 'stabilityai/stable-diffusion-xl-base-1.0', path: 'model_index.json', hubUrl });
  assert.match(await blob!.text(), /StableDiffusionXLPipeline/);
  assert.equal(await fileDownloadInfo({ repo: 'stabilityai/stable-diffusion-xl-base-1.0', path: 'nope.json', hubUrl }), null);
  assert.equal((await whoAmI({ accessToken: 'hf_granted', hubUrl })).name, 'alice');
});

test('the fake Hub: not found, private, gated and rate limits answer as huggingface.co does', async (t) => {
  const hub = await startFakeHub({ repos: hubRepos, tokens: { hf_granted: 'alice', hf_other: 'bob' } });
  t.after(() => hub.close());
  const hubUrl = hub.url;
  const status = (p: Promise<unknown>) =>
    p.then(
      () => 200,
      (e: { statusCode?: number }) => e.statusCode,
    );
  assert.equal(await status(modelInfo({ name: 'nobody/nothing', hubUrl })), 401);
  assert.equal(await status(modelInfo({ name: 'nobody/nothing', hubUrl, accessToken: 'hf_other' })), 404);
  assert.equal(await status(modelInfo({ name: 'someone/private-sdxl', hubUrl, accessToken: 'hf_other' })), 404);
  assert.equal(await status(modelInfo({ name: 'someone/private-sdxl', hubUrl, accessToken: 'hf_granted' })), 200);
  assert.equal((await modelInfo({ name: 'gated-org/sdxl-gated', hubUrl })).gated, 'manual');
  const gatedFile = { repo: 'gated-org/sdxl-gated', path: 'model_index.json', hubUrl };
  assert.equal(await status(fileDownloadInfo(gatedFile)), 401);
  assert.equal(await status(fileDownloadInfo({ ...gatedFile, accessToken: 'hf_other' })), 403);
  assert.equal(await status(fileDownloadInfo({ ...gatedFile, accessToken: 'hf_granted' })), 200);
  assert.equal(await status(checkRepoAccess({ repo: 'nobody/nothing', hubUrl, accessToken: 'hf_other' })), 404);
  assert.equal(await status(modelInfo({ name: 'stabilityai/stable-diffusion-xl-base-1.0', hubUrl, accessToken: 'hf_wrong' })), 401);
  hub.rateLimitNext(1);
  assert.equal(await status(modelInfo({ name: 'stabilityai/stable-diffusion-xl-base-1.0', hubUrl })), 429);
  assert.equal(await status(modelInfo({ name: 'stabilityai/stable-diffusion-xl-base-1.0', hubUrl })), 200);
  // A range, and a download cut short.
  const r = await fetch(`${hubUrl}/stabilityai/stable-diffusion-xl-base-1.0/resolve/main/unet/diffusion_pytorch_model.safetensors`, {
    headers: { Range: 'bytes=2000-' },
  });
  assert.equal(r.status, 206);
  assert.equal(r.headers.get('content-range'), 'bytes 2000-2050/2051');
  assert.equal((await r.arrayBuffer()).byteLength, 51);
  hub.dropAfter('vae/diffusion_pytorch_model.safetensors', 100);
  const cut = await fetch(`${hubUrl}/stabilityai/stable-diffusion-xl-base-1.0/resolve/main/vae/diffusion_pytorch_model.safetensors`);
  await assert.rejects(cut.arrayBuffer());
});
