// Step times, pauses and ETA on recorded real runs of diffusers v0.27.2's DreamBooth LoRA script (CPU, tiny SDXL):
// the 6-step golden run (test/fixtures/real-v0.27.2) and a 30-step run with validations every 2 epochs
// (timing-30/, README there). Times come from the recordings themselves: the event files' wall times and tqdm's bar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConsole } from '../../src/core/worker/consoleParser';
import { EventTailer } from '../../src/core/events/eventDir';
import { reduce, reduceAll } from '../../src/core/run/reducer';
import { initialRunState, type RunState } from '../../src/core/run/state';
import { runTiming } from '../../src/core/run/runTiming';
import { seriesPoints } from '../../src/core/run/series';
import { checkpointsAhead, secPerStepSeries, stepTimeSeries, validationsAhead, type TimingContext } from '../../src/core/run/stepTimes';
import type { RunEvent, RunEventOf } from '../../src/core/run/events';
import type { ArgValue } from '../../src/core/scripts/scriptTables';

const FIX = join(__dirname, '..', 'fixtures', 'real-v0.27.2');

interface Recorded {
  console: RunEvent[];
  scalars: Array<RunEventOf<'scalar'>>;
  /** The newest wall time in the event files (the test images, logged last): the run's end, in ms. */
  endMs: number;
  args: Record<string, ArgValue>;
}

async function recorded(consoleFile: string, logs: string, args: Record<string, ArgValue>): Promise<Recorded> {
  const tailer = new EventTailer(join(FIX, logs));
  const scalars: Array<RunEventOf<'scalar'>> = [];
  let end = 0;
  for (let more = true; more;) {
    const batch = await tailer.readNew();
    for (const { event } of batch.events) {
      end = Math.max(end, event.wallTime);
      for (const v of event.values)
        if (v.kind === 'scalar') scalars.push({ type: 'scalar', tag: v.tag, step: event.step, value: v.value, wallTime: event.wallTime });
    }
    more = batch.more;
  }
  return { console: parseConsole(readFileSync(join(FIX, consoleFile))), scalars, endMs: end * 1000, args };
}

const BASE_ARGS = { validation_prompt: 'a photo of sks square', num_validation_images: 1, checkpoints_total_limit: 2 };
const golden = () => recorded('console-pty.log', 'output-pty/logs', { ...BASE_ARGS, validation_epochs: 1, checkpointing_steps: 2 });
const thirty = () => recorded('timing-30/console-pipe.log', 'timing-30/output/logs', { ...BASE_ARGS, validation_epochs: 2, checkpointing_steps: 10 });

interface AtStep {
  state: RunState;
  /** tqdm's own remaining time at the step's first draw. */
  tqdmRemaining?: number;
  tqdmElapsed?: number;
}

/** As a live monitor sees it: each step's scalars right after the console drew the step. The state at each step. */
function watch(r: Recorded): { final: RunState; steps: Map<number, AtStep> } {
  let s = reduce(initialRunState(), { type: 'runInfo', script: 'dreambooth-lora', args: r.args });
  const steps = new Map<number, AtStep>();
  for (const e of r.console) {
    s = reduce(s, e);
    if (e.type === 'progress' && !steps.has(e.step)) {
      for (const x of r.scalars) if (x.step === e.step) s = reduce(s, x);
      steps.set(e.step, {
        state: s,
        ...(e.remainingSec !== undefined ? { tqdmRemaining: e.remainingSec } : {}),
        ...(e.elapsedSec !== undefined ? { tqdmElapsed: e.elapsedSec } : {}),
      });
    }
  }
  return { final: s, steps };
}

/** A reload: the console read first, then the event files, no `at` anywhere. */
function replay(r: Recorded): RunState {
  return reduceAll([{ type: 'runInfo', script: 'dreambooth-lora', args: r.args }, ...r.console, ...r.scalars]);
}

for (const [name, load] of [
  ['golden 6-step run', golden],
  ['30-step run', thirty],
] as const) {
  test(`${name}: a reload gives the same step times, speeds, pauses and ETA as watching it`, async () => {
    const r = await load();
    const watched = watch(r).final;
    const reloaded = replay(r);
    const points = (s: RunState) => seriesPoints(stepTimeSeries(s.timing)).map((p) => [p.step, p.value]);
    assert.deepEqual(points(reloaded), points(watched));
    assert.ok(points(watched).length >= 6);
    assert.deepEqual(runTiming(reloaded), runTiming(watched));
    assert.deepEqual(seriesPoints(secPerStepSeries(reloaded.timing)), seriesPoints(secPerStepSeries(watched.timing)));
  });
}

test('golden 6-step run: the validation after step 4 is a pause (~75 s), not step time; checkpoints at 2 and 4', async () => {
  const r = await golden();
  const t = runTiming(watch(r).final);
  assert.equal(t.pauses.validation.count, 1);
  // tqdm's bar: step 4 at 00:15, step 5 at 01:30, so the validation (with the save before it) held the loop ~70–75 s.
  assert.ok(t.pauses.validation.totalSec > 65 && t.pauses.validation.totalSec < 76, `validation ${t.pauses.validation.totalSec}`);
  assert.equal(t.pauses.checkpoint.count, 2);
  // The steps themselves took 2–5 s each on that machine; the average over training time only says so.
  assert.ok(t.avgSecPerStep! > 2 && t.avgSecPerStep! < 5, `average ${t.avgSecPerStep}`);
  const rate = seriesPoints(secPerStepSeries(watch(r).final.timing));
  assert.ok(
    rate.every((p) => p.value < 10),
    `no validation spike in the seconds-per-step series: ${JSON.stringify(rate)}`,
  );
  assert.equal(
    rate.some((p) => p.step === 5),
    false,
    'the gap after step 4 held the validation: no point',
  );
});

test("30-step run: the foreseen end moves far less at validations than tqdm's, and the ETA counts the pauses to come", async () => {
  const r = await thirty();
  const { steps, final } = watch(r);
  // How far the foreseen end (the step's time + ETA) moved since the step before: ours and tqdm's.
  const moves: Array<{ k: number; ours: number; tqdm: number }> = [];
  for (let k = 7; k <= 29; k++) {
    const foreseen = (j: number) => {
      const at = steps.get(j)!;
      const t = runTiming(at.state);
      return { ours: t.lastStepAt! / 1000 + t.etaSec!, tqdm: at.tqdmElapsed! + at.tqdmRemaining! };
    };
    const [a, b] = [foreseen(k - 1), foreseen(k)];
    moves.push({ k, ours: b.ours - a.ours, tqdm: b.tqdm - a.tqdm });
  }
  const afterValidation = (k: number) => [5, 13, 21, 29].includes(k);
  // Between validations ours stays within a few seconds, tqdm's drifts by up to minutes a step as its smoothed rate
  // forgets the validation; at a validation ours moves only as far as that validation outlasted the ones before (this
  // machine was shared: they took 26 s to 134 s), always less than tqdm's leap (00:33 → 04:14 from step 12 to 13).
  for (const m of moves) {
    if (afterValidation(m.k)) assert.ok(Math.abs(m.ours) < Math.abs(m.tqdm), `step ${m.k}: ours moved ${m.ours.toFixed(1)} s, tqdm's ${m.tqdm} s`);
    else assert.ok(Math.abs(m.ours) < 10, `step ${m.k}: ours moved ${m.ours.toFixed(1)} s`);
  }
  assert.ok(moves.some((m) => !afterValidation(m.k) && Math.abs(m.tqdm) > 50));

  // The accounting behind the ETA: with the lengths this run's steps and pauses had in the end (hindsight), the ETA
  // formula at 6/30 and 11/30 gives the real remaining time (from the event files' own wall times) within 20 % (the
  // validations' lengths varied 5× on the shared machine; the test images with their pipeline load took longer than
  // the mean validation).
  const end = runTiming(final);
  const vMean = end.pauses.validation.totalSec / end.pauses.validation.count;
  const cMean = end.pauses.checkpoint.totalSec / end.pauses.checkpoint.count;
  assert.equal(end.pauses.validation.count, 4, 'validations after steps 4, 12, 20 and 28 (the test images come after the end)');
  assert.equal(end.pauses.checkpoint.count, 2, 'saves at 10 and 20 (30 is at the end)');
  for (const k of [6, 11]) {
    const s = steps.get(k)!.state;
    const ctx: TimingContext = { step: k, totalSteps: 30, stepsPerEpoch: 4, script: 'dreambooth-lora', args: r.args, ended: false };
    const foreseen = (30 - k) * end.avgSecPerStep! + (validationsAhead(ctx, k, 30) + 1) * vMean + (checkpointsAhead(ctx, k, 30) + 1) * cMean;
    const real = (r.endMs - runTiming(s).lastStepAt!) / 1000;
    assert.ok(Math.abs(foreseen - real) / real < 0.2, `at ${k}/30: ${foreseen.toFixed(0)} s foreseen with hindsight, ${real.toFixed(0)} s real`);
    // And the ETA at the time counts the same pauses (at their mean so far): never tqdm's "0:37" at 11/30.
    assert.ok(runTiming(s).etaSec! > 100, `ETA at ${k}/30: ${runTiming(s).etaSec}`);
  }
});
