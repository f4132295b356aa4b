// The editor's CLIP service (src/extension/clip/clipService.ts) with a stand-in `vscode`: nothing in an untrusted
// workspace; a local model scored in the bundled worker; a Hub model downloaded from the loopback fake Hub after
// asking, a "Not Now" / "Never" remembered; a setting change restarts the worker; dispose.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type * as ServiceModule from '../../src/extension/clip/clipService';
import { findClipModelFiles } from '../../src/core/clip/clipModelDir';
import { createClipScorer } from '../../src/core/clip/onnxScorer';
import { clipWorkerJs } from '../clip/clipWorkerBundle';
import { writeNoiseImages } from '../clip/clipTestImages';
import { writeTinyClip } from '../clip/tinyClip';
import { filesUnder, startFakeHub, type FakeHub } from '../hub/fakeHub';

const ui = {
  trusted: true,
  model: '',
  folder: '',
  answers: [] as (string | undefined)[],
  asked: [] as string[],
  items: [] as unknown[],
  progress: 0,
  configListeners: [] as ((e: { affectsConfiguration(s: string): boolean }) => void)[],
};

const fakeVscode = {
  ProgressLocation: { Notification: 15 },
  workspace: {
    get isTrusted() {
      return ui.trusted;
    },
    get workspaceFolders() {
      return [{ uri: { fsPath: ui.folder } }];
    },
    getConfiguration: () => ({ get: (key: string) => (key === 'clip.model' ? ui.model : undefined) }),
    onDidChangeConfiguration: (l: (e: { affectsConfiguration(s: string): boolean }) => void) => {
      ui.configListeners.push(l);
      return { dispose: () => undefined };
    },
  },
  window: {
    // Items as VS Code takes them: strings or MessageItems; the answer is the item whose title was given.
    showInformationMessage: async (text: string, _options: unknown, ...items: (string | { title: string; isCloseAffordance?: boolean })[]) => {
      ui.asked.push(text);
      ui.items = items;
      const answer = ui.answers.shift();
      return items.find((i) => (typeof i === 'string' ? i : i.title) === answer);
    },
    withProgress: (_o: unknown, task: (p: unknown, t: unknown) => Promise<unknown>) => {
      ui.progress++;
      return task({ report: () => undefined }, { onCancellationRequested: () => ({ dispose: () => undefined }) });
    },
  },
};

function load(): typeof ServiceModule {
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const original = loader._load;
  loader._load = function (request, parent, isMain) {
    return request === 'vscode' ? fakeVscode : original.call(this, request, parent, isMain);
  };
  try {
    return createRequire(__filename)('../../src/extension/clip/clipService') as typeof ServiceModule;
  } finally {
    loader._load = original;
  }
}
const { ClipService } = load();

class Memento {
  readonly values = new Map<string, unknown>();
  keys(): string[] {
    return [...this.values.keys()];
  }
  get<T>(key: string, fallback?: T): T {
    return (this.values.has(key) ? this.values.get(key) : fallback) as T;
  }
  update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
    return Promise.resolve();
  }
}

let root: string;
let hub: FakeHub;
let modelDir: string;
let images: string[];
let workerFile: string;
const saved = { HF_ENDPOINT: process.env.HF_ENDPOINT, HF_HOME: process.env.HF_HOME, HF_HUB_CACHE: process.env.HF_HUB_CACHE, HF_TOKEN: process.env.HF_TOKEN };

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'clip-service-'));
  ui.folder = root;
  modelDir = writeTinyClip(join(root, 'model')).dir;
  images = await writeNoiseImages(join(root, 'images'), 3);
  workerFile = await clipWorkerJs();
  hub = await startFakeHub({ repos: [{ id: 'tiny-org/clip', files: filesUnder(modelDir) }] });
  process.env.HF_ENDPOINT = hub.url;
  process.env.HF_HOME = join(root, 'hf');
  delete process.env.HF_HUB_CACHE;
  delete process.env.HF_TOKEN;
});

after(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});

function service(state = new Memento()): InstanceType<typeof ClipService> {
  return new ClipService(state, () => Promise.resolve(undefined), { workerFile, askAboveBytes: 1000 });
}

test('untrusted: scoring is refused, nothing is downloaded', async () => {
  ui.trusted = false;
  ui.model = 'tiny-org/clip';
  const s = service();
  const before = hub.requests.length;
  await assert.rejects(s.score(images, 'x'), /only in a trusted workspace/);
  assert.equal(hub.requests.length, before);
  await s.dispose();
  ui.trusted = true;
});

test('a local model folder (relative to the workspace): the worker gives the in-process numbers; dispose stops it', async () => {
  ui.model = 'model';
  const s = service();
  const local = createClipScorer({ files: await findClipModelFiles(modelDir) });
  const [a, b] = [await s.score(images, 'a photo of the cat'), await local.score(images, 'a photo of the cat')];
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-5));
  await local.dispose();
  await s.dispose();
  await assert.rejects(s.score(images, 'x'), /stopped/);
});

test('a Hub model: asked first; Not Now is kept for the window, Never in the memento; Download fetches and scores', async () => {
  ui.model = 'tiny-org/clip';
  const state = new Memento();
  const s = service(state);
  ui.asked.length = 0;
  ui.answers = ['Not Now'];
  // The declined download says what to do next, the first time and after.
  const notNow =
    /tiny-org\/clip is not downloaded \(you chose Not Now: run Developer: Reload Window to be asked again\)\. Or set sdxl\.clip\.model to a local folder/;
  await assert.rejects(s.score(images, 'x'), notNow);
  await assert.rejects(s.score(images, 'x'), notNow);
  assert.equal(ui.asked.length, 1, 'asked once');
  // "Not Now" closes the modal (Escape): VS Code adds no "Cancel" of its own beside it.
  assert.deepEqual(ui.items, [{ title: 'Download' }, { title: 'Not Now', isCloseAffordance: true }, { title: 'Never for This Model' }]);
  ui.answers = [undefined];
  const closed = service(new Memento());
  await assert.rejects(closed.score(images, 'x'), notNow);
  await closed.dispose();
  await s.dispose();

  const t = service(state);
  ui.answers = ['Never for This Model'];
  await assert.rejects(t.score(images, 'x'), /not downloaded \(you chose Never for This Model\)\. Or set sdxl\.clip\.model/);
  assert.deepEqual(state.get('sdxl.clip.declinedDownloads'), ['tiny-org/clip']);
  await t.dispose();
  const u = service(state);
  await assert.rejects(u.score(images, 'x'), /you chose Never for This Model/);
  assert.equal(ui.asked.length, 3);
  await u.dispose();

  const v = service();
  ui.answers = ['Download'];
  const scores = await v.score(images, 'x');
  assert.equal(scores.length, images.length);
  assert.equal(ui.asked.length, 4);
  // Cached now: a new service neither asks nor shows progress.
  await v.dispose();
  const w = service();
  const progress = ui.progress;
  assert.deepEqual(await w.score(images, 'x'), scores);
  assert.equal(ui.asked.length, 4);
  assert.equal(ui.progress, progress);
  await w.dispose();
});

test('a change of sdxl.clip.model ends the worker; the next score uses the new model', async () => {
  const other = writeTinyClip(join(root, 'other'), { seed: 99 }).dir;
  ui.model = 'model';
  const s = service();
  const first = await s.score(images, 'the cat');
  ui.model = other;
  for (const l of ui.configListeners) l({ affectsConfiguration: (k) => k === 'sdxl.clip.model' });
  const second = await s.score(images, 'the cat');
  assert.notDeepEqual(second, first);
  const want = createClipScorer({ files: await findClipModelFiles(other) });
  (await want.score(images, 'the cat')).forEach((v, i) => assert.ok(Math.abs(v - second[i]!) < 1e-5));
  await want.dispose();
  await s.dispose();
});
