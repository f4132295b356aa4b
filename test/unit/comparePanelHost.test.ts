// The Compare Samples host (src/extension/generate/comparePanel.ts) with a stand-in `vscode` and a stand-in feed over
// a planted job: the panel's resource roots and page, the ready handshake and its snapshot, every webview message
// validated (a malformed one logged and dropped), "Save image as…" by reference only, CLIP scores with the tiny ONNX
// model (cached in clip-scores.json) or the "not downloaded" state until the webview asks, and the serializer.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type * as PanelModule from '../../src/extension/generate/comparePanel';
import type { GenerationFeed } from '../../src/extension/generate/generationFeed';
import type { GenerationState } from '../../src/core/generate/types';
import { findClipModelFiles } from '../../src/core/clip/clipModelDir';
import { createClipScorer } from '../../src/core/clip/onnxScorer';
import type { ImageTextScorer } from '../../src/core/clip/types';
import { checkCompareHostMessage, type CompareHostMessage, type CompareJobView } from '../../src/shared/compareProtocol';
import { writeTinyClip } from '../clip/tinyClip';
import { plantJob, plantedSettings } from '../generate/plantedJob';

interface Uri {
  fsPath: string;
  toString(): string;
}
const uri = (fsPath: string): Uri => ({ fsPath, toString: () => `file://${fsPath}` });

class FakeWebview {
  html = '';
  options: { localResourceRoots?: Uri[] } = {};
  readonly cspSource = 'vscode-webview://fake';
  readonly posted: CompareHostMessage[] = [];
  private listener: ((m: unknown) => void) | undefined;
  onDidReceiveMessage(l: (m: unknown) => void, _this: unknown, subs: { dispose(): void }[]) {
    this.listener = l;
    const d = { dispose: () => (this.listener = undefined) };
    subs.push(d);
    return d;
  }
  receive(m: unknown): void {
    this.listener?.(m);
  }
  async postMessage(m: CompareHostMessage): Promise<boolean> {
    this.posted.push(m);
    return true;
  }
  asWebviewUri(u: Uri): Uri {
    return uri(`webview-resource${u.fsPath}`);
  }
}

class FakePanel {
  readonly webview = new FakeWebview();
  title = '';
  iconPath: unknown;
  disposed = false;
  private readonly disposeListeners: (() => void)[] = [];
  constructor(readonly created: { options?: { localResourceRoots?: Uri[] } } = {}) {}
  onDidDispose(l: () => void) {
    this.disposeListeners.push(l);
    return { dispose: () => undefined };
  }
  reveal(): void {}
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const l of this.disposeListeners) l();
  }
}

const ui = {
  panels: [] as FakePanel[],
  serializer: undefined as { deserializeWebviewPanel(p: FakePanel, state: unknown): Promise<void> } | undefined,
  saveTo: undefined as string | undefined,
  saveAsked: 0,
};

const fakeVscode = {
  Uri: { file: uri, joinPath: (base: Uri, ...p: string[]) => uri(join(base.fsPath, ...p)) },
  ViewColumn: { Active: -1 },
  workspace: {
    isTrusted: true,
    workspaceFolders: undefined,
    getConfiguration: () => ({ get: () => undefined }),
    onDidChangeConfiguration: () => ({ dispose: () => undefined }),
    onDidGrantWorkspaceTrust: () => ({ dispose: () => undefined }),
  },
  window: {
    createWebviewPanel: (_type: string, _title: string, _col: unknown, options: { localResourceRoots?: Uri[] }) => {
      const p = new FakePanel({ options });
      ui.panels.push(p);
      return p;
    },
    registerWebviewPanelSerializer: (_type: string, s: typeof ui.serializer) => {
      ui.serializer = s;
      return { dispose: () => undefined };
    },
    showSaveDialog: async () => {
      ui.saveAsked++;
      return ui.saveTo ? uri(ui.saveTo) : undefined;
    },
    showQuickPick: async () => undefined,
    showInformationMessage: async () => undefined,
    showErrorMessage: async () => undefined,
  },
};

function load(): typeof PanelModule {
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const original = loader._load;
  loader._load = function (request, parent, isMain) {
    return request === 'vscode' ? fakeVscode : original.call(this, request, parent, isMain);
  };
  try {
    return createRequire(__filename)('../../src/extension/generate/comparePanel') as typeof PanelModule;
  } finally {
    loader._load = original;
  }
}
const { CompareHost } = load();

class Feed implements GenerationFeed {
  readonly states = new Map<string, GenerationState>();
  private readonly listeners: ((id: string) => void)[] = [];
  jobs(): readonly GenerationState[] {
    return [...this.states.values()];
  }
  get(jobId: string): GenerationState | undefined {
    return this.states.get(jobId);
  }
  readonly onDidChange = (l: (id: string) => void) => {
    this.listeners.push(l);
    return { dispose: () => undefined };
  };
  set(s: GenerationState): void {
    this.states.set(s.jobId, s);
    for (const l of this.listeners) l(s.jobId);
  }
  /** Its record deleted (Delete Samples): the feed says it changed, and knows it no more. */
  remove(jobId: string): void {
    this.states.delete(jobId);
    for (const l of this.listeners) l(jobId);
  }
}

let root: string;
let scorer: ImageTextScorer;
const EXT = '/ext';

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'compare-host-'));
  writeTinyClip(join(root, 'tiny-clip'));
  scorer = createClipScorer({ files: await findClipModelFiles(join(root, 'tiny-clip')), threads: 1 });
});
after(async () => {
  await scorer.dispose();
  rmSync(root, { recursive: true, force: true });
});

function setup(name: string, clip: { local: boolean; model?: string }) {
  const feed = new Feed();
  const log: string[] = [];
  const context = { extensionUri: uri(EXT) } as never;
  const host = new CompareHost(context, feed, { modelId: () => clip.model ?? 'tiny', local: async () => clip.local, scorer, enabled: () => true }, (m) =>
    log.push(m),
  );
  return { feed, log, host, dir: join(root, name) };
}

async function until<T>(what: string, f: () => T | undefined): Promise<T> {
  const end = Date.now() + 15_000;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function lastJob(p: FakePanel, check: (j: CompareJobView) => boolean = () => true): CompareJobView | undefined {
  const jobs = p.webview.posted.filter((m): m is Extract<CompareHostMessage, { type: 'job' }> => m.type === 'job').map((m) => m.job);
  const j = jobs[jobs.length - 1];
  return j && check(j) ? j : undefined;
}

test('a panel per job: roots are the bundle and the job folder only, a CSP page, and after ready a valid snapshot with scores', async () => {
  const { feed, log, host, dir } = setup('scored', { local: true });
  const state = await plantJob(dir, { settings: plantedSettings({ numImages: 1 }) });
  feed.set(state);
  await host.show(state.jobId);
  const panel = ui.panels[ui.panels.length - 1]!;
  assert.deepEqual(
    panel.webview.options.localResourceRoots?.map((u) => u.fsPath),
    [join(EXT, 'dist', 'webview'), dir],
  );
  assert.match(panel.webview.html, /Content-Security-Policy" content="default-src 'none'; img-src vscode-webview:\/\/fake data:/);
  assert.match(panel.webview.html, /src="file:\/\/webview-resource\/ext\/dist\/webview\/compare\.js"/);
  assert.equal(panel.webview.posted.length, 0, 'nothing before the page says ready');

  panel.webview.receive({ type: 'ready', protocol: 1 });
  const job = await until('a snapshot with every score', () =>
    lastJob(panel, (j) => j.clip.state === 'scored' && j.images.every((i) => i.clipScore !== undefined)),
  );
  assert.equal(checkCompareHostMessage({ type: 'job', job }), undefined);
  assert.equal(panel.title, 'samples of dog-lora');
  assert.deepEqual(
    job.columns.map((c) => c.title),
    ['base', 'checkpoint-4 · step 4', 'final'],
  );
  assert.equal(job.images.length, 6);
  assert.equal(job.images[0]!.uri, `file://webview-resource${join(dir, 'base/0-42.png')}`);
  const file = JSON.parse(readFileSync(join(dir, 'clip-scores.json'), 'utf8')) as { model: string; scores: Record<string, number> };
  assert.equal(file.model, 'tiny');
  assert.equal(Object.keys(file.scores).length, 6);
  assert.deepEqual(log, []);

  // The same job again: the open panel is revealed, not a second one made.
  const n = ui.panels.length;
  await host.show({ jobId: state.jobId });
  assert.equal(ui.panels.length, n);
  host.dispose();
  assert.ok(panel.disposed);
});

test('every webview message is validated: a malformed one is logged and dropped; Save maps a reference to the job’s own file', async () => {
  const { feed, log, host, dir } = setup('save', { local: true });
  const state = await plantJob(dir, { count: 3 });
  feed.set(state);
  await host.show(state.jobId);
  const panel = ui.panels[ui.panels.length - 1]!;
  panel.webview.receive({ type: 'ready', protocol: 1 });
  await until('a snapshot', () => lastJob(panel));

  for (const bad of [
    { type: 'saveImage', jobId: state.jobId, source: '../../etc', promptIndex: 0, seed: 42 },
    { type: 'saveImage', jobId: state.jobId, source: 'base', promptIndex: 0, seed: 'x' },
    { type: 'openPath', path: '/etc/passwd' },
    null,
  ])
    panel.webview.receive(bad);
  assert.equal(log.length, 4);
  for (const l of log) assert.match(l, /^Compare Samples: ignored a malformed message \(webview message/);
  assert.equal(ui.saveAsked, 0);

  // Not made (yet): nothing is asked, and the log says which image.
  panel.webview.receive({ type: 'saveImage', jobId: state.jobId, source: 'final', promptIndex: 0, seed: 42 });
  await until('the log line', () => (log.length === 5 ? true : undefined));
  assert.match(log[4]!, /has no image final \/ prompt 0 \/ seed 42/);
  assert.equal(ui.saveAsked, 0);

  ui.saveTo = join(root, 'saved.png');
  panel.webview.receive({ type: 'saveImage', jobId: state.jobId, source: 'base', promptIndex: 1, seed: 42 });
  await until('the saved copy', () => (existsSync(ui.saveTo!) ? true : undefined));
  assert.deepEqual(readFileSync(ui.saveTo), readFileSync(join(dir, 'base/1-42.png')));
  ui.saveTo = undefined;
  host.dispose();
});

test('without the model: "not downloaded" and no scoring until the webview asks; then the images are scored', async () => {
  const { feed, host, dir } = setup('download', { local: false });
  const state = await plantJob(dir, { settings: plantedSettings({ numImages: 1, prompts: ['a dog'] }) });
  feed.set(state);
  await host.show(state.jobId);
  const panel = ui.panels[ui.panels.length - 1]!;
  panel.webview.receive({ type: 'ready', protocol: 1 });
  const job = await until('a snapshot', () => lastJob(panel));
  assert.deepEqual(job.clip, { state: 'not-downloaded', model: 'tiny' });
  assert.ok(job.images.every((i) => i.clipScore === undefined));
  assert.equal(existsSync(join(dir, 'clip-scores.json')), false);

  panel.webview.receive({ type: 'downloadClip' });
  await until('scores after the download was asked for', () =>
    lastJob(panel, (j) => j.clip.state === 'scored' && j.images.every((i) => i.clipScore !== undefined)),
  );
  assert.ok(existsSync(join(dir, 'clip-scores.json')));
  host.dispose();
});

test('live: a new image in the feed is sent to the page; a job that is gone says so', async () => {
  const { feed, host, dir } = setup('live', { local: false });
  const settings = plantedSettings({ numImages: 1 });
  const state = await plantJob(dir, { settings, count: 2 });
  feed.set({ ...state, status: 'generating', current: { source: 'base', promptIndex: 0, seed: 42, step: 1, steps: 20 } });
  await host.show(state.jobId);
  const panel = ui.panels[ui.panels.length - 1]!;
  panel.webview.receive({ type: 'ready', protocol: 1 });
  await until('the first snapshot', () => lastJob(panel, (j) => j.images.length === 2 && j.current?.step === 1));
  const full = await plantJob(dir, { settings, count: 3 });
  feed.set({ ...full, status: 'generating' });
  await until('the third image', () => lastJob(panel, (j) => j.images.length === 3));
  feed.remove(state.jobId);
  await until('"missing"', () => (panel.webview.posted.some((m) => m.type === 'missing') ? true : undefined));
  host.dispose();
});

test('the serializer brings a panel back for the saved job id, and closes one whose state names none', async () => {
  const { feed, host, dir } = setup('revive', { local: false });
  const state = await plantJob(dir);
  feed.set(state);
  const revived = new FakePanel();
  await ui.serializer!.deserializeWebviewPanel(revived, { jobId: state.jobId, scrollTop: 10 });
  assert.equal(revived.disposed, false);
  assert.deepEqual(
    revived.webview.options.localResourceRoots?.map((u) => u.fsPath),
    [join(EXT, 'dist', 'webview'), dir],
  );
  for (const bad of [undefined, {}, { jobId: '../x' }, { jobId: state.jobId }]) {
    const p = new FakePanel();
    await ui.serializer!.deserializeWebviewPanel(p, bad);
    assert.ok(p.disposed, `closed for ${JSON.stringify(bad)}`);
  }
  host.dispose();
});
