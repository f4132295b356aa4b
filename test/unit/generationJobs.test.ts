// Generation jobs: the progress line parser, the reducer, and supervised jobs followed by GenerationMonitor — started
// through the real detached wrapper with a stand-in script that prints the real script's lines and writes its files.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { parseGenerationLine } from '../../src/core/generate/lines';
import { initialGenerationState, reduceGeneration } from '../../src/core/generate/state';
import { GenerationMonitor, readGenerationState } from '../../src/core/generate/monitor';
import { deleteGeneration, generationSupervisor, startGeneration, stopGeneration } from '../../src/core/generate/jobs';
import { readGenerationRequest, readGenerationResult } from '../../src/core/generate/files';
import { settingsProblems } from '../../src/core/generate/argv';
import type { GenerationSettings, GenerationState } from '../../src/core/generate/types';
import type { RunRecord } from '../../src/core/supervisor/types';
import { repoRoot, waitFor, within, workspace } from './supervisorTestKit';
import { wrapperJs } from './supervisorTestKit';

const unixOnly = { skip: process.platform === 'win32' ? 'process groups' : false };
const FAKE = join(repoRoot, 'test', 'fixtures', 'generate', 'fake_generate.py');

function settings(more: Partial<GenerationSettings> = {}): GenerationSettings {
  return {
    baseModel: 'stabilityai/stable-diffusion-xl-base-1.0',
    sources: [
      { label: 'base', kind: 'base' },
      { label: 'checkpoint-4', kind: 'lora', path: '/out/checkpoint-4', step: 4 },
      { label: 'final', kind: 'lora', path: '/out', step: 6 },
    ],
    prompts: ['a photo of sks dog', 'a sks dog in a bucket'],
    steps: 3,
    guidance: 5,
    seed: 7,
    numImages: 2,
    width: 64,
    height: 64,
    ...more,
  };
}

test('progress lines: each event parses; a bad field is named; other output is not ours', () => {
  assert.deepEqual(parseGenerationLine('SDXL_GENERATE {"event":"start","total":4,"sources":["base"],"prompts":2,"numImages":2}'), {
    event: 'start',
    total: 4,
    sources: ['base'],
    prompts: 2,
    numImages: 2,
  });
  const image = parseGenerationLine(
    'SDXL_GENERATE {"event":"image","source":"final","promptIndex":1,"seed":8,"file":"final/1-8.png","seconds":1.5,"done":3,"total":4,"extra":1}\r',
  );
  assert.deepEqual(image, { event: 'image', source: 'final', promptIndex: 1, seed: 8, file: 'final/1-8.png', seconds: 1.5, done: 3, total: 4 });
  assert.equal(parseGenerationLine('Loading pipeline components...: 100%'), undefined);
  assert.equal(parseGenerationLine(' SDXL_GENERATE {}'), undefined);
  assert.match(
    (
      parseGenerationLine('SDXL_GENERATE {"event":"image","source":"x","promptIndex":0,"seed":1,"file":"../x.png","seconds":1,"done":1,"total":1}') as {
        error: string;
      }
    ).error,
    /field 'file'/,
  );
  assert.match(
    (parseGenerationLine('SDXL_GENERATE {"event":"step","source":"x","promptIndex":0,"seed":1,"step":1}') as { error: string }).error,
    /'step' progress line: field 'steps' is missing/,
  );
  assert.match((parseGenerationLine('SDXL_GENERATE {"event":"__proto__"}') as { error: string }).error, /unknown event/);
  assert.match((parseGenerationLine('SDXL_GENERATE [1]') as { error: string }).error, /not a JSON object/);
  assert.match((parseGenerationLine('SDXL_GENERATE {"event":') as { error: string }).error, /not JSON/);
});

test('settings problems name the field', () => {
  assert.deepEqual(settingsProblems(settings()), []);
  const p = settingsProblems(settings({ width: 60, prompts: ['ok', ' '], sources: [{ label: '../x', kind: 'lora' }], numImages: 0 }));
  assert.ok(p.some((x) => x.startsWith('width must be a multiple of 8')));
  assert.ok(p.includes('prompts[1] is empty'));
  assert.ok(p.some((x) => x.startsWith("sources[0].label '../x'")));
  assert.ok(p.includes('sources[0].path is missing'));
  assert.ok(p.some((x) => x.startsWith('numImages must be')));
  assert.ok(
    settingsProblems(settings({ numImages: 64, prompts: Array.from({ length: 20 }, (_, i) => `p${i}`) })).some((x) => /more than one job makes/.test(x)),
  );
});

test('the reducer: progress, images once each, a script error, the end from the record', () => {
  let s = initialGenerationState('job', 'job', '/o');
  const record = (state: RunRecord['state']) => ({
    type: 'record' as const,
    record: { state, startedAt: 'T0', ...(state === 'failed' ? { endedAt: 'T1' } : {}) } as RunRecord,
  });
  s = reduceGeneration(s, record('running'));
  assert.equal(s.status, 'loading');
  s = reduceGeneration(s, { type: 'request', request: { version: 1, runId: 'r1', settings: settings(), createdAt: 'T' } });
  assert.equal(s.total, 12);
  assert.equal(s.runId, 'r1');
  s = reduceGeneration(s, { type: 'line', line: { event: 'loaded', source: 'base', device: 'cuda', dtype: 'float16', seconds: 3 } });
  s = reduceGeneration(s, { type: 'line', line: { event: 'step', source: 'base', promptIndex: 0, seed: 7, step: 2, steps: 3 } });
  assert.equal(s.status, 'generating');
  assert.deepEqual(s.current, { source: 'base', promptIndex: 0, seed: 7, step: 2, steps: 3 });
  const img = { event: 'image' as const, source: 'base', promptIndex: 0, seed: 7, file: 'base/0-7.png', seconds: 1, done: 1, total: 12 };
  const before = s;
  s = reduceGeneration(s, { type: 'line', line: img });
  s = reduceGeneration(s, { type: 'line', line: img });
  assert.equal(s.images.length, 1);
  assert.equal(s.current, undefined);
  assert.equal(before.images.length, 0, 'the input state is not changed');
  s = reduceGeneration(s, { type: 'line', line: { event: 'error', message: 'out of memory', source: 'final' } });
  s = reduceGeneration(s, record('failed'));
  s = reduceGeneration(s, { type: 'line', line: { event: 'step', source: 'final', promptIndex: 0, seed: 7, step: 1, steps: 3 } });
  assert.equal(s.status, 'failed');
  assert.equal(s.error, 'final: out of memory');
  assert.equal(s.current, undefined, 'a step line read after the end does not bring progress back');
  assert.equal(s.endedAt, 'T1');
});

async function setup(t: { after(fn: () => Promise<void>): void }) {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = generationSupervisor({ wrapperScript: await wrapperJs(), execPath: process.execPath }, ws.root);
  const start = (s: GenerationSettings, env: Record<string, string> = {}) =>
    startGeneration(sup, {
      python: 'python3',
      script: FAKE,
      settings: s,
      workspaceRoot: ws.root,
      name: 'samples of run 1',
      scriptKind: 'dreambooth-lora',
      runId: 'run-1',
      runName: 'run 1',
      env,
    });
  return { ws, sup, start };
}

async function follow(recordDir: string): Promise<{ state: GenerationState; seen: GenerationState[] }> {
  const m = new GenerationMonitor(recordDir, { pollMs: 50 });
  const seen: GenerationState[] = [];
  m.onChange((s) => seen.push(s));
  m.start();
  await waitFor(() => m.done, 'the monitor to read the job to its end', 30_000);
  m.dispose();
  return { state: m.state, seen };
}

test('a job runs supervised: its images, request and result in its own folder; a reload reads the same state', unixOnly, async (t) => {
  const { ws, start } = await setup(t);
  const entry = await within(start(settings(), { FAKE_GENERATE: 'noisy' }), 20_000, 'the job to start');
  const out = entry.record.outputDir!;
  assert.ok(out.startsWith(join(ws.root, '.sdxl', 'samples')), out);
  assert.ok(entry.dir.startsWith(join(ws.root, '.sdxl', 'generations')), entry.dir);
  const { state, seen } = await follow(entry.dir);
  assert.equal(state.status, 'succeeded', state.error);
  assert.equal(state.total, 12);
  assert.equal(state.images.length, 12);
  assert.equal(state.runId, 'run-1');
  assert.equal(state.device, 'cpu');
  assert.deepEqual(
    state.images.slice(0, 3).map((i) => i.file),
    ['base/0-7.png', 'base/0-8.png', 'base/1-7.png'],
  );
  for (const img of state.images) assert.ok(existsSync(join(out, img.file)), img.file);
  assert.ok(seen.length > 0 && seen.at(-1) === state, 'listeners were told of every change, the last one the end');
  const req = await readGenerationRequest(out);
  assert.ok('value' in req && req.value.runName === 'run 1');
  const res = await readGenerationResult(out);
  assert.ok('value' in res && res.value.complete && res.value.images.length === 12);
  // After a window reload a new monitor reads the files from the start: the same state.
  assert.deepEqual(await readGenerationState(entry.dir), state);
});

test('a job whose script fails: the error line and the exit are the state; the images so far are kept', unixOnly, async (t) => {
  const { start } = await setup(t);
  const entry = await within(start(settings(), { FAKE_GENERATE: 'fail' }), 20_000, 'the job to start');
  const { state } = await follow(entry.dir);
  assert.equal(state.status, 'failed');
  assert.equal(state.error, 'base: cannot load LoRA weights from /nowhere');
  assert.equal(state.images.length, 1);
});

test('a job that cannot start (no such interpreter) fails with the reason; a stopped job is stopped; delete removes both folders', unixOnly, async (t) => {
  const { ws, sup, start } = await setup(t);
  await assert.rejects(
    startGeneration(sup, { python: '/nonexistent/python', script: FAKE, settings: settings(), workspaceRoot: ws.root, name: 'x', scriptKind: 'lora' }),
    /python/,
  );
  await assert.rejects(start(settings({ width: 63 })), /width must be a multiple of 8/);
  const slow = await within(start(settings(), { FAKE_GENERATE: 'slow' }), 20_000, 'the job to start');
  const m = new GenerationMonitor(slow.dir, { pollMs: 50 });
  m.start();
  await waitFor(() => m.state.current !== undefined, 'the first step', 20_000);
  await within(stopGeneration(sup, slow.record.id), 30_000, 'the stop');
  await waitFor(() => m.done, 'the monitor to see the end', 20_000);
  assert.equal(m.state.status, 'stopped');
  m.dispose();
  const out = slow.record.outputDir!;
  assert.ok(existsSync(out));
  await deleteGeneration(sup, ws.root, slow.record.id);
  assert.ok(!existsSync(out) && !existsSync(slow.dir));
});

test('a hand-edited record cannot make delete remove a folder outside .sdxl/samples; bad files are named', unixOnly, async (t) => {
  const { ws, sup, start } = await setup(t);
  const entry = await within(start(settings({ sources: [{ label: 'base', kind: 'base' }], prompts: ['x'], numImages: 1 })), 20_000, 'the job to start');
  await follow(entry.dir);
  const precious = join(ws.root, 'precious');
  mkdirSync(precious);
  const run = JSON.parse(readFileSync(join(entry.dir, 'run.json'), 'utf8')) as RunRecord;
  writeFileSync(join(entry.dir, 'run.json'), JSON.stringify({ ...run, outputDir: precious }));
  await deleteGeneration(sup, ws.root, entry.record.id);
  assert.ok(existsSync(precious));
  const out = entry.record.outputDir!;
  writeFileSync(
    join(out, 'generation.json'),
    JSON.stringify({ settings: settings(), images: [{ source: 'b', promptIndex: 0, seed: 1, file: '/etc/passwd' }] }),
  );
  const bad = await readGenerationResult(out);
  assert.ok('error' in bad && /images\[0\]\.file/.test(bad.error), JSON.stringify(bad));
  writeFileSync(join(out, 'request.json'), JSON.stringify({ settings: { ...settings(), steps: 'many' } }));
  const badReq = await readGenerationRequest(out);
  assert.ok('error' in badReq && /settings\.steps must be a whole number/.test(badReq.error), JSON.stringify(badReq));
});
