// Downloads into a temporary Hugging Face cache from the loopback fake Hub (test/hub/fakeHub.ts), through the real
// @huggingface/hub client: the layout, cancel and resume with Range, dropped connections, a server ignoring Range,
// cached blobs skipped, 401/403/404/429 and a full disk, each with its message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runDownload, type DownloadProgress } from '../../src/core/hub/download';
import { HubDownloadError, type DownloadErrorKind } from '../../src/core/hub/downloadErrors';
import { planDownload } from '../../src/core/hub/downloadPlan';
import { writeWhole, type WriteChunk } from '../../src/core/hub/downloadBlob';
import { repoCachePaths } from '../../src/core/hub/cachePaths';
import type { DownloadRequest } from '../../src/core/hub/modelFiles';
import { sdxlRepoFiles, startFakeHub, type FakeHub } from '../hub/fakeHub';

const MODEL = 'stabilityai/stable-diffusion-xl-base-1.0';
const COMMIT = 'a'.repeat(40);
const UNET = 'unet/diffusion_pytorch_model.safetensors';
const VAE = 'vae/diffusion_pytorch_model.safetensors';
const BIG = Uint8Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 7 + (i >> 10)) % 253);

function bigModel(): Record<string, string | Uint8Array> {
  return { ...sdxlRepoFiles({ fp16Variant: true }), [UNET]: BIG };
}

async function setup(t: { after(fn: () => unknown): void }, repos = [{ id: MODEL, files: bigModel() }]): Promise<{ hub: FakeHub; cache: string }> {
  const hub = await startFakeHub({
    repos: [
      ...repos,
      { id: 'gated-org/sdxl-gated', files: sdxlRepoFiles(), gated: 'manual', grantedTo: ['hf_granted'] },
      {
        id: 'madebyollin/sdxl-vae-fp16-fix',
        files: {
          'config.json': '{"_class_name":"AutoencoderKL"}',
          'diffusion_pytorch_model.safetensors': new Uint8Array(4096).fill(7),
          'sdxl_vae.safetensors': 'x',
        },
      },
    ],
    tokens: { hf_granted: 'alice', hf_other: 'bob' },
  });
  const cache = mkdtempSync(join(tmpdir(), 'sdxl-hf-cache-'));
  t.after(async () => {
    await hub.close();
    rmSync(cache, { recursive: true, force: true });
  });
  return { hub, cache };
}

const request = (more: Partial<DownloadRequest> = {}): DownloadRequest => ({ model: MODEL, modelVae: true, ...more });
const bodyGets = (hub: FakeHub, path: string) => hub.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/${path}`) && r.range !== 'bytes=0-0');
const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

async function rejectsWith(p: Promise<unknown>, kind: DownloadErrorKind, message: RegExp): Promise<HubDownloadError> {
  let caught: unknown;
  await p.catch((e: unknown) => (caught = e));
  assert.ok(caught instanceof HubDownloadError, `expected a HubDownloadError, got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  assert.match(caught.message, message);
  return caught;
}

function incompleteFiles(cache: string, repo = MODEL): string[] {
  const blobs = join(repoCachePaths(cache, repo).repoDir, 'blobs');
  return existsSync(blobs) ? readdirSync(blobs).filter((n) => n.endsWith('.incomplete')) : [];
}

test('a full download: blobs named by etag, relative snapshot symlinks resolving to the right bytes, refs/main', async (t) => {
  const { hub, cache } = await setup(t);
  const files = bigModel();
  const plan = await planDownload(request(), { hubUrl: hub.url }, cache);
  assert.equal(plan.files.length, 18);
  assert.ok(!plan.files.some((f) => f.path.includes('fp16') || f.path === 'sd_xl_base_1.0.safetensors' || f.path === 'README.md'));
  const expectedTotal = plan.files.reduce(
    (n, f) => n + (typeof files[f.path] === 'string' ? Buffer.byteLength(files[f.path] as string) : (files[f.path] as Uint8Array).length),
    0,
  );
  assert.equal(plan.totalBytes, expectedTotal);
  assert.equal(plan.missingBytes, expectedTotal);
  const progress: DownloadProgress[] = [];
  const result = await runDownload(plan, { hubUrl: hub.url }, { onProgress: (p) => progress.push(p) });
  assert.equal(result.downloaded, 18);
  const repo = repoCachePaths(cache, MODEL);
  assert.equal(result.snapshot, repo.snapshotDir(COMMIT));
  assert.equal(readFileSync(repo.ref('main'), 'utf8'), COMMIT);
  for (const f of plan.files) {
    const pointer = repo.pointer(COMMIT, f.path);
    assert.ok(lstatSync(pointer).isSymbolicLink(), f.path);
    const link = readlinkSync(pointer);
    assert.ok(!link.startsWith('/'), `relative link: ${link}`);
    assert.equal(join(dirname(pointer), link), repo.blob(f.etag));
    assert.deepEqual(
      new Uint8Array(readFileSync(pointer)),
      typeof files[f.path] === 'string' ? new Uint8Array(Buffer.from(files[f.path] as string)) : files[f.path],
    );
  }
  assert.equal(plan.files.find((f) => f.path === UNET)?.etag, sha256(BIG), 'LFS blobs are named by sha256');
  assert.match(plan.files.find((f) => f.path === 'model_index.json')?.etag ?? '', /^[0-9a-f]{40}$/, 'small files by git sha1');
  assert.deepEqual(incompleteFiles(cache), []);
  const last = progress.at(-1)!;
  assert.equal(last.doneBytes, plan.totalBytes);
  assert.equal(last.filesDone, 18);
  assert.ok(
    progress.some((p) => p.file === `${MODEL}: ${UNET}` && p.fileBytes > 0 && p.fileBytes < BIG.length),
    'per-file progress inside the UNet',
  );
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.doneBytes >= progress[i - 1]!.doneBytes || progress[i]!.file !== progress[i - 1]!.file);
});

test('complete blobs are skipped: a second download fetches no body and relinks a removed snapshot', async (t) => {
  const { hub, cache } = await setup(t);
  await runDownload(await planDownload(request(), { hubUrl: hub.url }, cache), { hubUrl: hub.url });
  rmSync(repoCachePaths(cache, MODEL).snapshotDir(COMMIT), { recursive: true });
  const before = hub.requests.length;
  const plan = await planDownload(request(), { hubUrl: hub.url }, cache);
  assert.ok(plan.files.every((f) => f.cached));
  assert.equal(plan.missingBytes, 0);
  const result = await runDownload(plan, { hubUrl: hub.url });
  assert.deepEqual([result.downloaded, result.skipped], [0, 18]);
  assert.deepEqual(
    hub.requests.slice(before).filter((r) => r.path.includes('/resolve/') && r.range !== 'bytes=0-0'),
    [],
  );
  assert.ok(existsSync(repoCachePaths(cache, MODEL).pointer(COMMIT, UNET)));
});

test('cancel keeps the .incomplete and no ref; the next download resumes it with a Range from its size', async (t) => {
  const { hub, cache } = await setup(t);
  const plan = await planDownload(request(), { hubUrl: hub.url }, cache);
  const abort = new AbortController();
  let written = 0;
  const writeChunk: WriteChunk = async (file, chunk) => {
    await writeWhole(file, chunk);
    written += chunk.length;
    // Every file before the UNet is a few kB: this cancels inside the UNet's body.
    if (written >= 64 * 1024) abort.abort();
  };
  const err = await rejectsWith(
    runDownload(plan, { hubUrl: hub.url }, { signal: abort.signal, writeChunk }),
    'cancelled',
    /Cancelled: .* kept in .*\.incomplete; the next Download resumes it/,
  );
  const unet = plan.files.find((f) => f.path === UNET)!;
  const paths = repoCachePaths(cache, MODEL);
  const partial = readFileSync(paths.incomplete(unet.etag)).length;
  assert.ok(partial > 0 && partial < BIG.length, `partial ${partial}`);
  assert.ok(err.message.includes(paths.incomplete(unet.etag)));
  assert.ok(!existsSync(paths.blob(unet.etag)));
  assert.ok(!existsSync(paths.ref('main')), 'no ref claims a complete snapshot');

  const resumed = await runDownload(await planDownload(request(), { hubUrl: hub.url }, cache), { hubUrl: hub.url });
  assert.ok(resumed.downloaded >= 1);
  assert.deepEqual(bodyGets(hub, UNET).at(-1)?.range, `bytes=${partial}-`);
  assert.equal(sha256(readFileSync(paths.pointer(COMMIT, UNET))), sha256(BIG));
  assert.equal(readFileSync(paths.ref('main'), 'utf8'), COMMIT);
  assert.deepEqual(incompleteFiles(cache), []);
});

test('a dropped connection: kept and resumed by the next download (retries 0), or at once (default retries)', async (t) => {
  const { hub, cache } = await setup(t);
  const plan = await planDownload(request(), { hubUrl: hub.url }, cache);
  hub.dropAfter(VAE, 100); // after planning: fileDownloadInfo's GET of byte 0 would take the drop
  await rejectsWith(
    runDownload(plan, { hubUrl: hub.url }, { retries: 0 }),
    'network',
    /stable-diffusion-xl-base-1\.0: vae\/diffusion_pytorch_model\.safetensors broke off .*100 B of .* kept in .*run Download again to resume/,
  );
  assert.equal(incompleteFiles(cache).length, 1);
  await runDownload(await planDownload(request(), { hubUrl: hub.url }, cache), { hubUrl: hub.url });
  assert.equal(bodyGets(hub, VAE).at(-1)?.range, 'bytes=100-');
  assert.deepEqual(incompleteFiles(cache), []);

  // Default retries: the same run resumes after the drop.
  const cache2 = mkdtempSync(join(tmpdir(), 'sdxl-hf-cache-'));
  t.after(() => rmSync(cache2, { recursive: true, force: true }));
  const plan2 = await planDownload(request(), { hubUrl: hub.url }, cache2);
  hub.dropAfter(UNET, 5000);
  const before = hub.requests.length;
  await runDownload(plan2, { hubUrl: hub.url });
  const gets = hub.requests.slice(before).filter((r) => r.path.endsWith(UNET) && r.range !== 'bytes=0-0');
  assert.deepEqual(
    gets.map((r) => r.range),
    [undefined, 'bytes=5000-'],
  );
  assert.equal(sha256(readFileSync(repoCachePaths(cache2, MODEL).pointer(COMMIT, UNET))), sha256(BIG));
});

test('a server that ignores Range: the partial file is replaced, not appended to', async (t) => {
  const { hub, cache } = await setup(t);
  const plan = await planDownload(request(), { hubUrl: hub.url }, cache);
  const unet = plan.files.find((f) => f.path === UNET)!;
  const inc = repoCachePaths(cache, MODEL).incomplete(unet.etag);
  mkdirSync(dirname(inc), { recursive: true });
  writeFileSync(inc, Buffer.alloc(1000, 0xee)); // bytes that are not the file's: appending would fail the checksum
  const ignoringRange: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (headers.get('range') !== 'bytes=0-0') headers.delete('range');
    return fetch(input, { ...init, headers });
  };
  await runDownload(plan, { hubUrl: hub.url, fetch: ignoringRange });
  assert.equal(sha256(readFileSync(repoCachePaths(cache, MODEL).blob(unet.etag))), sha256(BIG));
  assert.deepEqual(incompleteFiles(cache), []);
});

test('a separate VAE repo and a variant: fp16 weights of the model, the VAE repo root, refs for both', async (t) => {
  const { hub, cache } = await setup(t);
  await rejectsWith(
    planDownload(request({ modelVae: false, vae: 'madebyollin/sdxl-vae-fp16-fix', variant: 'fp16' }), { hubUrl: hub.url }, cache),
    'missing-files',
    /madebyollin\/sdxl-vae-fp16-fix lacks .*fp16/,
  );
  const plan = await planDownload(request({ modelVae: false, vae: 'madebyollin/sdxl-vae-fp16-fix' }), { hubUrl: hub.url }, cache);
  assert.deepEqual(
    plan.files.filter((f) => f.repo === 'madebyollin/sdxl-vae-fp16-fix').map((f) => f.path),
    ['config.json', 'diffusion_pytorch_model.safetensors'],
  );
  assert.ok(!plan.files.some((f) => f.repo === MODEL && f.path.startsWith('vae/')));
  await runDownload(plan, { hubUrl: hub.url });
  assert.equal(readFileSync(repoCachePaths(cache, 'madebyollin/sdxl-vae-fp16-fix').ref('main'), 'utf8'), COMMIT);
  const fp16 = await planDownload(request({ variant: 'fp16' }), { hubUrl: hub.url }, cache);
  assert.ok(fp16.files.some((f) => f.path === 'unet/diffusion_pytorch_model.fp16.safetensors'));
  assert.ok(!fp16.files.some((f) => f.path === UNET));
});

test('gated, unauthorized, not found and rate limited: messages that name the repo and the next step', async (t) => {
  const { hub, cache } = await setup(t);
  const gated = { model: 'gated-org/sdxl-gated', modelVae: true };
  await rejectsWith(
    planDownload(gated, { hubUrl: hub.url }, cache),
    'unauthorized',
    /gated-org\/sdxl-gated is gated \(401\): accept its conditions at http:\/\/127\.0\.0\.1:\d+\/gated-org\/sdxl-gated, then sign in/,
  );
  await rejectsWith(
    planDownload(gated, { hubUrl: hub.url, accessToken: 'hf_other' }, cache),
    'gated',
    /gated-org\/sdxl-gated is gated and your token has no access \(403\): accept its conditions/,
  );
  const granted = hub.requests.length;
  const ok = await planDownload(gated, { hubUrl: hub.url, accessToken: 'hf_granted' }, cache);
  await runDownload(ok, { hubUrl: hub.url, accessToken: 'hf_granted' });
  const sent = hub.requests.slice(granted);
  assert.ok(sent.some((r) => r.path.includes('/resolve/')));
  assert.ok(
    sent.every((r) => r.token === 'hf_granted'),
    'the token goes with every request to the Hub',
  );
  await rejectsWith(
    planDownload({ model: 'nobody/nothing', modelVae: true }, { hubUrl: hub.url }, cache),
    'unauthorized',
    /nobody\/nothing@main: the Hub answered 401 \(no token sent\).*Check the id/,
  );
  await rejectsWith(
    planDownload({ model: 'nobody/nothing', modelVae: true }, { hubUrl: hub.url, accessToken: 'hf_other' }, cache),
    'not-found',
    /nobody\/nothing was not found on http:\/\/127\.0\.0\.1:\d+ \(404\): check the model id/,
  );
  await rejectsWith(planDownload(request(), { hubUrl: hub.url, accessToken: 'hf_wrong' }, cache), 'unauthorized', /refused your token .*sign in again/);
  hub.rateLimitNext(1, 30);
  await rejectsWith(
    planDownload(request(), { hubUrl: hub.url }, cache),
    'rate-limited',
    /rate-limited the download of .*stable-diffusion-xl-base-1\.0.*\(429\)\. Wait about 30 s/,
  );
  // A 429 on a file body: the same message, the file's partial kept.
  const plan = await planDownload(request(), { hubUrl: hub.url }, cache);
  hub.rateLimitNext(1, 5);
  await rejectsWith(runDownload(plan, { hubUrl: hub.url }), 'rate-limited', /\(429\)\. Wait about 5 s/);
  assert.ok(!existsSync(repoCachePaths(cache, MODEL).ref('main')));
});

test('a full disk (ENOSPC): the partial file is removed, nothing claims to be complete, the message says so', async (t) => {
  const { hub, cache } = await setup(t);
  const plan = await planDownload(request(), { hubUrl: hub.url }, cache);
  let room = 200 * 1024;
  const writeChunk: WriteChunk = async (file, chunk) => {
    if (chunk.length > room) {
      await writeWhole(file, chunk.subarray(0, room));
      room = 0;
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    room -= chunk.length;
    await writeWhole(file, chunk);
  };
  const err = await rejectsWith(
    runDownload(plan, { hubUrl: hub.url }, { writeChunk }),
    'disk-full',
    /disk is full \(ENOSPC\) while writing .*unet\/diffusion_pytorch_model\.safetensors.*was removed to give the space back\. Free at least 3\.1 MB/,
  );
  assert.ok(err.message.includes(cache));
  assert.deepEqual(incompleteFiles(cache), []);
  const unet = plan.files.find((f) => f.path === UNET)!;
  assert.ok(!existsSync(repoCachePaths(cache, MODEL).blob(unet.etag)));
  assert.ok(!existsSync(repoCachePaths(cache, MODEL).pointer(COMMIT, UNET)));
  assert.ok(!existsSync(repoCachePaths(cache, MODEL).ref('main')));
  // A cache that cannot be written (a read-only file system): said so, with where to point the cache instead.
  const readOnly: WriteChunk = async () => {
    throw Object.assign(new Error('EROFS: read-only file system, write'), { code: 'EROFS' });
  };
  await rejectsWith(
    runDownload(plan, { hubUrl: hub.url }, { writeChunk: readOnly }),
    'cache-unwritable',
    /Cannot write into the Hugging Face cache at .* \(EROFS\): .*HF_HUB_CACHE/,
  );
  // Not enough free space known before the start: refused with the figures.
  await rejectsWith(runDownload({ ...plan, freeBytes: 10 }, { hubUrl: hub.url }), 'disk-full', /Not enough free space for the download/);
});

test('a revision: refs/<revision> and refs/main (the scheduler is loaded without revision); copies where symlinks are off', async (t) => {
  const { hub, cache } = await setup(t);
  const plan = await planDownload(request({ revision: 'v1.0' }), { hubUrl: hub.url }, cache);
  assert.deepEqual(
    plan.refs.map((r) => r.revision),
    ['v1.0', 'main'],
  );
  assert.ok(hub.requests.some((r) => r.path.startsWith(`/api/models/${MODEL}/revision/v1.0`)));
  await runDownload(plan, { hubUrl: hub.url }, { symlinks: false });
  const repo = repoCachePaths(cache, MODEL);
  assert.equal(readFileSync(repo.ref('v1.0'), 'utf8'), COMMIT);
  assert.equal(readFileSync(repo.ref('main'), 'utf8'), COMMIT);
  const unet = repo.pointer(COMMIT, UNET);
  assert.ok(lstatSync(unet).isFile() && !lstatSync(unet).isSymbolicLink());
  assert.equal(sha256(readFileSync(unet)), sha256(BIG));
});

test('bytes that do not match the ETag: the partial file is removed and nothing is placed', async (t) => {
  const { hub, cache } = await setup(t);
  const plan = await planDownload(request(), { hubUrl: hub.url }, cache);
  const corrupting: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (!String(input).endsWith(UNET)) return res;
    const body = new Uint8Array(await res.arrayBuffer());
    body[body.length - 1] = body.at(-1)! ^ 0xff;
    return new Response(body, { status: res.status, headers: res.headers });
  };
  await rejectsWith(
    runDownload(plan, { hubUrl: hub.url, fetch: corrupting }),
    'checksum',
    /unet\/diffusion_pytorch_model\.safetensors arrived damaged .*the partial file was removed; run Download again/,
  );
  assert.deepEqual(incompleteFiles(cache), []);
  assert.ok(!existsSync(repoCachePaths(cache, MODEL).pointer(COMMIT, UNET)));
  assert.ok(!existsSync(repoCachePaths(cache, MODEL).ref('main')));
});

test('one download of a blob at a time: a live lock holder refuses, a stale lock is taken over and removed', async (t) => {
  const { hub, cache } = await setup(t);
  const plan = await planDownload(request(), { hubUrl: hub.url }, cache);
  const unet = plan.files.find((f) => f.path === UNET)!;
  const lock = repoCachePaths(cache, MODEL).lock(unet.etag);
  mkdirSync(dirname(lock), { recursive: true });
  writeFileSync(lock, String(process.pid)); // this process is alive: another download holds the file
  await rejectsWith(
    runDownload(plan, { hubUrl: hub.url }),
    'busy',
    new RegExp(`unet/diffusion_pytorch_model\\.safetensors is being downloaded by another process \\(pid ${process.pid}\\)`),
  );
  assert.ok(!existsSync(repoCachePaths(cache, MODEL).blob(unet.etag)));
  writeFileSync(lock, '2147483646'); // no such process: stale
  await runDownload(await planDownload(request(), { hubUrl: hub.url }, cache), { hubUrl: hub.url });
  assert.equal(sha256(readFileSync(repoCachePaths(cache, MODEL).blob(unet.etag))), sha256(BIG));
  assert.ok(!existsSync(lock), 'the lock is removed after the download');
});
