// Which files a download takes from an SDXL repo, and where the cache puts them (huggingface_hub's layout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubCacheDir, normalizeEtag, repoCachePaths, repoFolderName } from '../../src/core/hub/cachePaths';
import { HubDownloadError, bytesText } from '../../src/core/hub/downloadErrors';
import { hubAccessFor } from '../../src/core/hub/hubAccess';
import { downloadDoneText, downloadQuestion, planSummary, progressText } from '../../src/core/hub/downloadText';
import {
  addVariant,
  downloadRequestOf,
  downloadRequestOfConfig,
  isHubId,
  selectPipelineFiles,
  selectVaeFiles,
  type RepoFile,
} from '../../src/core/hub/modelFiles';
import { sdxlRepoFiles } from '../hub/fakeHub';

const listing = (files: Record<string, string | Uint8Array>): RepoFile[] =>
  Object.entries(files).map(([path, c]) => ({ path, size: typeof c === 'string' ? Buffer.byteLength(c) : c.length }));
const paths = (sel: { path: string }[]): string[] => sel.map((f) => f.path).sort();

const CONFIGS = [
  'model_index.json',
  'scheduler/scheduler_config.json',
  'text_encoder/config.json',
  'text_encoder_2/config.json',
  'tokenizer/merges.txt',
  'tokenizer/special_tokens_map.json',
  'tokenizer/tokenizer_config.json',
  'tokenizer/vocab.json',
  'tokenizer_2/merges.txt',
  'tokenizer_2/special_tokens_map.json',
  'tokenizer_2/tokenizer_config.json',
  'tokenizer_2/vocab.json',
  'unet/config.json',
  'vae/config.json',
];

test('plain: configs and one safetensors per folder; no README, no root checkpoint, no fp16, no .bin, no onnx/flax', () => {
  const files = listing({
    ...sdxlRepoFiles({ fp16Variant: true, binToo: true }),
    'onnx/unet/model.onnx': 'x',
    'unet/diffusion_flax_model.msgpack': 'x',
    'tokenizer/tokenizer.json': '{}',
    'text_encoder/pytorch_model.bin': 'x',
    'text_encoder/flax_model.msgpack': 'x',
  });
  const sel = selectPipelineFiles('org/sdxl', files, { withVae: true });
  assert.deepEqual(
    paths(sel),
    [
      ...CONFIGS,
      'text_encoder/model.safetensors',
      'text_encoder_2/model.safetensors',
      'unet/diffusion_pytorch_model.safetensors',
      'vae/diffusion_pytorch_model.safetensors',
    ].sort(),
  );
  // The scripts load the scheduler without `revision`.
  assert.equal(sel.find((f) => f.path === 'scheduler/scheduler_config.json')?.revisioned, false);
  assert.equal(sel.find((f) => f.path === 'unet/config.json')?.revisioned, true);
});

test('variant fp16: the variant weights instead of the plain ones', () => {
  const sel = selectPipelineFiles('org/sdxl', listing(sdxlRepoFiles({ fp16Variant: true })), { withVae: true, variant: 'fp16' });
  const weights = paths(sel).filter((p) => !CONFIGS.includes(p));
  assert.deepEqual(weights, [
    'text_encoder/model.fp16.safetensors',
    'text_encoder_2/model.fp16.safetensors',
    'unet/diffusion_pytorch_model.fp16.safetensors',
    'vae/diffusion_pytorch_model.fp16.safetensors',
  ]);
  assert.equal(addVariant('model.safetensors.index.json', 'fp16'), 'model.safetensors.index.fp16.json');
});

test('.bin only where a folder has no safetensors; sharded weights with their index', () => {
  const files = sdxlRepoFiles({ binToo: true });
  delete files['unet/diffusion_pytorch_model.safetensors'];
  delete files['text_encoder_2/model.safetensors'];
  files['text_encoder_2/model.safetensors.index.json'] = '{}';
  files['text_encoder_2/model-00001-of-00002.safetensors'] = 'a';
  files['text_encoder_2/model-00002-of-00002.safetensors'] = 'b';
  const sel = paths(selectPipelineFiles('org/sdxl', listing(files), { withVae: true }));
  assert.ok(sel.includes('unet/diffusion_pytorch_model.bin'));
  assert.ok(!sel.includes('vae/diffusion_pytorch_model.bin'), 'vae has safetensors: no .bin');
  assert.ok(sel.includes('text_encoder_2/model.safetensors.index.json'));
  assert.ok(sel.includes('text_encoder_2/model-00001-of-00002.safetensors') && sel.includes('text_encoder_2/model-00002-of-00002.safetensors'));
});

test('a separate VAE repo: the model without vae/, the VAE repo root config + weights', () => {
  const sel = paths(selectPipelineFiles('org/sdxl', listing(sdxlRepoFiles()), { withVae: false }));
  assert.ok(!sel.some((p) => p.startsWith('vae/')));
  const vae = listing({
    'config.json': '{}',
    'README.md': 'x',
    'diffusion_pytorch_model.safetensors': 'w',
    'diffusion_pytorch_model.bin': 'w',
    'sdxl_vae.safetensors': 'w',
  });
  assert.deepEqual(paths(selectVaeFiles('madebyollin/sdxl-vae-fp16-fix', vae, {})), ['config.json', 'diffusion_pytorch_model.safetensors']);
});

test('missing pieces are named, with the repo and the variant hint', () => {
  assert.throws(
    () => selectVaeFiles('madebyollin/sdxl-vae-fp16-fix', listing({ 'config.json': '{}', 'diffusion_pytorch_model.safetensors': 'w' }), { variant: 'fp16' }),
    (e: unknown) =>
      e instanceof HubDownloadError && /madebyollin\/sdxl-vae-fp16-fix lacks .*diffusion_pytorch_model\.fp16\.safetensors.*remove "variant"/.test(e.message),
  );
  const noUnet = sdxlRepoFiles();
  delete noUnet['unet/diffusion_pytorch_model.safetensors'];
  assert.throws(() => selectPipelineFiles('org/sdxl', listing(noUnet), { withVae: true }), /org\/sdxl lacks .*unet\//);
  assert.throws(() => selectPipelineFiles('org/ckpt', listing({ 'sd_xl_base_1.0.safetensors': 'x' }), { withVae: true }), /org\/ckpt has no model_index\.json/);
});

test('the download a config asks for; local paths are not Hub ids', () => {
  const none = (): boolean => false;
  assert.deepEqual(downloadRequestOf({ pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0', variant: 'fp16', revision: null }, none), {
    model: 'stabilityai/stable-diffusion-xl-base-1.0',
    modelVae: true,
    variant: 'fp16',
  });
  assert.deepEqual(downloadRequestOf({ pretrained_model_name_or_path: 'a/b', pretrained_vae_model_name_or_path: 'c/d', revision: 'v1' }, none), {
    model: 'a/b',
    modelVae: false,
    vae: 'c/d',
    revision: 'v1',
  });
  assert.deepEqual(
    downloadRequestOf({ pretrained_model_name_or_path: 'a/b', pretrained_vae_model_name_or_path: 'my/vae' }, (p) => p === 'my/vae'),
    { model: 'a/b', modelVae: false },
  );
  assert.match(String(downloadRequestOf({}, none)), /no pretrained_model_name_or_path/);
  assert.match(String(downloadRequestOf({ pretrained_model_name_or_path: './models/sdxl' }, none)), /local path/);
  assert.match(String(downloadRequestOf({ pretrained_model_name_or_path: 'org/sdxl' }, () => true)), /local path/);
  for (const id of ['org/name', 'gpt2', 'org/name-v1.0']) assert.ok(isHubId(id), id);
  for (const p of ['/abs/path', '../x/y', 'C:\\models', 'a/b/c', 'model.safetensors']) assert.ok(!isHubId(p), p);
});

test('cache paths follow huggingface_hub: HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME, ~/.cache', () => {
  assert.equal(hubCacheDir({ HF_HUB_CACHE: '/c', HF_HOME: '/h' }, '/home/u'), '/c');
  assert.equal(hubCacheDir({ HUGGINGFACE_HUB_CACHE: '/legacy', HF_HOME: '/h' }, '/home/u'), '/legacy');
  assert.equal(hubCacheDir({ HF_HOME: '/h' }, '/home/u'), join('/h', 'hub'));
  assert.equal(hubCacheDir({ HF_HOME: '~/hf' }, '/home/u'), join('/home/u', 'hf', 'hub'));
  assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/x' }, '/home/u'), join('/x', 'huggingface', 'hub'));
  assert.equal(hubCacheDir({ HF_HOME: '' }, '/home/u'), join('/home/u', '.cache', 'huggingface', 'hub'));
  assert.equal(repoFolderName('stabilityai/stable-diffusion-xl-base-1.0'), 'models--stabilityai--stable-diffusion-xl-base-1.0');
  assert.equal(repoFolderName('lambdalabs/naruto', 'dataset'), 'datasets--lambdalabs--naruto');
  assert.equal(normalizeEtag('W/"abc"'), 'abc');
  const p = repoCachePaths('/c', 'org/name');
  assert.equal(p.blob('e'), join('/c', 'models--org--name', 'blobs', 'e'));
  assert.equal(p.incomplete('e'), join('/c', 'models--org--name', 'blobs', 'e.incomplete'));
  assert.equal(p.pointer('c0', 'unet/config.json'), join('/c', 'models--org--name', 'snapshots', 'c0', 'unet', 'config.json'));
  assert.equal(p.ref('main'), join('/c', 'models--org--name', 'refs', 'main'));
});

test('what the download says: the plan (files, size, cached, where, free) and progress per file and overall', () => {
  const file = (path: string, size: number, cached: boolean) => ({ repo: 'org/sdxl', path, commit: 'c', etag: 'e', size, url: 'u', cached });
  const plan = {
    cacheDir: '/c',
    files: [file('unet/w.safetensors', 5_100_000_000, false), file('model_index.json', 600, true)],
    refs: [],
    totalBytes: 5_100_000_600,
    missingBytes: 5_100_000_000,
    freeBytes: 20e9,
  };
  assert.equal(planSummary(plan), '2 files, 5.1 GB (1 already in the cache) of org/sdxl into /c; 20 GB free there');
  assert.equal(planSummary({ ...plan, files: [file('a', 1, true)], freeBytes: undefined }), '1 file, 5.1 GB (all already in the cache) of org/sdxl into /c');
  assert.equal(
    progressText({
      file: 'org/sdxl: unet/w.safetensors',
      fileBytes: 1_200_000_000,
      fileSize: 5_100_000_000,
      doneBytes: 1_200_000_600,
      totalBytes: 5_100_000_600,
      filesDone: 1,
      fileCount: 2,
    }),
    'unet/w.safetensors 1.2 GB / 5.1 GB — 1.2 GB / 5.1 GB in all (1 of 2 files)',
  );
  assert.equal(progressText({ fileBytes: 0, fileSize: 0, doneBytes: 600, totalBytes: 600, filesDone: 2, fileCount: 2 }), '600 B / 600 B in all (2 of 2 files)');
  assert.equal(bytesText(999), '999 B');
  assert.equal(bytesText(1500), '1.5 kB');
});

test("a download's token goes only to the user's own endpoint, never to one a config names", () => {
  const own = { HF_ENDPOINT: 'https://hub.example' };
  assert.deepEqual(hubAccessFor({ HF_ENDPOINT: 'https://hub.example/' }, 'hf_x', own), { hubUrl: 'https://hub.example', accessToken: 'hf_x' });
  assert.deepEqual(hubAccessFor({ HF_ENDPOINT: 'http://attacker.example' }, 'hf_x', own), { hubUrl: 'http://attacker.example' });
  assert.deepEqual(hubAccessFor({}, 'hf_x', {}), { hubUrl: 'https://huggingface.co', accessToken: 'hf_x' });
  assert.deepEqual(hubAccessFor({}, undefined, {}), { hubUrl: 'https://huggingface.co' });
});

test('what the download says around it: "for CONFIG" only when a config asked; the end names repos and cache once', () => {
  assert.equal(downloadQuestion('org/tiny', undefined, 'org/tiny'), 'Download org/tiny?');
  assert.equal(downloadQuestion('org/sdxl', 'fp16', 'lora.sdxl.json'), 'Download org/sdxl (variant fp16) for lora.sdxl.json?');
  const file = (repo: string, cached: boolean) => ({ repo, path: 'p', commit: 'c', etag: 'e', size: 1, url: 'u', cached });
  const plan = {
    cacheDir: '/c',
    files: [file('org/tiny', true), file('org/tiny', true), file('org/vae', true)],
    refs: [],
    totalBytes: 11_000_000,
    missingBytes: 0,
    freeBytes: 8e10,
  };
  assert.equal(downloadDoneText(plan, true), 'org/tiny + org/vae is already in the Hugging Face cache /c (3 files, 11 MB).');
  assert.equal(downloadDoneText(plan, false), 'Downloaded org/tiny + org/vae into the Hugging Face cache /c (3 files, 11 MB).');
});

test("a config's download request takes values that exist where the run resolves them (launch.cwd) as local", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-dl-request-'));
  mkdirSync(join(dir, 'run', 'models', 'sdxl'), { recursive: true });
  const config = (model: string) => ({ script: 'lora' as const, launch: { cwd: 'run' }, args: { pretrained_model_name_or_path: model } });
  assert.match(String(downloadRequestOfConfig(config('models/sdxl'), join(dir, 'a.sdxl.json'))), /local path/);
  assert.deepEqual(downloadRequestOfConfig(config('org/sdxl'), join(dir, 'a.sdxl.json')), { model: 'org/sdxl', modelVae: true });
  assert.ok(!isHubId('a--b') && !isHubId('org/name-'), "the Hub checks' id rule");
});
