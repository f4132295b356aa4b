import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reduce, reduceAll } from '../../src/core/run/reducer';
import { copyState, initialRunState, patchState, type RunState } from '../../src/core/run/state';
import { seriesPoints, seriesPut, EMPTY_SERIES, type Series } from '../../src/core/run/series';
import { parseConsole } from '../../src/core/worker/consoleParser';
import type { RunEvent } from '../../src/core/run/events';

const FIX = join(__dirname, '..', 'fixtures', 'console');

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    // Series buffers are shared append-only storage by design; everything else must be left untouched.
    for (const [k, v] of Object.entries(o)) if (k !== 'buf') deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

// What a state shows: series as their points (their shared buffers may hold other states' later points).
const view = (s: RunState) => JSON.stringify(s, (_k, v: unknown) => (v && typeof v === 'object' && 'buf' in v && 'len' in v ? seriesPoints(v as Series) : v));

test('reduce never mutates its input and is deterministic', () => {
  const events = parseConsole(readFileSync(join(FIX, 'full.log')));
  let s = initialRunState();
  for (const e of events) {
    const snapshot = view(s);
    const frozen = deepFreeze(s);
    const next = reduce(frozen, e);
    assert.equal(view(s), snapshot);
    assert.deepEqual(reduce(frozen, e), next);
    s = next;
  }
  assert.equal(s.state, 'finishing');
  assert.equal(s.step, 1000);
});

test('old states keep their view of a series while later states grow it', () => {
  const a = reduceAll([
    { type: 'postfix', step: 1, stepLoss: 0.5 },
    { type: 'postfix', step: 2, stepLoss: 0.4 },
  ]);
  const b = reduce(a, { type: 'postfix', step: 3, stepLoss: 0.3 });
  const c = reduce(a, { type: 'postfix', step: 3, stepLoss: 9 }); // a branch from the same old state
  assert.deepEqual(
    seriesPoints(a.loss.step_loss).map((p) => p.value),
    [0.5, 0.4],
  );
  assert.deepEqual(
    seriesPoints(b.loss.step_loss).map((p) => p.value),
    [0.5, 0.4, 0.3],
  );
  assert.deepEqual(
    seriesPoints(c.loss.step_loss).map((p) => p.value),
    [0.5, 0.4, 9],
  );
});

test('loss series: one point per step, newest wins; a resume drops the later steps of the earlier attempt', () => {
  const ev: RunEvent[] = [];
  for (let step = 1; step <= 5; step++) for (const v of [1, 2]) ev.push({ type: 'postfix', step, stepLoss: step * 10 + v, lr: 1e-4 });
  ev.push({ type: 'resumed', fromStep: 3, checkpoint: 'checkpoint-3' });
  ev.push({ type: 'postfix', step: 3, stepLoss: 99 });
  const s = reduceAll(ev);
  assert.deepEqual(
    seriesPoints(s.loss.step_loss).map((p) => [p.step, p.value]),
    [
      [1, 12],
      [2, 22],
      [3, 99],
    ],
  );
  assert.deepEqual(
    seriesPoints(s.lrSeries).map((p) => p.step),
    [1, 2, 3],
  );
  assert.equal(s.resumedFrom!.step, 3);
});

test('event-file scalars: overlapping steps take the newest wall time, in any file order', () => {
  const older = [1, 2, 3, 4].map((step) => ({ type: 'scalar' as const, tag: 'train_loss', step, value: step, wallTime: 100 + step }));
  const newer = [3, 4, 5].map((step) => ({ type: 'scalar' as const, tag: 'train_loss', step, value: step * 100, wallTime: 200 + step }));
  const expected = [
    [1, 1],
    [2, 2],
    [3, 300],
    [4, 400],
    [5, 500],
  ];
  for (const order of [
    [...older, ...newer],
    [...newer, ...older],
  ]) {
    const s = reduceAll(order);
    assert.deepEqual(
      seriesPoints(s.loss.train_loss).map((p) => [p.step, p.value]),
      expected,
    );
  }
  let series = EMPTY_SERIES;
  for (const p of [
    { step: 1, value: 1, wallTime: 5 },
    { step: 1, value: 2, wallTime: 4 },
  ])
    series = seriesPut(series, p, 'wallTime');
  assert.equal(seriesPoints(series)[0]!.value, 1);
});

test('exit decides the final state; a stop request makes a signal a stop, not a failure', () => {
  const running = reduceAll([{ type: 'progress', step: 5, total: 10 }]);
  assert.equal(running.state, 'training');
  assert.equal(reduce(running, { type: 'exit', code: 0, signal: null }).state, 'finished');
  const killed = reduce(running, { type: 'exit', code: null, signal: 'SIGKILL' });
  assert.equal(killed.state, 'failed');
  assert.equal(killed.failure!.class, 'host_oom_killed');
  const stopped = reduceAll([{ type: 'stopRequested' }, { type: 'exit', code: null, signal: 'SIGTERM' }], running);
  assert.equal(stopped.state, 'stopped');
  assert.equal(stopped.failure, null);
  // Phases after the end are stale output, not a comeback.
  assert.equal(reduce(killed, { type: 'phase', phase: 'training' }).state, 'failed');
});

test("the launcher's failure line ends the run before the exit code is known; later lines refine the diagnosis", () => {
  const s = reduceAll([
    { type: 'progress', step: 2, total: 10 },
    { type: 'traceback', traceback: { lines: [], exception: "subprocess.CalledProcessError: Command '[..]' died with <Signals.SIGKILL: 9>." } },
  ]);
  assert.equal(s.state, 'failed');
  assert.equal(s.failure!.class, 'host_oom_killed');
});

test('NaN loss is a live warning; checkpoints are those the console announced, as the disk has them; epoch from the banner', () => {
  const s = reduceAll([
    { type: 'banner', numExamples: 100, batchSize: 2, totalBatchSize: 4, gradAccum: 2, numEpochs: 4, totalSteps: 100 },
    { type: 'progress', step: 51, total: 100 },
    { type: 'postfix', step: 51, stepLoss: NaN },
    { type: 'checkpointSaving', step: 50, path: 'o/checkpoint-50' },
    { type: 'checkpointSaved', step: 50, path: 'o/checkpoint-50' },
    {
      type: 'checkpointScan',
      checkpoints: [
        { step: 25, path: 'o/checkpoint-25', complete: true },
        { step: 50, path: 'o/checkpoint-50', complete: false },
      ],
    },
  ]);
  assert.equal(s.warnings[0]!.class, 'nan_loss');
  assert.equal(s.nanLossStep, 51);
  assert.equal(s.failure, null);
  assert.equal(s.epoch, 2); // 50 examples per batch of 2 → 50 batches → 25 updates per epoch; step 51 is in epoch 2
  // checkpoint-25 is on disk but this run's console never saved it: another run's, not this one's.
  assert.deepEqual(
    s.checkpoints.map((c) => [c.step, c.complete]),
    [[50, true]],
  );
  const more = reduceAll(
    [
      { type: 'checkpointSaving', step: 75, path: 'o/checkpoint-75' },
      { type: 'checkpointSaved', step: 75, path: 'o/checkpoint-75' },
      { type: 'checkpointSaving', step: 100, path: 'o/checkpoint-100' },
    ],
    s,
  );
  // Deleted by hand (50 gone from disk), and a save under way whose folder is not there yet.
  const scanned = reduce(more, { type: 'checkpointScan', checkpoints: [{ step: 75, path: 'o/checkpoint-75', complete: false }] });
  assert.deepEqual(
    scanned.checkpoints.map((c) => [c.step, c.complete, c.saving ?? false]),
    [
      [75, true, false],
      [100, false, true],
    ],
  );
  const pruned = reduce(scanned, { type: 'checkpointsRemoved', names: ['checkpoint-75'] });
  assert.deepEqual(
    pruned.checkpoints.map((c) => c.step),
    [100],
  );
  // Once the run has ended, an announced save with no folder never happened.
  const ended = reduce(reduce(pruned, { type: 'exit', code: 1, signal: null }), { type: 'checkpointScan', checkpoints: [] });
  assert.deepEqual(ended.checkpoints, []);
  // An output_dir read without a console adopts what is on disk.
  assert.deepEqual(
    reduce(initialRunState(), { type: 'checkpointScan', adopt: true, checkpoints: [{ step: 25, path: 'o/checkpoint-25', complete: true }] }).checkpoints.map(
      (c) => c.step,
    ),
    [25],
  );
});

test('replaying a long log stays linear (shared series buffers)', () => {
  const events: RunEvent[] = [];
  for (let step = 1; step <= 100_000; step++) {
    events.push({ type: 'progress', step, total: 100_000 }, { type: 'postfix', step, stepLoss: 0.1, lr: 1e-5 });
  }
  const t0 = process.hrtime.bigint();
  const s: RunState = reduceAll(events);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(seriesPoints(s.loss.step_loss).length, 100_000);
  // Quadratic copying would take minutes here; the bound is generous for slow CI machines.
  assert.ok(ms < 20_000, `took ${ms} ms`);
});

test('copyState copies every field (the reducer relies on it instead of a spread)', () => {
  const s = reduceAll(parseConsole(readFileSync(join(FIX, 'lora.log'))));
  const c = copyState(s);
  assert.notEqual(c, s);
  assert.deepEqual(Object.keys(c).sort(), Object.keys(initialRunState()).sort());
  assert.deepEqual(c, { ...s });
  assert.deepEqual(patchState(s, { step: 7 }), { ...s, step: 7 });
});
