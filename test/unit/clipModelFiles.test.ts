// The CLIP model setting: a local folder, or a Hub repo downloaded on first use (only the files the scorer reads) into
// the HF cache through the project's own download code, against the loopback fake Hub; then the cache, offline.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveClipModel, selectClipFiles } from '../../src/core/clip/clipModelFiles';
import { createClipScorer } from '../../src/core/clip/onnxScorer';
import { HubDownloadError } from '../../src/core/hub/downloadErrors';
import { filesUnder, startFakeHub, type FakeHub } from '../hub/fakeHub';
import { writeNoiseImages } from '../clip/clipTestImages';
import { writeTinyClip } from '../clip/tinyClip';

const REPO = 'tiny-org/clip-tiny-onnx';
let root: string;
let hub: FakeHub;
let modelDir: string;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'clip-files-'));
  modelDir = writeTinyClip(join(root, 'model')).dir;
  const files: Record<string, string | Uint8Array> = { ...filesUnder(modelDir), 'README.md': '# tiny', 'onnx/vision_model_fp16.onnx': new Uint8Array(50_000) };
  hub = await startFakeHub({
    repos: [
      { id: REPO, files },
      { id: 'tiny-org/not-onnx', files: { 'config.json': '{}', 'model.safetensors': new Uint8Array(10) } },
    ],
  });
});

after(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});

/** Paths of file downloads (not the planning's HEAD / one-byte probes). */
const resolvePaths = (requests: FakeHub['requests']): string[] =>
  requests.filter((r) => r.method === 'GET' && r.path.includes('/resolve/') && r.range !== 'bytes=0-0').map((r) => r.path.replace(/^.*\/resolve\/[^/]+\//, ''));

test('a Hub id downloads only the files the scorer reads, into the HF cache, and the scorer works on them', async () => {
  const cacheDir = join(root, 'cache1');
  const files = await resolveClipModel(REPO, { access: { hubUrl: hub.url }, cacheDir });
  assert.ok(files.vision?.startsWith(cacheDir) && files.vision.endsWith(join('onnx', 'vision_model.onnx')));
  assert.ok(files.text?.endsWith(join('onnx', 'text_model.onnx')));
  const snapshot = join(cacheDir, 'models--tiny-org--clip-tiny-onnx', 'snapshots', 'a'.repeat(40));
  assert.deepEqual(
    filesIn(snapshot).sort(),
    [
      'merges.txt',
      'onnx/text_model.onnx',
      'onnx/vision_model.onnx',
      'preprocessor_config.json',
      'special_tokens_map.json',
      'tokenizer_config.json',
      'vocab.json',
    ].sort(),
  );
  assert.ok(!resolvePaths(hub.requests).some((p) => p.includes('fp16') || p === 'README.md'));
  const scorer = createClipScorer({ files, threads: 1 });
  const [img] = await writeNoiseImages(join(root, 'img'), 1);
  const [s] = await scorer.score([img!], 'a photo of the cat');
  assert.ok(Number.isFinite(s) && s! >= 0 && s! <= 100);
  await scorer.dispose();
  // Then from the cache, without asking the Hub.
  const seen = hub.requests.length;
  assert.deepEqual(await resolveClipModel(REPO, { access: { hubUrl: 'http://127.0.0.1:9' }, cacheDir }), files);
  assert.equal(hub.requests.length, seen);
});

function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => !d.isDirectory())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split('\\').join('/'));
}

test('a download above the limit asks first; declined, nothing is fetched', async () => {
  const cacheDir = join(root, 'cache2');
  const asked: number[] = [];
  const before = resolvePaths(hub.requests).length;
  await assert.rejects(
    resolveClipModel(REPO, {
      access: { hubUrl: hub.url },
      cacheDir,
      askAboveBytes: 10,
      confirm: (plan) => {
        asked.push(plan.missingBytes);
        return Promise.resolve(false);
      },
    }),
    (e: unknown) => e instanceof HubDownloadError && e.kind === 'cancelled' && e.message.includes(REPO),
  );
  assert.equal(asked.length, 1);
  assert.ok(asked[0]! > 10);
  assert.equal(resolvePaths(hub.requests).length, before);
  assert.ok(!existsSync(join(cacheDir, 'models--tiny-org--clip-tiny-onnx', 'refs', 'main')));
  assert.ok(!existsSync(join(cacheDir, 'models--tiny-org--clip-tiny-onnx', 'blobs')));
  const files = await resolveClipModel(REPO, { access: { hubUrl: hub.url }, cacheDir, askAboveBytes: 10, confirm: () => Promise.resolve(true) });
  assert.ok(files.vision);
});

test('a local folder (absolute, or relative to the workspace) is used as it is, without the Hub', async () => {
  const seen = hub.requests.length;
  const access = { hubUrl: 'http://127.0.0.1:9' };
  assert.equal((await resolveClipModel(modelDir, { access, cacheDir: join(root, 'c3') })).dir, modelDir);
  assert.equal((await resolveClipModel('model', { access, cacheDir: join(root, 'c3'), baseDir: root })).dir, modelDir);
  await assert.rejects(resolveClipModel('./no/such/folder', { access, cacheDir: join(root, 'c3'), baseDir: root }), /no such folder .* not a Hub model id/);
  assert.equal(hub.requests.length, seen);
});

test('a repo without an ONNX CLIP is an error naming it', async () => {
  await assert.rejects(
    resolveClipModel('tiny-org/not-onnx', { access: { hubUrl: hub.url }, cacheDir: join(root, 'c4') }),
    (e: unknown) => e instanceof HubDownloadError && e.kind === 'missing-files' && e.message.includes('tiny-org/not-onnx'),
  );
});

test('selectClipFiles: the quantized pair first, from one folder; a combined model; tokenizer.json when there is no vocab.json', () => {
  const f = (...paths: string[]): { path: string; size: number }[] => paths.map((path) => ({ path, size: 1 }));
  const xenova = f(
    'onnx/vision_model.onnx',
    'onnx/vision_model_quantized.onnx',
    'onnx/text_model.onnx',
    'onnx/text_model_quantized.onnx',
    'onnx/model.onnx',
    'vocab.json',
    'merges.txt',
    'tokenizer.json',
    'tokenizer_config.json',
    'special_tokens_map.json',
    'preprocessor_config.json',
    'config.json',
  );
  assert.deepEqual(
    selectClipFiles('x', xenova).map((x) => x.path),
    [
      'onnx/vision_model_quantized.onnx',
      'onnx/text_model_quantized.onnx',
      'vocab.json',
      'merges.txt',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'preprocessor_config.json',
    ],
  );
  assert.deepEqual(
    selectClipFiles('x', f('onnx/vision_model_quantized.onnx', 'onnx/text_model.onnx', 'vision_model.onnx', 'text_model.onnx', 'tokenizer.json')).map(
      (x) => x.path,
    ),
    ['vision_model.onnx', 'text_model.onnx', 'tokenizer.json'],
  );
  assert.deepEqual(
    selectClipFiles('x', f('model.onnx', 'vocab.json', 'merges.txt')).map((x) => x.path),
    ['model.onnx', 'vocab.json', 'merges.txt'],
  );
  assert.throws(() => selectClipFiles('x', f('onnx/model.onnx', 'vocab.json')), /vocab\.json but no merges\.txt/);
  assert.throws(() => selectClipFiles('x', f('onnx/model.onnx')), /no tokenizer/);
});
