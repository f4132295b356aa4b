// core/hub: the endpoint, the token's order, "local folder or Hub id", and every answer of a Hub check against the
// loopback fake Hub (test/hub/fakeHub.ts) through the real @huggingface/hub client. No test touches the network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_HUB_ENDPOINT, hubEndpoint } from '../../src/core/hub/endpoint';
import { describeTokenSource, hubStatusDetail, resolveHubToken, runTokenEnv, tokenFilePath } from '../../src/core/hub/token';
import { classifyRef, isRepoId, looksLikePath } from '../../src/core/hub/hubRefs';
import { HubChecker, tokenIdentity } from '../../src/core/hub/hubCheck';
import { HubSearch } from '../../src/core/hub/hubSearch';
import { hubIdSlotAt } from '../../src/core/hub/idCompletion';
import { tokenOwner } from '../../src/core/hub/whoami';
import { failureOf } from '../../src/core/hub/hubFetch';
import { HubApiError } from '@huggingface/hub';
import { sdxlRepoFiles, startFakeHub, type FakeRepo } from '../hub/fakeHub';

const BASE = 'stabilityai/stable-diffusion-xl-base-1.0';
const REPOS: FakeRepo[] = [
  { id: BASE, files: sdxlRepoFiles(), downloads: 100 },
  { id: 'stabilityai/sdxl-turbo', files: sdxlRepoFiles(), downloads: 90 },
  { id: 'madebyollin/sdxl-vae-fp16-fix', files: { 'config.json': '{}' }, downloads: 50 },
  { id: 'gated-org/sdxl-gated', files: sdxlRepoFiles(), gated: 'manual', grantedTo: ['hf_granted'] },
  { id: 'someone/private-sdxl', files: sdxlRepoFiles(), private: true, grantedTo: ['hf_granted'] },
  { id: 'lambdalabs/naruto-blip-captions', type: 'dataset', files: { 'README.md': 'x' } },
];
const TOKENS = { hf_granted: 'alice', hf_other: 'bob' };

test('the endpoint follows HF_ENDPOINT like the Python libraries, without a trailing slash', () => {
  assert.equal(hubEndpoint({}), DEFAULT_HUB_ENDPOINT);
  assert.equal(hubEndpoint({ HF_ENDPOINT: '' }), DEFAULT_HUB_ENDPOINT);
  assert.equal(hubEndpoint({ HF_ENDPOINT: 'http://127.0.0.1:9999/' }), 'http://127.0.0.1:9999');
  assert.equal(hubEndpoint({ HF_ENDPOINT: ' https://hf-mirror.com ' }), 'https://hf-mirror.com');
});

test('the token: signed in, then HF_TOKEN, then HUGGING_FACE_HUB_TOKEN, then the CLI token file; the source is said, never the value', () => {
  const files: Record<string, string> = {};
  const readText = (p: string) => files[p];
  const home = '/home/u';
  files['/home/u/.cache/huggingface/token'] = 'hf_fromfile\n';
  const env = { HF_TOKEN: 'hf_env', HUGGING_FACE_HUB_TOKEN: 'hf_old' };
  assert.deepEqual(resolveHubToken({ signedIn: 'hf_secret', env, home, readText }), { value: 'hf_secret', source: 'signed-in' });
  assert.deepEqual(resolveHubToken({ env, home, readText }), { value: 'hf_env', source: 'HF_TOKEN' });
  assert.deepEqual(resolveHubToken({ env: { HUGGING_FACE_HUB_TOKEN: 'hf_old' }, home, readText }), { value: 'hf_old', source: 'HUGGING_FACE_HUB_TOKEN' });
  const fromFile = resolveHubToken({ env: {}, home, readText });
  assert.deepEqual(fromFile, { value: 'hf_fromfile', source: 'token-file', path: '/home/u/.cache/huggingface/token' });
  assert.doesNotMatch(describeTokenSource(fromFile), /hf_fromfile/);
  assert.match(describeTokenSource(fromFile), /token file \/home\/u\/\.cache\/huggingface\/token/);
  assert.equal(resolveHubToken({ env: { HF_TOKEN: '  ' }, home: '/nobody', readText }), undefined);
  assert.match(describeTokenSource(undefined), /no Hugging Face token/);
  // Where the file is: $HF_TOKEN_PATH, $HF_HOME/token, $XDG_CACHE_HOME/huggingface/token, ~/.cache/huggingface/token.
  assert.equal(tokenFilePath({ HF_TOKEN_PATH: '/t/tok', HF_HOME: '/hf' }, home), '/t/tok');
  assert.equal(tokenFilePath({ HF_HOME: '/hf' }, home), join('/hf', 'token'));
  assert.equal(tokenFilePath({ XDG_CACHE_HOME: '/xdg' }, home), join('/xdg', 'huggingface', 'token'));
  files['/hf/token'] = 'hf_inhome';
  assert.equal(resolveHubToken({ env: { HF_HOME: '/hf' }, home, readText })?.value, 'hf_inhome');
  // An empty signed-in value (signed out) falls through.
  assert.equal(resolveHubToken({ signedIn: '', env, home, readText })?.source, 'HF_TOKEN');
});

test('local folder or Hub id, as diffusers decides: an existing folder wins, path shapes are paths, org/name is an id', () => {
  assert.deepEqual(classifyRef(BASE, false), { kind: 'hub', id: BASE });
  assert.deepEqual(classifyRef(BASE, undefined), { kind: 'hub', id: BASE });
  assert.deepEqual(classifyRef('gpt2', false), { kind: 'hub', id: 'gpt2' });
  // A folder named like an id, present where the run starts: the folder is what the script loads.
  assert.deepEqual(classifyRef(BASE, true), { kind: 'path' });
  for (const p of ['./models/sdxl', '../sdxl', '/models/sdxl', 'C:\\models\\sdxl', 'C:/models', '~/models/sdxl', 'models\\sdxl', '.', '..']) {
    assert.ok(looksLikePath(p), p);
    assert.deepEqual(classifyRef(p, false), { kind: 'path' }, p);
  }
  for (const bad of ['a/b/c', 'has space/x', 'org--x/y', 'org/x..y', '-org/x', 'org/x-', '']) assert.equal(isRepoId(bad), false, bad);
  assert.deepEqual(classifyRef('models/sdxl/unet', false), { kind: 'path' });
});

test('Hub checks: exists, not found with and without a token, private, gated with and without access, a refused token', async (t) => {
  const hub = await startFakeHub({ repos: REPOS, tokens: TOKENS });
  t.after(() => hub.close());
  const checker = new HubChecker();
  const anon = { endpoint: hub.url };
  const bob = { endpoint: hub.url, token: 'hf_other' };
  const alice = { endpoint: hub.url, token: 'hf_granted' };
  assert.deepEqual(await checker.check(anon, 'model', BASE), { status: 'exists', withToken: false });
  assert.deepEqual(await checker.check(anon, 'dataset', 'lambdalabs/naruto-blip-captions'), { status: 'exists', withToken: false });
  // Without a token, missing and private look alike (401): "unauthorized", never a claim that it does not exist.
  assert.deepEqual(await checker.check(anon, 'model', 'nobody/nothing'), { status: 'unauthorized', withToken: false });
  assert.deepEqual(await checker.check(anon, 'model', 'someone/private-sdxl'), { status: 'unauthorized', withToken: false });
  assert.deepEqual(await checker.check(bob, 'model', 'nobody/nothing'), { status: 'not-found', withToken: true });
  assert.deepEqual(await checker.check(bob, 'model', 'someone/private-sdxl'), { status: 'not-found', withToken: true });
  assert.deepEqual(await checker.check(alice, 'model', 'someone/private-sdxl'), { status: 'exists', withToken: true });
  // A model id looked up as a dataset is not found.
  assert.equal((await checker.check(bob, 'dataset', BASE)).status, 'not-found');
  assert.deepEqual(await checker.check(anon, 'model', 'gated-org/sdxl-gated'), { status: 'gated', withToken: false, gated: 'manual' });
  assert.deepEqual(await checker.check(bob, 'model', 'gated-org/sdxl-gated'), { status: 'gated', withToken: true, gated: 'manual' });
  assert.deepEqual(await checker.check(alice, 'model', 'gated-org/sdxl-gated'), { status: 'exists', withToken: true, gated: 'manual' });
  assert.deepEqual(await checker.check({ endpoint: hub.url, token: 'hf_wrong' }, 'model', BASE), {
    status: 'unauthorized',
    withToken: true,
    tokenRefused: true,
  });
  // The gated check asked for one byte of a file, with the token.
  const ranged = hub.requests.filter((r) => r.path.includes('/gated-org/sdxl-gated/resolve/'));
  assert.ok(ranged.length >= 3);
  assert.ok(ranged.every((r) => r.range === 'bytes=0-0'));
  assert.ok(ranged.some((r) => r.token === 'hf_granted'));
});

test('Hub checks: a 429 or a 5xx is "not reached" with the Retry-After; a hung Hub times out; a closed port is offline', async (t) => {
  const hub = await startFakeHub({ repos: REPOS, tokens: TOKENS });
  t.after(() => hub.close());
  const checker = new HubChecker({ timeoutMs: 300 });
  hub.rateLimitNext(1, 42);
  const limited = await checker.check({ endpoint: hub.url }, 'model', BASE);
  assert.equal(limited.status, 'unreachable');
  assert.match(limited.reason ?? '', /rate-limiting.*retry after 42 s/);
  hub.hang('/api/models/slow');
  const started = Date.now();
  const hung = await checker.check({ endpoint: hub.url }, 'model', 'slow/model');
  assert.equal(hung.status, 'unreachable');
  assert.match(hung.reason ?? '', /no answer within 0\.3 s/);
  assert.ok(Date.now() - started < 5000, 'the deadline ended the request');
  const port = await closedPort();
  const offline = await checker.check({ endpoint: `http://127.0.0.1:${port}` }, 'model', BASE);
  assert.equal(offline.status, 'unreachable');
  assert.match(offline.reason ?? '', /refused/);
  // DNS failures and server errors, as fetch and the client report them (no real lookup: no test touches the network).
  const dns = new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND huggingface.co'), { code: 'ENOTFOUND' }) });
  assert.deepEqual(failureOf(dns, 300), { answered: false, reason: "the Hub's address could not be resolved (offline?)" });
  assert.deepEqual(failureOf(new HubApiError('u', 503), 300), { answered: false, reason: 'the Hub answered 503 (a server error)' });
  assert.deepEqual(failureOf(new HubApiError('u', 404), 300), { answered: true, status: 404 });
});

test('Hub checks are cached per endpoint, token and id (negative answers shorter, "not reached" shortest) and shared while in flight', async (t) => {
  const hub = await startFakeHub({ repos: REPOS, tokens: TOKENS });
  t.after(() => hub.close());
  let now = 0;
  const checker = new HubChecker({ now: () => now });
  const anon = { endpoint: hub.url };
  const infoRequests = (id: string) => hub.requests.filter((r) => r.path.startsWith(`/api/models/${id}`)).length;
  const three = await Promise.all([checker.check(anon, 'model', BASE), checker.check(anon, 'model', BASE), checker.check(anon, 'model', BASE)]);
  assert.ok(three.every((r) => r.status === 'exists'));
  assert.equal(infoRequests(BASE), 1, 'concurrent checks of one id share one request');
  now += 5 * 60_000;
  await checker.check(anon, 'model', BASE);
  assert.equal(infoRequests(BASE), 1, 'a found id is kept for minutes');
  // Another token is another identity (what it may read differs).
  await checker.check({ endpoint: hub.url, token: 'hf_other' }, 'model', BASE);
  assert.equal(infoRequests(BASE), 2);
  now += 6 * 60_000;
  await checker.check(anon, 'model', BASE);
  assert.equal(infoRequests(BASE), 3, 'and asked again once stale');
  // A negative answer is kept a minute.
  await checker.check({ endpoint: hub.url, token: 'hf_other' }, 'model', 'nobody/nothing');
  now += 30_000;
  await checker.check({ endpoint: hub.url, token: 'hf_other' }, 'model', 'nobody/nothing');
  assert.equal(infoRequests('nobody/nothing'), 1);
  now += 31_000;
  await checker.check({ endpoint: hub.url, token: 'hf_other' }, 'model', 'nobody/nothing');
  assert.equal(infoRequests('nobody/nothing'), 2);
  // "Not reached" is retried soon.
  hub.rateLimitNext(1);
  assert.equal((await checker.check(anon, 'model', 'stabilityai/sdxl-turbo')).status, 'unreachable');
  now += 11_000;
  assert.equal((await checker.check(anon, 'model', 'stabilityai/sdxl-turbo')).status, 'exists');
  // The cache key does not hold the token.
  assert.doesNotMatch(tokenIdentity('hf_other'), /hf_other/);
});

test('Hub search: ids containing the text, at most the limit, cached, superseded searches aborted, no answer = no ids', async (t) => {
  const many: FakeRepo[] = Array.from({ length: 30 }, (_, i) => ({ id: `org${i}/sdxl-lora-${i}`, downloads: i }));
  const hub = await startFakeHub({ repos: [...REPOS, ...many], tokens: TOKENS });
  t.after(() => hub.close());
  const search = new HubSearch({ timeoutMs: 500 });
  const access = { endpoint: hub.url };
  const r = await search.search(access, 'model', 'sdxl-lora');
  assert.equal(r.ok, true);
  assert.equal(r.ids.length, 20);
  assert.equal(r.ids[0], 'org29/sdxl-lora-29', 'most downloaded first');
  assert.deepEqual((await search.search(access, 'model', 'stabilityai')).ids, [BASE, 'stabilityai/sdxl-turbo']);
  assert.deepEqual((await search.search(access, 'dataset', 'naruto')).ids, ['lambdalabs/naruto-blip-captions']);
  const before = hub.requests.length;
  assert.deepEqual((await search.search(access, 'model', 'stabilityai')).ids, [BASE, 'stabilityai/sdxl-turbo']);
  assert.equal(hub.requests.length, before, 'a repeated search is answered from the cache');
  assert.deepEqual(await search.search(access, 'model', 'x'), { ids: [], ok: true }, 'one letter is not searched');
  // A search superseded by a newer one of the same kind is aborted; the newer one answers.
  hub.hang('/api/models');
  const first = search.search(access, 'model', 'turbo');
  const caller = new AbortController();
  const second = search.search(access, 'model', 'turb', caller.signal);
  assert.deepEqual(await first, { ids: [], ok: false });
  caller.abort();
  assert.deepEqual(await second, { ids: [], ok: false });
  // A hung Hub: the deadline ends it.
  assert.deepEqual(await search.search(access, 'model', 'sdxl-turbo'), { ids: [], ok: false });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((res) => server.close(() => res()));
  return port;
}

test('completion applies inside the value of the three id arguments only, not to paths or keys', () => {
  const doc = JSON.stringify(
    { script: 'lora', args: { pretrained_model_name_or_path: 'stabil', dataset_name: '', output_dir: 'sta', pretrained_vae_model_name_or_path: './vae' } },
    null,
    2,
  );
  const at = (needle: string, after = needle.length) => doc.indexOf(needle) + after;
  const slot = hubIdSlotAt(doc, at('"stabil"', 4));
  assert.deepEqual(slot && { dest: slot.dest, kind: slot.kind, typed: slot.typed, content: doc.slice(slot.start, slot.end) }, {
    dest: 'pretrained_model_name_or_path',
    kind: 'model',
    typed: 'sta',
    content: 'stabil',
  });
  const ds = hubIdSlotAt(doc, at('"dataset_name": "', 17));
  assert.deepEqual(ds && { kind: ds.kind, typed: ds.typed }, { kind: 'dataset', typed: '' });
  assert.equal(hubIdSlotAt(doc, at('"sta"', 3)), undefined, 'output_dir is not an id');
  assert.equal(hubIdSlotAt(doc, at('"pretrained_model_name_or_path"', 5)), undefined, 'the key itself');
  assert.equal(hubIdSlotAt(doc, at('"./vae"', 4)), undefined, 'a path being typed');
  // A value still being typed (no closing quote yet).
  const open = '{"script": "lora", "args": {"pretrained_vae_model_name_or_path": "madeby\n}}';
  assert.equal(hubIdSlotAt(open, open.indexOf('madeby') + 6)?.typed, 'madeby');
});

test('whoami: the token owner, a refused token, a Hub not reached', async (t) => {
  const hub = await startFakeHub({ repos: REPOS, tokens: TOKENS });
  t.after(() => hub.close());
  assert.deepEqual(await tokenOwner(hub.url, 'hf_granted'), { ok: true, name: 'alice' });
  assert.deepEqual(await tokenOwner(hub.url, 'hf_wrong'), { ok: false, refused: true });
  hub.hang('/api/whoami-v2');
  assert.deepEqual(await tokenOwner(hub.url, 'hf_granted', { timeoutMs: 200 }), { ok: false, refused: false, reason: 'no answer within 0.2 s' });
});

test('a run gets the signed-in token as HF_TOKEN unless its config sets one; other sources it finds itself', () => {
  const signedIn = { value: 'hf_signedin', source: 'signed-in' as const };
  assert.deepEqual(runTokenEnv({ A: '1' }, signedIn), { HF_TOKEN: 'hf_signedin' });
  assert.deepEqual(runTokenEnv({ HF_TOKEN: 'hf_config' }, signedIn), {});
  assert.deepEqual(runTokenEnv({ HUGGING_FACE_HUB_TOKEN: 'hf_config' }, signedIn), {});
  assert.deepEqual(runTokenEnv({}, { value: 'hf_env', source: 'HF_TOKEN' }), {});
  assert.deepEqual(runTokenEnv({}, undefined), {});
});

test('hubStatusDetail: the host and which token, short (the status hover clips a long row with its Sign In link), never the value', () => {
  assert.equal(hubStatusDetail('http://127.0.0.1:46197', undefined), '127.0.0.1:46197, not signed in');
  assert.equal(hubStatusDetail('https://huggingface.co', { value: 'hf_secret', source: 'signed-in' }), 'huggingface.co, signed in');
  assert.equal(hubStatusDetail('https://huggingface.co', { value: 'hf_secret', source: 'HF_TOKEN' }), 'huggingface.co, $HF_TOKEN');
  const file = hubStatusDetail('https://hf-mirror.example.org/', { value: 'hf_secret', source: 'token-file', path: '/home/u/.cache/huggingface/token' });
  assert.equal(file, "hf-mirror.example.org, the Hugging Face CLI's token");
  for (const d of [file, hubStatusDetail('http://127.0.0.1:46197', undefined)]) assert.ok(d.length <= 60, d);
  assert.equal(hubStatusDetail('not a url', undefined), 'not a url, not signed in');
});
