// One real DreamBooth LoRA training (diffusers v0.27.2, tiny SDXL, CPU) started from a config like a user's Start,
// followed live by the RunMonitor; every assertion about a complete run shares it (a real run costs a minute or more).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seriesPoints } from '../../src/core/run/series';
import { runTiming } from '../../src/core/run/runTiming';
import { stepTimeSeries } from '../../src/core/run/stepTimes';
import { readRunState } from '../../src/core/monitor/runMonitor';
import type { RunState } from '../../src/core/run/state';
import {
  ended,
  listing,
  newWorkspace,
  noProcessLeft,
  realLaunch,
  realWorkerOrSkip,
  standinLaunch,
  startConfig,
  supervisor,
  tinyArgs,
  writeConfig,
  wrapperJs,
  type Workspace,
} from './realWorker';
import { consoleKinds, eventShape, outputShape } from './shapes';

const { worker, skip } = realWorkerOrSkip();
const opts = { skip, timeout: 600_000 };

interface FullRun {
  ws: Workspace;
  id: string;
  console: string;
  state: RunState;
  /** Steps the monitor showed while the run was live. */
  liveSteps: number[];
  /** Checkpoint steps the monitor showed at any time. */
  checkpointsSeen: number[];
  outDir: string;
  /** The run's record folder. */
  dir: string;
}

let run: FullRun | undefined;

// 4 steps = 1 epoch of the 4 instance images: checkpoints at 2 and 4 (the limit of 1 removes checkpoint-2), one
// validation at the epoch's end, then the final test images.
const FULL_ARGS = {
  max_train_steps: 4,
  checkpointing_steps: 2,
  checkpoints_total_limit: 1,
  validation_prompt: 'a photo of sks square',
  num_validation_images: 1,
  validation_epochs: 1,
};

before(async () => {
  if (!worker) return;
  const ws = newWorkspace();
  const sup = supervisor(ws, await wrapperJs());
  const file = writeConfig(ws, 'tiny', realLaunch(worker), tinyArgs(worker, FULL_ARGS));
  const { entry, monitor } = await startConfig(ws, sup, file);
  const liveSteps: number[] = [];
  const checkpointsSeen = new Set<number>();
  monitor.onDidChange((s) => {
    if (s.step !== null && !s.exit && liveSteps.at(-1) !== s.step) liveSteps.push(s.step);
    for (const c of s.checkpoints) checkpointsSeen.add(c.step);
  });
  const state = await ended(monitor, 540_000, 'the real training');
  monitor.stop();
  await noProcessLeft(sup, entry.record.id);
  run = {
    ws,
    id: entry.record.id,
    console: readFileSync(join(entry.dir, 'console.log'), 'utf8'),
    state,
    liveSteps,
    checkpointsSeen: [...checkpointsSeen].sort((a, b) => a - b),
    outDir: join(ws.root, 'out'),
    dir: entry.dir,
  };
});

after(async () => {
  if (run && !process.env.SDXL_REAL_KEEP) await run.ws.cleanup();
  else if (run) console.log(`# kept ${run.ws.root}`);
});

function the(): FullRun {
  assert.ok(run, 'the shared real run did not start');
  return run;
}

test('real run: progress to the last step, success', opts, () => {
  const { state, liveSteps } = the();
  assert.equal(state.state, 'finished', JSON.stringify(state.failure));
  assert.deepEqual(state.exit, { code: 0, signal: null });
  assert.equal(state.failure, null);
  assert.equal(state.script, 'dreambooth-lora');
  assert.equal(state.totalSteps, 4);
  assert.equal(state.step, 4);
  assert.equal(state.mixedPrecision, 'no');
  assert.equal(state.numProcesses, 1);
  assert.equal(state.banner.numExamples, 4);
  // Followed live: the step was seen growing before the run ended, never going back.
  assert.ok(liveSteps.length >= 2, `steps seen live: ${liveSteps.join(', ')}`);
  assert.deepEqual(
    [...liveSteps].sort((a, b) => a - b),
    liveSteps,
  );
});

test('real run: loss and lr curves from the console and from the event files', opts, () => {
  const { state } = the();
  const steps = (pts: Array<{ step: number }>) => pts.map((p) => p.step);
  // Console: the Steps bar's postfix `loss=…, lr=…`, one point per step.
  assert.deepEqual(steps(seriesPoints(state.loss.step_loss)), [1, 2, 3, 4]);
  assert.deepEqual(steps(seriesPoints(state.lrSeries)), [1, 2, 3, 4]);
  for (const p of seriesPoints(state.lrSeries)) assert.equal(p.value, 1e-4);
  // Event files: DreamBooth logs `loss` (shown as the train loss) and `lr` each step.
  const eventLoss = seriesPoints(state.loss.train_loss);
  assert.deepEqual(steps(eventLoss), [1, 2, 3, 4]);
  for (const p of eventLoss) assert.ok(Number.isFinite(p.value) && p.value > 0, `loss ${p.value}`);
  const eventLr = seriesPoints(state.scalars.lr ?? { buf: [], len: 0, tail: undefined });
  assert.deepEqual(steps(eventLr), [1, 2, 3, 4]);
  for (const p of eventLr) assert.ok(Math.abs(p.value - 1e-4) < 1e-9, `lr ${p.value}`);
  // The console rounds the loss to 3 significant digits; the event file has it in full.
  const consoleLoss = seriesPoints(state.loss.step_loss);
  for (let i = 0; i < 4; i++)
    assert.ok(Math.abs(consoleLoss[i]!.value - eventLoss[i]!.value) < 0.01, `step ${i + 1}: console ${consoleLoss[i]!.value}, events ${eventLoss[i]!.value}`);
});

test('real run: checkpoints appear, the oldest is removed by checkpoints_total_limit', opts, () => {
  const { state, checkpointsSeen, outDir } = the();
  assert.deepEqual(checkpointsSeen, [2, 4]);
  assert.deepEqual(
    state.checkpoints.map((c) => ({ step: c.step, complete: c.complete })),
    [{ step: 4, complete: true }],
  );
  assert.equal(existsSync(join(outDir, 'checkpoint-2')), false);
  assert.deepEqual(listing(outDir, 'checkpoint-4'), [
    'checkpoint-4/optimizer.bin',
    'checkpoint-4/pytorch_lora_weights.safetensors',
    'checkpoint-4/random_states_0.pkl',
    'checkpoint-4/scheduler.bin',
  ]);
});

test('real run: validation and test images cut from the event file', opts, () => {
  const { state } = the();
  const byTag = new Map(state.validation.entries.map((e) => [e.tag, e]));
  assert.deepEqual([...byTag.keys()].sort(), ['test', 'validation']);
  for (const e of state.validation.entries) {
    assert.equal(e.images.length, 1, `${e.tag}: one image (num_validation_images 1)`);
    for (const img of e.images) {
      assert.ok(existsSync(img.ref), `${e.tag} image ${img.ref} was written`);
      // The tiny pipeline makes 64×64 images (resolution 64).
      assert.equal(img.width, 64);
      assert.equal(img.height, 64);
    }
  }
});

test('real run: final weights in output_dir, event files under logs/dreambooth-lora-sd-xl', opts, () => {
  const { outDir } = the();
  const files = listing(outDir);
  assert.ok(files.includes('pytorch_lora_weights.safetensors'), files.join('\n'));
  assert.ok(
    files.some((f) => /^logs\/dreambooth-lora-sd-xl\/events\.out\.tfevents\./.test(f)),
    files.join('\n'),
  );
  assert.ok(
    files.some((f) => /^logs\/dreambooth-lora-sd-xl\/[\d.]+\/hparams\.yml$/.test(f)),
    files.join('\n'),
  );
});

test('stand-in vs real, same config: console line kinds in order, output_dir listing, event file tags', opts, async () => {
  const real = the();
  const ws = newWorkspace();
  try {
    // The stand-in playing the real worker's versions (accelerate 0.28: no `[RANK n] ` prefix).
    const file = writeConfig(ws, 'tiny', standinLaunch(ws), tinyArgs(worker!, FULL_ARGS));
    const sup = supervisor(ws, await wrapperJs());
    const { entry, monitor } = await startConfig(ws, sup, file);
    const state = await ended(monitor, 120_000, 'the stand-in run');
    monitor.stop();
    assert.equal(state.state, 'finished', JSON.stringify(state.failure));
    const standin = readFileSync(join(entry.dir, 'console.log'), 'utf8');
    const kinds = consoleKinds(real.console);
    // The comparison means something only if the real console has every kind the parsers key on.
    for (const k of [
      'distributed-banner',
      'running-training',
      'training-field',
      'steps-bar',
      'checkpoints-exist',
      'checkpoints-removing',
      'saving-state',
      'checkpoint-weights',
      'state-file',
      'saved-state',
      'final-weights',
      'loading-pipeline',
      'running-validation',
      'generating-images',
    ]) {
      assert.ok(kinds.includes(k), `the real console has ${k} lines`);
    }
    assert.deepEqual(consoleKinds(standin), kinds);
    assert.deepEqual(outputShape(join(ws.root, 'out')), outputShape(real.outDir));
    assert.deepEqual(await eventShape(join(ws.root, 'out', 'logs')), await eventShape(join(real.outDir, 'logs')));
    // And what the monitor made of them.
    assert.deepEqual(
      state.validation.entries.map((e) => e.tag),
      real.state.validation.entries.map((e) => e.tag),
    );
    assert.deepEqual(
      state.checkpoints.map((c) => c.step),
      real.state.checkpoints.map((c) => c.step),
    );
  } finally {
    await ws.cleanup();
  }
});

test("real run: step times seen live equal a reload's (from the files alone); start, end and speed known", opts, async () => {
  const { state, dir, ws } = the();
  const reloaded = await readRunState(dir, join(ws.root, '.sdxl', 'images'));
  const times = (s: RunState) => seriesPoints(stepTimeSeries(s.timing)).map((p) => [p.step, p.value]);
  assert.deepEqual(times(reloaded), times(state));
  assert.deepEqual(
    times(state).map(([step]) => step),
    [1, 2, 3, 4],
  );
  const live = runTiming(state);
  assert.deepEqual(runTiming(reloaded), live);
  assert.ok(live.startedAt !== undefined && live.endedAt !== undefined && live.endedAt > live.startedAt, JSON.stringify(live));
  assert.ok(live.avgSecPerStep! > 0 && live.avgSecPerStep! < 60, `average ${live.avgSecPerStep}`);
  // The first step was reached after the start (model loading) and the last before the end (validation, test images).
  const [first, last] = [times(state)[0]![1]!, times(state).at(-1)![1]!];
  assert.ok(first > live.startedAt! && last < live.endedAt!, JSON.stringify({ first, last, live }));
});
