// The GenerationsController (src/extension/generate/generationsController.ts) under a scripted `vscode`, with fake
// jobs (generateTestKit.ts): it follows every job on disk and one that appears later (a job the CLI started, a
// reload), drops removed ones, stops following on dispose, starts and stops nothing in an untrusted workspace, and
// Delete Samples removes the job's record and its .sdxl/samples folder only. And the Runs view's sample rows.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KnownSecrets } from '../../src/core/util/redact';
import { initialRunState } from '../../src/core/run/state';
import type { GenerationSettings, GenerationState } from '../../src/core/generate/types';
import type * as ControllerModule from '../../src/extension/generate/generationsController';
import type * as RunsViewModule from '../../src/extension/views/runsView';
import type { RunsController } from '../../src/extension/runs/runsController';
import { FakeJobs, loadWithVscode, resetUi, ui, writeJobState } from './generateTestKit';
import { waitFor } from './supervisorTestKit';

const { GenerationsController } = loadWithVscode<typeof ControllerModule>('../../src/extension/generate/generationsController');
const { RunsView } = loadWithVscode<typeof RunsViewModule>('../../src/extension/views/runsView');

const log = { info: () => undefined, warn: () => undefined, error: (m: string) => assert.fail(m) };

export const SETTINGS: GenerationSettings = {
  baseModel: '/models/tiny',
  sources: [
    { label: 'base', kind: 'base' },
    { label: 'checkpoint-2', kind: 'lora', path: '/out/checkpoint-2', step: 2 },
    { label: 'final', kind: 'lora', path: '/out', step: 4 },
  ],
  prompts: ['a photo of sks dog', 'sks dog on a beach'],
  steps: 2,
  guidance: 5,
  seed: 0,
  numImages: 2,
  width: 64,
  height: 64,
};

function jobState(ws: string, id: string, patch: Partial<GenerationState> = {}): GenerationState {
  return {
    jobId: id,
    runId: 'run-1',
    name: 'dog samples',
    outputDir: join(ws, '.sdxl', 'samples', id),
    status: 'generating',
    settings: SETTINGS,
    total: 12,
    images: [],
    ...patch,
  };
}

let ws = '';
beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'sdxl-gen-'));
  resetUi(ws);
});

function make(jobs = new FakeJobs()) {
  const c = new GenerationsController('/ext', log, new KnownSecrets(), jobs);
  const changes: string[] = [];
  c.onDidChange((id) => changes.push(id));
  return { c, jobs, changes, records: join(ws, '.sdxl', 'generations') };
}

test('refresh follows every job on disk (a reload re-follows a job still running) and drops removed ones', async () => {
  const { c, jobs, changes, records } = make();
  writeJobState(join(records, 'a'), jobState(ws, 'a', { status: 'succeeded', images: [], total: 12 }));
  writeJobState(join(records, 'b'), jobState(ws, 'b', { startedAt: '2026-11-29T10:00:00Z' }));
  await c.refresh();
  assert.deepEqual(
    c.jobs().map((j) => j.jobId),
    ['a', 'b'],
  );
  assert.equal(c.get('b')?.status, 'generating');
  assert.ok(jobs.monitors.every((m) => m.started));
  assert.deepEqual(changes.sort(), ['a', 'b']);
  // The monitor's news reaches the feed's listeners with the job id.
  writeJobState(join(records, 'b'), jobState(ws, 'b', { status: 'succeeded' }));
  jobs.tick();
  assert.equal(c.get('b')?.status, 'succeeded');
  assert.equal(changes.at(-1), 'b');
  assert.deepEqual(
    c.jobsOfRun('run-1').map((j) => j.jobId),
    c.jobs().map((j) => j.jobId),
  );
  rmSync(join(records, 'a'), { recursive: true });
  await c.refresh();
  assert.equal(c.get('a'), undefined);
  assert.equal(changes.at(-1), 'a');
  assert.ok(jobs.monitors[0]!.disposed, 'the removed job is no longer followed');
  c.dispose();
  assert.ok(
    jobs.monitors.every((m) => m.disposed),
    'every monitor ends with the window',
  );
});

test('a job another process starts shows up through the records folder watch', async () => {
  const { c, records } = make();
  mkdirSync(records, { recursive: true });
  await c.refresh();
  c.watchRecords();
  try {
    writeJobState(join(records, 'from-cli'), jobState(ws, 'from-cli'));
    await waitFor(() => c.get('from-cli') !== undefined, 'the CLI job to be followed', 10_000);
  } finally {
    c.dispose();
  }
});

test('untrusted: jobs are listed, but nothing is started, stopped or deleted', async () => {
  const { c, jobs, records } = make();
  writeJobState(join(records, 'a'), jobState(ws, 'a'));
  writeJobState(join(records, 'b'), jobState(ws, 'b', { status: 'succeeded' }));
  mkdirSync(join(ws, '.sdxl', 'samples', 'b'), { recursive: true });
  ui.trusted = false;
  await c.refresh();
  assert.equal(c.jobs().length, 2);
  assert.equal(await c.start({ python: 'python', settings: SETTINGS, scriptKind: 'lora', name: 'x' }), undefined);
  await c.stop('a');
  await c.delete('b');
  assert.equal(jobs.started.length, 0);
  assert.equal(jobs.stopped.length, 0);
  assert.ok(existsSync(join(records, 'b')) && existsSync(join(ws, '.sdxl', 'samples', 'b')));
  assert.equal(ui.messages.filter((m) => m.kind === 'warning').length, 3);
  c.dispose();
});

test('start passes the run, the script beside the extension and the settings; stop stops the job', async () => {
  const { c, jobs } = make();
  const id = await c.start({ python: '/venv/bin/python', settings: SETTINGS, scriptKind: 'lora', name: 'dog samples', runId: 'run-1', runName: 'dog' });
  assert.equal(id, 'job-1');
  assert.equal(jobs.started[0]!.script, join('/ext', 'python', 'sdxl_generate.py'));
  assert.equal(jobs.started[0]!.workspaceRoot, ws);
  assert.equal(jobs.started[0]!.runId, 'run-1');
  assert.equal(c.get('job-1')?.status, 'starting', 'followed at once');
  await c.stop('job-1');
  assert.deepEqual(jobs.stopped, ['job-1']);
  assert.equal(c.get('job-1')?.status, 'stopped');
  c.dispose();
});

test('Delete Samples removes the record and the .sdxl/samples folder, never a folder elsewhere; a live job is refused', async () => {
  const { c, records } = make();
  const elsewhere = mkdtempSync(join(tmpdir(), 'sdxl-not-samples-'));
  writeJobState(join(records, 'ok'), jobState(ws, 'ok', { status: 'succeeded' }));
  writeJobState(join(records, 'planted'), jobState(ws, 'planted', { status: 'failed', outputDir: elsewhere }));
  writeJobState(join(records, 'live'), jobState(ws, 'live'));
  mkdirSync(join(ws, '.sdxl', 'samples', 'ok'), { recursive: true });
  await c.refresh();
  await assert.rejects(c.delete('live'), /Stop the generation/);
  await c.delete('ok');
  await c.delete('planted');
  assert.ok(!existsSync(join(records, 'ok')) && !existsSync(join(ws, '.sdxl', 'samples', 'ok')));
  assert.ok(!existsSync(join(records, 'planted')));
  assert.ok(existsSync(elsewhere), 'a folder outside .sdxl/samples is kept');
  assert.deepEqual(
    c.jobs().map((j) => j.jobId),
    ['live'],
  );
  c.dispose();
});

/** The RunsController surface the Runs view reads, for one ended run with one checkpoint. */
function fakeRuns(): RunsController {
  const run = {
    id: 'run-1',
    entry: { record: { id: 'run-1', name: 'dog', createdAt: '2026-11-29T09:00:00Z', script: 'lora', plan: { argv: [], env: {}, cwd: ws } } },
    state: { ...initialRunState(), state: 'finished', checkpoints: [{ step: 2, complete: true, path: '/out/checkpoint-2' }] },
  };
  return {
    runs: () => [run],
    get: (id: string) => (id === 'run-1' ? run : undefined),
    displayName: () => 'dog',
    onDidChange: () => ({ dispose: () => undefined }),
  } as unknown as RunsController;
}

test('Runs view: a run shows its sample jobs after its checkpoints, each with its shape, progress and state', async () => {
  const { c, jobs, records } = make();
  const view = new RunsView(fakeRuns(), undefined, c);
  const fired: unknown[] = [];
  view.onDidChangeTreeData((n) => fired.push(n));
  writeJobState(
    join(records, 'j1'),
    jobState(ws, 'j1', {
      startedAt: new Date(2026, 10, 29, 9, 5).toISOString(),
      images: [],
      current: { source: 'final', promptIndex: 0, seed: 0, step: 1, steps: 2 },
    }),
  );
  await c.refresh();
  const [runNode] = view.getChildren();
  const children = view.getChildren(runNode);
  assert.deepEqual(
    children.map((n) => n.kind),
    ['checkpoint', 'samples'],
  );
  const samples = children[1]!;
  assert.equal(view.getParent(samples), runNode);
  let item = view.getTreeItem(samples);
  assert.match(String(item.label), /^Samples · (\d{4}-11-29 )?09:05$/);
  assert.equal(item.description, '0/12 · final step 1/2 · 3 sources × 2 prompts × 2 images');
  assert.equal(item.contextValue, 'sdxlSamples.live');
  // Progress redraws the job's own row (the same object, so VS Code finds it).
  fired.length = 0;
  const images = Array.from({ length: 12 }, (_, k) => ({ source: 'final', promptIndex: k % 2, seed: k, file: `final/${k}.png` }));
  writeJobState(join(records, 'j1'), jobState(ws, 'j1', { status: 'succeeded', images }));
  jobs.tick();
  assert.deepEqual(fired, [samples]);
  item = view.getTreeItem(samples);
  assert.equal(item.description, '12/12 · 3 sources × 2 prompts × 2 images');
  assert.equal(item.contextValue, 'sdxlSamples.ended');
  assert.deepEqual((item.command as { arguments: unknown[] }).arguments, ['j1']);
  view.dispose();
  c.dispose();
});

test('Runs view: a run with no checkpoint becomes expandable when its first sample job appears', async () => {
  const { c, jobs, records } = make();
  const runs = fakeRuns();
  (runs.get('run-1')!.state as { checkpoints: unknown[] }).checkpoints = [];
  const view = new RunsView(runs, undefined, c);
  const [runNode] = view.getChildren();
  assert.equal(view.getTreeItem(runNode!).collapsibleState, 0);
  const fired: unknown[] = [];
  view.onDidChangeTreeData((n) => fired.push(n));
  writeJobState(join(records, 'j1'), jobState(ws, 'j1'));
  await c.refresh();
  assert.deepEqual(fired, [runNode], 'the run row is redrawn');
  assert.equal(view.getTreeItem(runNode!).collapsibleState, 1);
  // Collapsed, the run row is not redrawn again for each step of its job.
  writeJobState(join(records, 'j1'), jobState(ws, 'j1', { current: { source: 'base', promptIndex: 0, seed: 0, step: 2, steps: 2 } }));
  jobs.tick();
  assert.deepEqual(fired, [runNode]);
  view.dispose();
  c.dispose();
});

test('Runs view: reveal with expand opens the run, so a sample job just started shows as its row', async () => {
  const { c } = make();
  const view = new RunsView(fakeRuns(), undefined, c);
  const calls: Array<{ node: unknown; options: unknown }> = [];
  const tree = { reveal: async (node: unknown, options: unknown) => void calls.push({ node, options }) };
  view.attach(tree as unknown as Parameters<typeof view.attach>[0]);
  const [runNode] = view.getChildren();
  view.reveal('run-1');
  view.reveal('run-1', { expand: true });
  assert.deepEqual(calls, [
    { node: runNode, options: { select: true, focus: false } },
    { node: runNode, options: { select: true, focus: false, expand: true } },
  ]);
});
