// "SDXL: Generate Samples…" and the sample rows' commands (src/extension/generate/generateCommands.ts,
// sampleQuestions.ts) under a scripted `vscode` with fake jobs: "Accept defaults" generates with base + newest
// checkpoint + final in one Enter; the steps go Back and refuse bad answers; the job runs the run's own interpreter, is
// followed in a notification whose Cancel stops it, and ends with Open Comparison; nothing in an untrusted workspace.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KnownSecrets } from '../../src/core/util/redact';
import { initialRunState } from '../../src/core/run/state';
import { SECRET_PLACEHOLDER } from '../../src/core/supervisor/secrets';
import type { GenerationSettings, GenerationState } from '../../src/core/generate/types';
import type * as ControllerModule from '../../src/extension/generate/generationsController';
import type * as CommandsModule from '../../src/extension/generate/generateCommands';
import type * as QuestionsModule from '../../src/extension/generate/sampleQuestions';
import type { RunsController, RunView } from '../../src/extension/runs/runsController';
import { runSampleDefaults } from '../../src/extension/generate/runSampleDefaults';
import { FakeJobs, loadWithVscode, resetUi, ui, writeJobState, type Act, type QuickInput } from './generateTestKit';
import { waitFor } from './supervisorTestKit';

const { GenerationsController } = loadWithVscode<typeof ControllerModule>('../../src/extension/generate/generationsController');
const { generateCommands } = loadWithVscode<typeof CommandsModule>('../../src/extension/generate/generateCommands');
const { askGenerationSettings } = loadWithVscode<typeof QuestionsModule>('../../src/extension/generate/sampleQuestions');

const log = { info: () => undefined, warn: () => undefined, error: (m: string) => assert.fail(m) };

const OFFER: GenerationSettings = {
  baseModel: '/models/tiny',
  sources: [
    { label: 'base', kind: 'base' },
    { label: 'checkpoint-2', kind: 'lora', path: '/out/checkpoint-2', step: 2 },
    { label: 'checkpoint-4', kind: 'lora', path: '/out/checkpoint-4', step: 4 },
    { label: 'final', kind: 'lora', path: '/out', step: 4 },
  ],
  prompts: ['a photo of sks dog'],
  steps: 25,
  guidance: 5,
  seed: 42,
  numImages: 2,
  width: 1024,
  height: 1024,
};

const accept =
  (o: { value?: string; pick?: string[] } = {}) =>
  (): Act => ({ do: 'accept', ...o });
const back = (): Act => ({ do: 'back' });

let ws = '';
beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'sdxl-gencmd-'));
  resetUi(ws);
});

test('Accept defaults: one Enter, with base + the newest checkpoint + final, and the run’s prompt', async () => {
  ui.script = [accept()];
  const s = await askGenerationSettings('dog', OFFER);
  assert.deepEqual(
    s?.sources.map((x) => x.label),
    ['base', 'checkpoint-4', 'final'],
  );
  assert.deepEqual(s?.prompts, ['a photo of sks dog']);
  assert.equal(ui.asked.length, 1);
  const q = ui.asked[0]!;
  assert.equal(q.title, 'Generate Samples: dog');
  assert.equal(q.ignoreFocusOut, true);
  assert.match(q.items[0]!.label, /Accept defaults/);
});

test('a run without a prompt: Accept defaults asks only for the prompt', async () => {
  ui.script = [accept(), accept({ value: 'a cat' })];
  const s = await askGenerationSettings('dog', { ...OFFER, prompts: [] });
  assert.deepEqual(s?.prompts, ['a cat']);
  assert.equal(ui.asked.length, 2);
  assert.equal(ui.asked[1]!.prompt, 'Prompts');
});

test('Choose…: every step with its number, Back keeps the answers, prompts are split on |', async () => {
  const pickSecond = (q: QuickInput): Act => {
    q.selectedItems = [q.items[1]!];
    return { do: 'accept' };
  };
  ui.script = [
    pickSecond,
    accept({ pick: ['checkpoint-2', 'base'] }),
    accept({ value: 'a photo of sks dog | sks dog on a beach |  ' }),
    back, // at the negative prompt: back to the prompts, which keep what was typed
    (q) => {
      assert.equal(q.value, 'a photo of sks dog | sks dog on a beach');
      return { do: 'accept' };
    },
    accept({ value: 'blurry' }),
    accept({ value: '2' }),
    accept({ value: '7.5' }),
    accept({ value: '7' }),
    accept({ value: '64x128' }),
    accept({ value: '1' }),
  ];
  const s = await askGenerationSettings('dog', OFFER);
  assert.deepEqual(s, {
    ...OFFER,
    sources: [OFFER.sources[0], OFFER.sources[1]],
    prompts: ['a photo of sks dog', 'sks dog on a beach'],
    negativePrompt: 'blurry',
    steps: 2,
    guidance: 7.5,
    seed: 7,
    width: 64,
    height: 128,
    numImages: 1,
  });
  assert.deepEqual(
    ui.asked.map((q) => q.step),
    [1, 2, 3, 4, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(
    ui.asked.map((q) => q.title?.replace('Generate Samples: dog', '')),
    [
      '',
      ' — Sources',
      ' — Prompts',
      ' — Negative Prompt',
      ' — Prompts',
      ' — Negative Prompt',
      ' — Steps',
      ' — Guidance',
      ' — Seed',
      ' — Size',
      ' — Images per Prompt',
    ],
  );
});

test('a bad answer is refused where it is typed (the step stays open with the reason)', async () => {
  ui.script = [(q) => ((q.selectedItems = [q.items[1]!]), { do: 'accept' }), accept(), accept(), accept(), accept({ value: '0' })];
  assert.equal(await askGenerationSettings('dog', OFFER), undefined);
  assert.match(ui.asked.at(-1)!.validationMessage ?? '', /steps must be a whole number from 1 to 1000/);
});

function fakeRun(state: string): RunView {
  return {
    id: 'run-1',
    entry: {
      dir: '/records/run-1',
      record: {
        id: 'run-1',
        name: 'dog',
        script: 'dreambooth-lora',
        createdAt: '2026-11-29T09:00:00Z',
        plan: { argv: ['/venv/bin/python', '-m', 'accelerate'], env: { A: '1', HF_TOKEN: SECRET_PLACEHOLDER }, cwd: ws },
      },
    },
    state: { ...initialRunState(), state },
    dir: '/records/run-1',
    imageCacheDir: '/images',
  } as unknown as RunView;
}

function setup(runState = 'finished') {
  const jobs = new FakeJobs();
  const generations = new GenerationsController('/ext', log, new KnownSecrets(), jobs);
  const run = fakeRun(runState);
  const runs = { runs: () => [run], get: (id: string) => (id === 'run-1' ? run : undefined), displayName: () => 'dog' } as unknown as RunsController;
  const revealed: string[] = [];
  const commands = generateCommands({ runs, generations, defaults: async () => OFFER, reveal: (id) => revealed.push(id) });
  const call = (id: string, ...args: unknown[]) => (commands[id] as (...a: unknown[]) => Promise<unknown>)(...args);
  return { jobs, generations, call, revealed, records: join(ws, '.sdxl', 'generations') };
}

function advance(records: string, jobs: FakeJobs, patch: Partial<GenerationState>): void {
  const id = 'job-1';
  const s = JSON.parse(JSON.stringify(jobs.monitors[0]!.state)) as GenerationState;
  writeJobState(join(records, id), { ...s, ...patch });
  jobs.tick();
}

test('Generate Samples from a run row: the run’s interpreter, progress in a notification, then Open Comparison', async () => {
  const { jobs, generations, call, revealed, records } = setup();
  ui.script = [accept()];
  ui.answer = (_k, _t, items) => (items.includes('Open Comparison') ? 'Open Comparison' : undefined);
  assert.equal(await call('sdxl.generateSamples', { kind: 'run', id: 'run-1' }), true);
  const started = jobs.started[0]!;
  assert.equal(started.python, '/venv/bin/python');
  assert.equal(started.runId, 'run-1');
  assert.equal(started.scriptKind, 'dreambooth-lora');
  assert.deepEqual(started.env, { A: '1' }, 'the run’s environment without the placeholders of its secrets');
  assert.deepEqual(
    started.settings.sources.map((s) => s.label),
    ['base', 'checkpoint-4', 'final'],
  );
  assert.deepEqual(revealed, ['run-1']);
  advance(records, jobs, {
    status: 'generating',
    images: [{ source: 'base', promptIndex: 0, seed: 42, file: 'base/0-42.png' }],
    current: { source: 'base', promptIndex: 0, seed: 43, step: 3, steps: 25 },
  });
  assert.match(ui.progress.at(-1)?.message ?? '', /^1\/6 images · base step 3\/25$/);
  advance(records, jobs, {
    status: 'succeeded',
    images: Array.from({ length: 6 }, (_, k) => ({ source: 'base', promptIndex: 0, seed: k, file: `base/0-${k}.png` })),
  });
  await waitFor(() => ui.executed.length > 0, 'Open Comparison');
  assert.deepEqual(ui.executed[0], ['sdxl.compareSamples', 'job-1']);
  const done = ui.messages.find((m) => m.text.startsWith('SDXL: samples succeeded'))!;
  assert.deepEqual(done.items, ['Open Comparison', 'Open Folder']);
  assert.match(done.text, /6\/6 images/);
  generations.dispose();
});

test('Cancel in the notification stops the job', async () => {
  const { jobs, generations, call } = setup();
  ui.script = [accept()];
  await call('sdxl.generateSamples', 'run-1');
  ui.cancel!();
  await waitFor(() => generations.get('job-1')?.status === 'stopped', 'the job to stop');
  assert.deepEqual(jobs.stopped, ['job-1']);
  await waitFor(() => ui.messages.some((m) => m.text.startsWith('SDXL: samples stopped')), 'the end message');
  generations.dispose();
});

test('a run still training is refused; the palette with no run holding weights says so; untrusted starts nothing', async () => {
  let s = setup('running');
  await assert.rejects(s.call('sdxl.generateSamples', { kind: 'run', id: 'run-1' }), /is running: samples are made once it has ended/);
  await s.call('sdxl.generateSamples');
  assert.match(ui.messages.at(-1)!.text, /no ended run has weights/);
  s.generations.dispose();
  s = setup();
  ui.trusted = false;
  assert.equal(await s.call('sdxl.generateSamples', 'run-1'), false);
  assert.equal(ui.asked.length, 0);
  assert.equal(s.jobs.started.length, 0);
  s.generations.dispose();
});

test('Stop Generation and Delete Samples from a sample row; Delete asks first', async () => {
  const { jobs, generations, call, records } = setup();
  ui.script = [accept()];
  await call('sdxl.generateSamples', 'run-1');
  const node = { kind: 'samples', runId: 'run-1', jobId: 'job-1' };
  await call('sdxl.stopGeneration', node);
  assert.deepEqual(jobs.stopped, ['job-1']);
  ui.answer = () => undefined; // Escape at the confirmation
  await call('sdxl.deleteSamples', node);
  assert.ok(existsSync(join(records, 'job-1')));
  ui.answer = (_k, text, items) => (items.includes('Delete Samples') ? (assert.match(text, /\.sdxl\/samples\/job-1/), 'Delete Samples') : undefined);
  await call('sdxl.deleteSamples', node);
  assert.ok(!existsSync(join(records, 'job-1')) && !existsSync(join(ws, '.sdxl', 'samples', 'job-1')));
  assert.equal(generations.get('job-1'), undefined);
  generations.dispose();
});

test('a run’s offer: base, its complete checkpoints, final when its weights file is there; none without weights', async () => {
  const out = mkdtempSync(join(tmpdir(), 'sdxl-offer-'));
  const run = fakeRun('finished');
  Object.assign(run.state, {
    script: 'dreambooth-lora',
    outputDir: out,
    step: 6,
    args: { pretrained_model_name_or_path: '/models/tiny', instance_prompt: 'a photo of sks square', resolution: 64, seed: 3 },
    checkpoints: [
      { step: 2, name: 'checkpoint-2', path: join(out, 'checkpoint-2'), complete: true },
      { step: 4, name: 'checkpoint-4', path: join(out, 'checkpoint-4'), complete: true },
      { step: 6, name: 'checkpoint-6', path: join(out, 'checkpoint-6'), complete: false, saving: true },
    ],
  });
  const none = await runSampleDefaults({ ...run, state: { ...run.state, checkpoints: [] } });
  assert.match((none as { problem: string }).problem, /no complete checkpoint and no final weights/);
  writeFileSync(join(out, 'pytorch_lora_weights.safetensors'), '');
  const offer = await runSampleDefaults(run);
  assert.ok(!('problem' in offer));
  assert.deepEqual(
    offer.sources.map((s) => `${s.label}:${s.kind}`),
    ['base:base', 'checkpoint-2:lora', 'checkpoint-4:lora', 'final:lora'],
  );
  assert.deepEqual([offer.prompts, offer.width, offer.seed], [['a photo of sks square'], 64, 3]);
  // A simulated run (the demo's stand-in trainer) has the same files, placeholders: no offer, and it says why.
  const sim = { ...run, entry: { ...run.entry, record: { ...run.entry.record, plan: { ...run.entry.record.plan, env: { SDXL_STANDIN_TRAINER: '1' } } } } };
  assert.match(((await runSampleDefaults(sim)) as { problem: string }).problem, /simulation .*placeholders/);
});
