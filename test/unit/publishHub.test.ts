// Publishing with the real @huggingface/hub client against the loopback fake Hub (test/hub/fakeHub.ts): the repo is
// created, the files and the card arrive byte for byte in one commit, a re-publish is a second commit that replaces and
// deletes only what an earlier publish put there, a cancel mid-upload leaves no commit, and refusals are named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeHub, type FakeHub } from '../hub/fakeHub';
import { publishToHub, MANIFEST_FILE, type PublishOptions, type PublishProgress } from '../../src/core/publish/publish';
import type { PublishEntry } from '../../src/core/publish/publishFiles';

const TOKEN = 'hf_writeWRITEwrite0123456789abcdef';
const READ_TOKEN = 'hf_readREADread0123456789abcdefgh';

async function setup(t: {
  after: (f: () => void | Promise<void>) => void;
}): Promise<{ hub: FakeHub; dir: string; file: (name: string, bytes: Buffer) => PublishEntry }> {
  const hub = await startFakeHub({ tokens: { [TOKEN]: 'alice', [READ_TOKEN]: 'bob' }, writeAccess: { [TOKEN]: ['alice', 'alices-lab'], [READ_TOKEN]: [] } });
  const dir = mkdtempSync(join(tmpdir(), 'publish-hub-'));
  t.after(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const file = (name: string, bytes: Buffer): PublishEntry => {
    const p = join(dir, name.replace(/\//g, '_'));
    writeFileSync(p, bytes);
    return { repoPath: name, localPath: p, size: bytes.length };
  };
  return { hub, dir, file };
}

const weights = (n: number, seed: number): Buffer => Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) % 256));
const text = (v: string | Uint8Array | undefined): string => Buffer.from(v ?? '').toString('utf8');

test('publish: creates the repo (private), one commit with the weights, an image and the card; bytes arrive', async (t) => {
  const { hub, file } = await setup(t);
  const lora = file('pytorch_lora_weights.safetensors', weights(300_000, 1));
  const img = file('images/image_0.png', weights(5000, 2));
  const progress: PublishProgress[] = [];
  const r = await publishToHub({
    hubUrl: hub.url,
    accessToken: TOKEN,
    repoId: 'alice/dog-lora',
    private: true,
    license: 'openrail++',
    files: [lora, img],
    card: '---\nlicense: openrail++\n---\n# dog\n',
    onProgress: (p) => progress.push(p),
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.created, true);
  assert.equal(r.url, `${hub.url}/alice/dog-lora`);
  const repo = hub.repo('alice/dog-lora');
  assert.equal(repo?.private, true);
  assert.deepEqual(Object.keys(repo?.files ?? {}).sort(), ['.sdxl-publish.json', 'README.md', 'images/image_0.png', 'pytorch_lora_weights.safetensors']);
  assert.ok(Buffer.from(repo!.files!['pytorch_lora_weights.safetensors']!).equals(readFileSync(lora.localPath)));
  assert.ok(Buffer.from(repo!.files!['images/image_0.png']!).equals(readFileSync(img.localPath)));
  assert.equal(text(repo!.files!['README.md']), '---\nlicense: openrail++\n---\n# dog\n');
  assert.equal(hub.commits.length, 1);
  assert.equal(r.commit, hub.commits[0]!.oid);
  // The weights went by LFS (batch + PUT), the card inline in the commit.
  assert.ok(hub.requests.some((q) => q.method === 'POST' && q.path === '/alice/dog-lora.git/info/lfs/objects/batch'));
  assert.ok(hub.requests.some((q) => q.method === 'PUT' && q.path.startsWith('/__lfs/')));
  const last = progress[progress.length - 1]!;
  assert.equal(last.bytes, last.total);
  assert.equal(last.total, 300_000 + 5000 + Buffer.byteLength('---\nlicense: openrail++\n---\n# dog\n'));
  assert.ok(
    progress.some((p) => p.phase === 'uploading' && p.bytes >= 300_000 && p.bytes < last.total),
    'bytes counted as files upload',
  );
  // Sums of whole files are all a per-file count could say; a count within the weights' PUT is none of them.
  const wholeFiles = new Set([0, 5000, 300_000, 305_000, last.total]);
  assert.ok(
    progress.some((p) => p.phase === 'uploading' && !wholeFiles.has(p.bytes)),
    'bytes counted within a file as its PUT streams',
  );
  for (let i = 1; i < progress.length; i++) if (progress[i]!.phase !== 'hashing') assert.ok(progress[i]!.bytes >= 0);
});

test('re-publish: a second commit on the same repo replaces changed files and deletes only what this project put there', async (t) => {
  const { hub, file } = await setup(t);
  hub.put({ id: 'alice/dog-lora', files: { 'notes.txt': 'mine, uploaded by hand' }, grantedTo: [TOKEN] });
  const opts = (files: PublishEntry[], card: string): PublishOptions => ({
    hubUrl: hub.url,
    accessToken: TOKEN,
    repoId: 'alice/dog-lora',
    private: false,
    files,
    card,
  });
  const first = await publishToHub(
    opts(
      [file('pytorch_lora_weights.safetensors', weights(4000, 1)), file('images/image_0.png', weights(2000, 2)), file('images/image_1.png', weights(2000, 3))],
      '# v1\n',
    ),
  );
  assert.ok(first.ok, JSON.stringify(first));
  assert.equal(first.created, false);
  const second = await publishToHub(opts([file('pytorch_lora_weights.safetensors', weights(4000, 9)), file('images/image_0.png', weights(2000, 4))], '# v2\n'));
  assert.ok(second.ok, JSON.stringify(second));
  assert.deepEqual(second.deleted, ['images/image_1.png']);
  assert.equal(hub.commits.length, 2);
  assert.deepEqual(hub.commits[1]!.deleted, ['images/image_1.png']);
  const files = hub.repo('alice/dog-lora')!.files!;
  assert.deepEqual(Object.keys(files).sort(), ['.sdxl-publish.json', 'README.md', 'images/image_0.png', 'notes.txt', 'pytorch_lora_weights.safetensors']);
  assert.ok(Buffer.from(files['pytorch_lora_weights.safetensors']!).equals(weights(4000, 9)));
  assert.equal(text(files['README.md']), '# v2\n');
  assert.equal(text(files['notes.txt']), 'mine, uploaded by hand');
  assert.deepEqual(JSON.parse(text(files[MANIFEST_FILE])).files, ['README.md', 'images/image_0.png', 'pytorch_lora_weights.safetensors']);
});

test('cancel mid-upload: the publish says cancelled and the Hub got no commit', async (t) => {
  const { hub, file } = await setup(t);
  hub.hang('/__lfs/');
  const abort = new AbortController();
  const running = publishToHub({
    hubUrl: hub.url,
    accessToken: TOKEN,
    repoId: 'alice/big',
    private: false,
    files: [file('pytorch_lora_weights.safetensors', weights(200_000, 5))],
    card: '# big\n',
    signal: abort.signal,
  });
  while (!hub.requests.some((q) => q.method === 'PUT')) await new Promise((r) => setImmediate(r));
  abort.abort();
  const r = await running;
  assert.deepEqual(r.ok ? r : { kind: r.kind }, { kind: 'cancelled' });
  assert.ok(!r.ok && /cancelled: nothing was committed/.test(r.message));
  assert.equal(hub.commits.length, 0);
  assert.ok(!hub.requests.some((q) => q.path.includes('/commit/')));
});

test('refusals are named: invalid token (401), no write access to the org (403), a bad repo id, the Hub not reached', async (t) => {
  const { hub, file } = await setup(t);
  const base = { hubUrl: hub.url, private: false, files: [file('pytorch_lora_weights.safetensors', weights(3000, 1))], card: '# x\n' };
  const bad = await publishToHub({ ...base, accessToken: 'hf_notAValidTokenAtAll0123456789', repoId: 'alice/x' });
  assert.ok(!bad.ok);
  assert.equal(bad.kind, 'token');
  assert.match(bad.message, /refused the token \(401\)/);
  assert.ok(!bad.message.includes('hf_notAValidTokenAtAll0123456789'));
  const org = await publishToHub({ ...base, accessToken: TOKEN, repoId: 'someone-elses-org/x' });
  assert.ok(!org.ok);
  assert.equal(org.kind, 'forbidden');
  assert.match(org.message, /may not write to "someone-elses-org" \(403\)/);
  const readOnly = await publishToHub({ ...base, accessToken: READ_TOKEN, repoId: 'bob/x' });
  assert.ok(!readOnly.ok);
  assert.equal(readOnly.kind, 'forbidden');
  const invalid = await publishToHub({ ...base, accessToken: TOKEN, repoId: 'alice/bad name' });
  assert.ok(!invalid.ok);
  assert.equal(invalid.kind, 'invalid');
  const url = hub.url;
  await hub.close();
  const offline = await publishToHub({ ...base, hubUrl: url, accessToken: TOKEN, repoId: 'alice/x' });
  assert.ok(!offline.ok);
  assert.equal(offline.kind, 'network');
  assert.match(offline.message, /was not reached/);
  assert.equal(hub.commits.length, 0);
});

test('a repo that exists but this token cannot see: 409 named', async (t) => {
  const { hub, file } = await setup(t);
  const r = await publishToHub({
    hubUrl: hub.url,
    accessToken: TOKEN,
    repoId: 'alices-lab/new-one',
    private: false,
    files: [file('a.safetensors', weights(10, 1))],
    card: '#\n',
  });
  assert.ok(r.ok, 'a new repo in an org it may write to');
  hub.put({ id: 'alices-lab/secret', private: true, files: {} });
  const exists = await publishToHub({
    hubUrl: hub.url,
    accessToken: TOKEN,
    repoId: 'alices-lab/secret',
    private: false,
    files: [file('a.safetensors', weights(10, 1))],
    card: '#\n',
  });
  assert.ok(!exists.ok);
  assert.equal(exists.kind, 'exists');
  assert.match(exists.message, /exists already \(409\)/);
});
