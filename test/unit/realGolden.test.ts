// The recorded real run (test/fixtures/real-v0.27.2, README there): diffusers v0.27.2's train_dreambooth_lora_sdxl.py on
// CPU on a tiny random SDXL, its console through a pty and through a pipe, its event files and its output_dir listing.
// Every parser the extension has is run on it: the console parser, the event reader, the reducer, `summarize`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseConsole } from '../../src/core/worker/consoleParser';
import { EventTailer } from '../../src/core/events/eventDir';
import { readLatestHparams } from '../../src/core/events/hparams';
import { reduceAll } from '../../src/core/run/reducer';
import { seriesPoints } from '../../src/core/run/series';
import { summarizePath } from '../../src/core/monitor/summarize';
import { statusView } from '../../src/core/view/dashboardModel';
import { summaryText } from '../../src/cli/summarize';
import type { RunEvent, RunEventOf, RunEventType } from '../../src/core/run/events';

const FIX = join(__dirname, '..', 'fixtures', 'real-v0.27.2');
const CONSOLES = ['console-pty.log', 'console-pipe.log'];
const ofType = <T extends RunEventType>(events: RunEvent[], type: T) => events.filter((e): e is RunEventOf<T> => e.type === type);
const events = (name: string) => parseConsole(readFileSync(join(FIX, name)));

/** The run's output_dir rebuilt in a temp folder: the recorded event files, and every other file of the listing as an empty stand-in of its size. */
function outputDir(which: 'pty' | 'pipe'): { dir: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'real-golden-'));
  const dir = join(root, 'out');
  cpSync(join(FIX, `output-${which}`), dir, { recursive: true });
  rmSync(join(dir, 'listing.txt'));
  for (const line of readFileSync(join(FIX, `output-${which}`, 'listing.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)) {
    const [path, size] = line.split(' ');
    if (path!.startsWith('logs/')) continue;
    mkdirSync(dirname(join(dir, path!)), { recursive: true });
    writeFileSync(join(dir, path!), '');
    truncateSync(join(dir, path!), Number(size));
  }
  return { dir, done: () => rmSync(root, { recursive: true, force: true }) };
}

for (const name of CONSOLES) {
  test(`real console (${name}): progress, loss and lr, banner, checkpoints, device, script`, () => {
    const ev = events(name);
    const progress = ofType(ev, 'progress');
    assert.deepEqual([...new Set(progress.map((p) => p.step))], [0, 1, 2, 3, 4, 5, 6]);
    assert.ok(progress.every((p) => p.total === 6));
    const postfix = ofType(ev, 'postfix');
    assert.deepEqual(
      [...new Set(postfix.map((p) => `${p.step}:${p.stepLoss}`))],
      ['1:1.12', '2:1.12', '3:1.12', '3:1.09', '4:1.09', '5:1.09', '5:1.16', '6:1.16', '6:1.1'],
    );
    assert.ok(postfix.every((p) => p.lr === 0.0001));
    assert.deepEqual(
      ofType(ev, 'checkpointSaved').map((c) => c.step),
      [2, 4, 6],
    );
    assert.deepEqual(
      ofType(ev, 'checkpointsRemoved').map((c) => c.names),
      [['checkpoint-2']],
    );
    assert.deepEqual(ofType(ev, 'accelerateState').find((a) => a.device !== undefined)?.device, 'cpu');
    assert.equal(ofType(ev, 'scriptHint').at(-1)?.script, 'dreambooth-lora');
    assert.deepEqual(ofType(ev, 'traceback'), []);
    assert.deepEqual(ofType(ev, 'errorLine'), [], 'the CPU autocast UserWarning is not an error');
  });

  test(`real console (${name}): v0.27.2 loads the pipeline before "Running validation...": validating, never finishing, until the final weights`, () => {
    const ev = events(name);
    // Real order: Loading pipeline components → Running validation... (each epoch); then "Model weights saved in
    // <output_dir>/pytorch_lora_weights.safetensors", Loading pipeline components, Running validation... (the test images).
    assert.deepEqual(
      ofType(ev, 'phase').map((p) => p.phase),
      ['training', 'saving', 'training', 'saving', 'training', 'validating', 'training', 'saving', 'training', 'validating', 'finishing'],
    );
    assert.deepEqual(
      ofType(ev, 'validationStarted').map((v) => !!v.final),
      [false, false, false, false, true, true],
    );
    let s = reduceAll([]);
    const seen: string[] = [];
    for (const e of ev) {
      s = reduceAll([e], s);
      if (seen.at(-1) !== s.state) seen.push(s.state);
    }
    assert.deepEqual(seen, [
      'starting',
      'training',
      'saving',
      'training',
      'saving',
      'training',
      'validating',
      'training',
      'saving',
      'training',
      'validating',
      'finishing',
    ]);
  });
}

test('real console: pty and pipe give the same state', () => {
  const [a, b] = CONSOLES.map((n) => reduceAll(events(n)));
  for (const key of ['step', 'totalSteps', 'epoch', 'numEpochs', 'stepLoss', 'lr', 'device', 'script', 'state'] as const)
    assert.deepEqual(a![key], b![key], key);
  assert.deepEqual(seriesPoints(a!.loss.step_loss), seriesPoints(b!.loss.step_loss));
  assert.deepEqual(
    a!.checkpoints.map((c) => c.step),
    [4, 6],
  );
});

test('real event files: loss and lr per step, validation images per epoch, test images, hparams', async () => {
  const tailer = new EventTailer(join(FIX, 'output-pty', 'logs'));
  const scalars: Record<string, number[]> = {};
  const images: string[] = [];
  for (let more = true; more;) {
    const batch = await tailer.readNew();
    assert.deepEqual(batch.problems, []);
    for (const { event } of batch.events) {
      for (const v of event.values) {
        if (v.kind === 'scalar') (scalars[v.tag] ??= []).push(event.step);
        else if (v.kind === 'image') images.push(`${v.tag}@${event.step} ${v.width}x${v.height}`);
      }
    }
    more = batch.more;
  }
  assert.deepEqual(scalars, { loss: [1, 2, 3, 4, 5, 6], lr: [1, 2, 3, 4, 5, 6] });
  // Logged at step = the script's 0-based epoch: one validation per epoch, the test images after the last.
  assert.deepEqual(images, ['validation@0 64x64', 'validation@1 64x64', 'test@1 64x64']);
  const hp = await readLatestHparams(join(FIX, 'output-pty', 'logs', 'dreambooth-lora-sd-xl'));
  assert.equal(hp?.values.max_train_steps, 6);
});

test('summarize of the real console: succeeded-looking but unknown (no exit), epoch counted from 1, loss and lr', async () => {
  const { summary } = await summarizePath(join(FIX, 'console-pty.log'));
  assert.equal(summary.script, 'dreambooth-lora');
  assert.equal(summary.step, 6);
  assert.equal(summary.totalSteps, 6);
  assert.equal(summary.epoch, 2, 'the last of 2 epochs, as "epoch 2/2"');
  assert.equal(summary.totalEpochs, 2);
  assert.equal(summary.stepLoss, 1.1);
  assert.equal(summary.lr, 0.0001);
  assert.equal(summary.failure, null);
  assert.match(summaryText(summary, 'console'), /step: +6 \/ 6 {2}\(epoch 2\/2\)/);
});

test('summarize of the real output_dir: loss and lr from the DreamBooth event files, checkpoints, epochs', async () => {
  const out = outputDir('pty');
  try {
    const { summary, source, state } = await summarizePath(out.dir);
    assert.equal(source, 'outputDir');
    assert.equal(summary.script, 'dreambooth-lora');
    assert.equal(summary.step, 6);
    assert.equal(summary.totalSteps, 6);
    assert.ok(summary.stepLoss !== null && summary.stepLoss > 0.5 && summary.stepLoss < 2, `loss from the event files: ${summary.stepLoss}`);
    assert.ok(summary.lr !== null && Math.abs(summary.lr - 1e-4) < 1e-9, `lr from the event files: ${summary.lr}`);
    assert.deepEqual(summary.checkpoints, [
      { step: 4, complete: true },
      { step: 6, complete: true },
    ]);
    assert.equal(summary.epoch, 2);
    assert.deepEqual(
      state.validation.entries.map((e) => `${e.tag}@${e.epoch}`),
      ['validation@0', 'test@1', 'validation@1'],
    );
    assert.doesNotMatch(summaryText(summary, source), /loss: +\?|lr: \?/);
  } finally {
    out.done();
  }
});

test('the dashboard status of the real run says it ran on the CPU', () => {
  const s = reduceAll(events('console-pty.log'));
  assert.equal(statusView(s).device, 'cpu');
});

test("real argparse failure: an argument of newer diffusers is blamed on the installed script's version", async () => {
  const { summary } = await summarizePath(join(FIX, 'argparse-lora-dropout.log'));
  assert.equal(summary.state, 'failed');
  assert.equal(summary.failure?.class, 'argparse');
  assert.equal(summary.failure?.message, 'unrecognized arguments: --lora_dropout=0.1');
  assert.equal(summary.failure?.configKey, '/args/lora_dropout');
  assert.match(summary.failure!.remedy, /installed train_dreambooth_lora_sdxl\.py does not know --lora_dropout/);
  assert.match(summary.failure!.remedy, /newer diffusers/);
  assert.doesNotMatch(summary.failure!.remedy, /another of the three scripts/);
});

test('real missing instance_data_dir: a dataset problem, placed on the argument', async () => {
  const { summary } = await summarizePath(join(FIX, 'missing-instance-data-dir.log'));
  assert.equal(summary.state, 'failed');
  assert.equal(summary.failure?.class, 'dataset_columns');
  assert.equal(summary.failure?.message, "ValueError: Instance images root doesn't exists.");
  assert.equal(summary.failure?.configKey, '/args/instance_data_dir');
  assert.equal(summary.step, null, 'it failed before training: the models load first');
});
