// CLIP scoring in a worker thread: the bundled dist/clipWorker.js (as scripts/build.mjs builds it) gives the in-process
// scorer's numbers; cancel, a crashed worker, dispose.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { after, before, test } from 'node:test';
import { findClipModelFiles, type ClipModelFiles } from '../../src/core/clip/clipModelDir';
import { ClipWorkerClient, type ClipWorker } from '../../src/core/clip/clipWorkerClient';
import { createClipScorer } from '../../src/core/clip/onnxScorer';
import { writeBadImages, writeNoiseImages } from '../clip/clipTestImages';
import { clipWorkerSpawn } from '../clip/clipWorkerBundle';
import { writeTinyClip } from '../clip/tinyClip';

let root: string;
let files: ClipModelFiles;
let images: string[];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'clip-worker-'));
  files = await findClipModelFiles(writeTinyClip(join(root, 'model')).dir);
  images = await writeNoiseImages(join(root, 'images'), 6);
});

after(() => rmSync(root, { recursive: true, force: true }));

test('the worker gives the in-process scorer numbers, for score and scorePairs', async (t) => {
  const client = new ClipWorkerClient({ files, spawn: await clipWorkerSpawn(), threads: 1 });
  const local = createClipScorer({ files, threads: 1 });
  t.after(() => Promise.all([client.dispose(), local.dispose()]));
  const [a, b] = await Promise.all([client.score(images, 'a photo of the cat'), local.score(images, 'a photo of the cat')]);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-5, `${v} vs ${b[i]}`));
  const texts = images.map((_, i) => (i % 2 ? 'the dog' : 'a cat'));
  const [pa, pb] = await Promise.all([client.scorePairs(images, texts), local.scorePairs(images, texts)]);
  pa.forEach((v, i) => assert.ok(Math.abs(v - pb[i]!) < 1e-5));
  assert.equal(client.started, 1);
});

test('a corrupt image rejects naming its path; the worker keeps serving', async (t) => {
  const client = new ClipWorkerClient({ files, spawn: await clipWorkerSpawn(), threads: 1 });
  t.after(() => client.dispose());
  const bad = await writeBadImages(join(root, 'bad'));
  await assert.rejects(client.score([images[0]!, bad.truncated], 'x'), (e: Error) => e.message.includes(bad.truncated));
  assert.equal((await client.score([images[0]!], 'x')).length, 1);
  assert.equal(client.started, 1);
});

test('cancel rejects at once with an AbortError and the next call is answered', async (t) => {
  const client = new ClipWorkerClient({ files, spawn: await clipWorkerSpawn(), threads: 1 });
  t.after(() => client.dispose());
  const ac = new AbortController();
  const many = Array.from({ length: 200 }, (_, i) => images[i % images.length]!);
  const p = client.score(many, 'the cat', ac.signal);
  ac.abort();
  await assert.rejects(p, { name: 'AbortError' });
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(client.score(images, 'x', pre.signal), { name: 'AbortError' });
  assert.equal((await client.score(images, 'the cat')).length, images.length);
});

test('a worker that dies rejects its calls with a clear error, and the next call gets a fresh worker', async (t) => {
  const workers: Worker[] = [];
  const client = new ClipWorkerClient({ files, spawn: await clipWorkerSpawn((w) => workers.push(w)), threads: 1 });
  t.after(() => client.dispose());
  await client.score(images.slice(0, 1), 'warm up');
  const many = Array.from({ length: 400 }, (_, i) => images[i % images.length]!);
  const p = client.score(many, 'the cat');
  await workers[0]!.terminate();
  await assert.rejects(p, /the CLIP worker exited with code 1; the next score starts a new one/);
  assert.equal((await client.score(images, 'the cat')).length, images.length);
  assert.equal(client.started, 2);
});

/** A worker that never answers (cast as the validation service's tests do: Worker's `on` overloads are not EventEmitter's). */
class StandIn extends EventEmitter {
  posted: unknown[] = [];
  terminated = false;
  postMessage(m: unknown): void {
    this.posted.push(m);
  }
  terminate(): Promise<number> {
    this.terminated = true;
    return Promise.resolve(0);
  }
  ref(): void {}
  unref(): void {}
}

test('a worker error rejects pending calls naming it; dispose rejects the rest and later calls', async () => {
  const standIns: StandIn[] = [];
  const client = new ClipWorkerClient({
    files,
    spawn: () => {
      const s = new StandIn();
      standIns.push(s);
      return s as unknown as ClipWorker;
    },
  });
  const p = client.score(images, 'x');
  standIns[0]!.emit('error', new Error('boom'));
  await assert.rejects(p, /the CLIP worker failed: boom/);
  assert.ok(standIns[0]!.terminated);
  const q = client.scorePairs(
    images,
    images.map(() => 'y'),
  );
  assert.equal(standIns.length, 2);
  await client.dispose();
  await assert.rejects(q, /CLIP scoring has stopped/);
  await assert.rejects(client.score(images, 'x'), /CLIP scoring has stopped/);
  assert.deepEqual(await new ClipWorkerClient({ files, spawn: () => new StandIn() as unknown as ClipWorker }).score([], 'x'), []);
});
