// Step times, pauses, speed and ETA (core/run/stepTimes.ts) on synthetic runs: an ETA that does not jump at
// validations that take 10× a step, replay equal to live, a console without event files, the text before the first step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reduce, reduceAll } from '../../src/core/run/reducer';
import { initialRunState, stepsPerEpoch, type RunState } from '../../src/core/run/state';
import { runTiming } from '../../src/core/run/runTiming';
import { seriesPoints } from '../../src/core/run/series';
import { checkpointsAhead, secPerStepSeries, stepTimeSeries, validationsAhead, type TimingContext } from '../../src/core/run/stepTimes';
import { describeRun, progressText } from '../../src/core/view/format';
import { runView, type RunMeta } from '../../src/core/view/dashboardModel';
import type { RunEvent } from '../../src/core/run/events';

const STEP = 1; // s per step
const VALIDATION = 10 * STEP; // a validation takes 10 steps' time
const SAVE = 2; // s per checkpoint save
const T0 = 1_800_000_000; // s, the bar's start

interface Synthetic {
  /** Console events and event-file scalars in the order a live monitor sees them, each with its wall time (s). */
  timeline: Array<{ event: RunEvent; wall: number }>;
  /** Wall time (s) each step was reached, and when the run ended. */
  stepAt: number[];
  end: number;
}

/**
 * A LoRA run of 100 steps, 10 steps an epoch, validation every epoch (after steps 10, 20, …, 100), checkpoints every
 * 25 steps (saved before that step's validation), then the final save and test images.
 */
function synthetic(totalSteps = 100): Synthetic {
  const timeline: Synthetic['timeline'] = [];
  const stepAt: number[] = [];
  let t = T0;
  const at = (event: RunEvent) => timeline.push({ event, wall: t });
  at({
    type: 'runInfo',
    script: 'lora',
    args: { validation_prompt: 'a cat', validation_epochs: 1, checkpointing_steps: 25, num_validation_images: 1 },
    startedAt: (T0 - 30) * 1000,
  });
  at({ type: 'banner', numExamples: 10, numBatchesEachEpoch: 10, numEpochs: 10, batchSize: 1, totalBatchSize: 1, gradAccum: 1, totalSteps });
  at({ type: 'phase', phase: 'training' });
  at({ type: 'progress', step: 0, total: totalSteps, elapsedSec: 0 });
  for (let step = 1; step <= totalSteps; step++) {
    t += STEP;
    stepAt[step] = t;
    // tqdm says it a little late and rounded down; its smoothed rate and remaining time are left out on purpose.
    at({ type: 'progress', step, total: totalSteps, elapsedSec: Math.floor(t - T0) });
    at({ type: 'scalar', tag: 'train_loss', step, value: 1, wallTime: t + 0.01 });
    if (step % 25 === 0) {
      at({ type: 'checkpointSaving', step, path: `out/checkpoint-${step}` });
      t += SAVE;
      at({ type: 'checkpointSaved', step, path: `out/checkpoint-${step}` });
    }
    if (step % 10 === 0) {
      at({ type: 'phase', phase: 'validating' });
      at({ type: 'validationStarted', numImages: 1 });
      t += VALIDATION;
      at({ type: 'validationImages', tag: 'validation', epoch: step / 10 - 1, images: [] });
    }
  }
  t += SAVE + VALIDATION; // the final save and the test images
  return { timeline, stepAt, end: t };
}

function live(events: Synthetic['timeline']): RunState {
  let s = initialRunState();
  for (const { event, wall } of events) s = reduce(s, { ...event, at: Math.round(wall * 1000) });
  return s;
}

test('the ETA counts the validations and saves to come: within 2 s of the real remaining time at every step, no jump at a validation', () => {
  const run = synthetic();
  let s = initialRunState();
  const etas: number[] = [];
  const states: RunState[] = [];
  for (const { event, wall } of run.timeline) {
    s = reduce(s, { ...event, at: Math.round(wall * 1000) });
    if (event.type === 'scalar') {
      states[event.step] = s;
      const t = runTiming(s);
      etas[event.step] = t.etaSec!;
    }
  }
  // Once one validation and one save have been seen (step 26), their lengths are known.
  for (let step = 26; step <= 100; step++) {
    const real = run.end - run.stepAt[step]!;
    assert.ok(Math.abs(etas[step]! - real) <= 2, `step ${step}: ETA ${etas[step]!.toFixed(1)} s, really ${real} s left`);
    if (step > 26) {
      // The end it foresees stays put from step to step: the ETA goes down by the time that passed, whether that was
      // a step or a step and a validation (10× a step) — tqdm's ETA jumps there.
      const moved = run.stepAt[step]! + etas[step]! - (run.stepAt[step - 1]! + etas[step - 1]!);
      assert.ok(Math.abs(moved) <= 0.5, `step ${step}: the foreseen end moved by ${moved.toFixed(2)} s`);
    }
  }
  const t = runTiming(states[100]!);
  assert.ok(Math.abs(t.avgSecPerStep! - STEP) < 0.01, `average ${t.avgSecPerStep}`);
  assert.ok(Math.abs(t.recentSecPerStep! - STEP) < 0.01, `recent ${t.recentSecPerStep}`);
  // Validations after steps 10…90 (the one after 100 is to come), 10 s each; saves at 25, 50, 75, 2 s each.
  assert.equal(t.pauses.validation.count, 9);
  assert.ok(Math.abs(t.pauses.validation.totalSec - 9 * VALIDATION) < 0.5, `validations ${t.pauses.validation.totalSec}`);
  assert.equal(t.pauses.checkpoint.count, 3);
  assert.ok(Math.abs(t.pauses.checkpoint.totalSec - 3 * SAVE) < 0.5, `saves ${t.pauses.checkpoint.totalSec}`);
  // Right after a validation the recent speed is still a step's time (the pause is left out).
  const after = runTiming(states[11]!);
  assert.ok(Math.abs(after.recentSecPerStep! - STEP) < 0.01, `recent after a validation ${after.recentSecPerStep}`);
  // Before any validation was seen its length is unknown: the ETA says so instead of pretending.
  assert.equal(runTiming(states[5]!).etaPartial, true);
  assert.match(describeRun(states[5]!), /^5\/100 · 1\.00 (s\/it|it\/s) · ETA 01:35\+$/);
});

test('seconds per step from the step times: a gap that held a pause has no point; step_time carries the wall times', () => {
  const s = live(synthetic().timeline);
  const rate = new Map(seriesPoints(secPerStepSeries(s.timing)).map((p) => [p.step, p.value]));
  assert.equal(rate.has(11), false, 'the gap after the validation at step 10');
  assert.equal(rate.has(26), false, 'the gap after the save at step 25');
  for (const step of [2, 9, 12, 99]) assert.ok(Math.abs(rate.get(step)! - STEP) < 1e-6, `step ${step}: ${rate.get(step)}`);
  const meta: RunMeta = { id: 'r', label: 'r', simulated: false, imageUri: () => undefined };
  const v = runView(s, meta);
  assert.deepEqual(v.series.step_time![0], [1, (T0 + 1.01) * 1000]);
  assert.equal(v.series.step_time!.length, 100);
  assert.equal(v.status.startedAt, (T0 - 30) * 1000);
  assert.deepEqual(v.status.validationPause?.count, 9);
});

for (const steps of [100, 15])
  test(`a reload (replay from the files, no \`at\`, console read before the event files) gives the same step times and numbers (${steps} steps)`, () => {
    // 15 steps: the bar's first draw (step 0, whose live `at` a reload has not) is among the steps that fix its start.
    const run = synthetic(steps);
    const watched = live(run.timeline);
    const consoleFirst = [...run.timeline.filter((e) => e.event.type !== 'scalar'), ...run.timeline.filter((e) => e.event.type === 'scalar')];
    const replayed = reduceAll(consoleFirst.map((e) => e.event));
    assert.deepEqual(
      seriesPoints(stepTimeSeries(replayed.timing)).map((p) => [p.step, p.value]),
      seriesPoints(stepTimeSeries(watched.timing)).map((p) => [p.step, p.value]),
    );
    const a = runTiming(watched);
    const b = runTiming(replayed);
    for (const k of ['avgSecPerStep', 'recentSecPerStep', 'etaSec', 'lastStepAt'] as const)
      assert.ok(Math.abs(a[k]! - b[k]!) < 1e-6, `${k}: ${a[k]} vs ${b[k]}`);
    assert.deepEqual(a.pauses, b.pauses);
    assert.deepEqual(seriesPoints(secPerStepSeries(replayed.timing)), seriesPoints(secPerStepSeries(watched.timing)));
    // The event files read ahead of the console (a budgeted pass): the pauses the console says later take their gaps out.
    const filesFirst = reduceAll(
      [...run.timeline.filter((e) => e.event.type === 'scalar'), ...run.timeline.filter((e) => e.event.type !== 'scalar')].map((e) => e.event),
    );
    assert.deepEqual(seriesPoints(secPerStepSeries(filesFirst.timing)), seriesPoints(secPerStepSeries(watched.timing)));
    assert.deepEqual(runTiming(filesFirst).pauses, a.pauses);
  });

test('a console without event files: speed and ETA from tqdm elapsed (no wall clock, no step_time unless watched live)', () => {
  const run = synthetic();
  const consoleOnly = run.timeline.filter((e) => e.event.type !== 'scalar').map((e) => e.event);
  const s = reduceAll(consoleOnly);
  const t = runTiming(s);
  assert.equal(t.anchored, false);
  assert.ok(Math.abs(t.avgSecPerStep! - STEP) < 0.05, `average ${t.avgSecPerStep}`);
  assert.equal(t.pauses.validation.count, 9);
  assert.equal(seriesPoints(stepTimeSeries(s.timing)).length, 0);
  // Watched live, the bar's `at` gives the step times.
  const watched = live(run.timeline.filter((e) => e.event.type !== 'scalar'));
  assert.equal(seriesPoints(stepTimeSeries(watched.timing)).length, 101);
});

test('before the first step: what the run waits for, never a "?"', () => {
  let s = reduce(initialRunState(), { type: 'log', level: 'INFO', logger: '__main__', message: 'Distributed environment' });
  assert.equal(progressText(s), 'starting…');
  s = reduce(s, { type: 'phase', phase: 'pre-computing' });
  assert.equal(progressText(s), 'pre-computing…');
  s = reduceAll(
    [
      { type: 'banner', totalSteps: 40 },
      { type: 'phase', phase: 'training' },
      { type: 'progress', step: 0, total: 40, elapsedSec: 0 },
    ],
    s,
  );
  assert.equal(progressText(s), '0/40 · waiting for first step');
  assert.doesNotMatch(describeRun(s), /\?/);
  // Fast steps: step 1 drawn in the bar's first second, one wall time so far: no speed yet, and no "ETA 00:00".
  const fast = reduceAll(
    [
      { type: 'progress', step: 1, total: 40, elapsedSec: 0 },
      { type: 'scalar', tag: 'train_loss', step: 1, value: 1, wallTime: T0 },
    ],
    s,
  );
  assert.equal(progressText(fast), '1/40 · measuring speed');
  s = reduce(s, { type: 'progress', step: 1, total: 40, elapsedSec: 3 });
  assert.equal(progressText(s), '1/40 · 3.00 s/it · ETA 01:57');
  assert.equal(progressText(s, 'it/s'), '1/40 · 0.33 it/s · ETA 01:57');
});

test("a finished run says how long it took and its average speed; a resume drops the earlier attempt's times", () => {
  const run = synthetic(20);
  let s = live(run.timeline);
  s = reduce(s, { type: 'exit', code: 0, signal: null, endedAt: run.end * 1000 });
  // From run.json's start (30 s before the bar) to the end: 20 steps, 2 validations, the final save and test images.
  assert.equal(describeRun(s), `finished at step 20 in 01:22 · avg 1.00 it/s`);
  const resumed = reduce(live(run.timeline), { type: 'resumed', fromStep: 10, checkpoint: 'checkpoint-10' });
  assert.equal(resumed.timing.wall.tail?.step, 10);
  assert.ok(resumed.timing.pauses.every((p) => p.step < 10));
});

test("validations and saves still to come, from the script kind's cadence (its defaults when the config leaves them out)", () => {
  const ctx = (script: 'lora' | 'dreambooth-lora', args: Record<string, string | number>, spe: number): TimingContext => ({
    step: 0,
    totalSteps: 0,
    stepsPerEpoch: spe,
    script,
    args: { validation_prompt: 'a cat', ...args },
    ended: false,
  });
  // 4 steps an epoch, every 2nd epoch (0, 2, 4, 6): after steps 4, 12, 20, 28 of 30.
  assert.equal(validationsAhead(ctx('lora', { validation_epochs: 2 }, 4), 1, 30), 4);
  assert.equal(validationsAhead(ctx('lora', { validation_epochs: 2 }, 4), 12, 30), 3, 'the one at the step reached is still to come');
  assert.equal(validationsAhead(ctx('lora', { validation_epochs: 2 }, 4), 13, 30), 2);
  // max_train_steps ends mid-epoch: that epoch still validates, after the last step.
  assert.equal(validationsAhead(ctx('lora', { validation_epochs: 1 }, 4), 29, 30), 1);
  // DreamBooth validates every 50 epochs unless told otherwise; a run of 1 step an epoch and 100 000 steps.
  assert.equal(validationsAhead(ctx('dreambooth-lora', {}, 1), 1, 100_000), 2000);
  assert.equal(validationsAhead({ ...ctx('lora', {}, 4), args: { validation_epochs: 1 } }, 1, 30), 0, 'no validation prompt, no validation');
  // Checkpoints every 500 steps by default, at the step reached too.
  assert.equal(checkpointsAhead(ctx('lora', {}, 4), 1, 1200), 2);
  assert.equal(checkpointsAhead(ctx('lora', { checkpointing_steps: 10 }, 4), 10, 30), 3);
  assert.equal(checkpointsAhead(ctx('lora', { checkpointing_steps: 10 }, 4), 11, 30), 2);
});

test('stepsPerEpoch: a banner with zero gradient accumulation steps counts as no accumulation, not Infinity (fuzz case)', () => {
  // The fuzz found it: `Gradient Accumulation steps = 0` made the dashboard's stepsPerEpoch Infinity, and the webview's
  // message check dropped the run's whole view.
  assert.equal(stepsPerEpoch({ numBatchesEachEpoch: 5, gradAccum: 0 }), 5);
  assert.equal(stepsPerEpoch({ numExamples: 10, batchSize: 1, totalBatchSize: 1, gradAccum: 0 }), 10);
  assert.equal(stepsPerEpoch({ numBatchesEachEpoch: 5, gradAccum: 2 }), 3);
});
