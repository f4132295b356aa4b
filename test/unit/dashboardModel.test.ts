// The reducer-to-view mapping: what the dashboard is sent for a run state, and the deltas between states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reduce, reduceAll } from '../../src/core/run/reducer';
import type { RunEvent } from '../../src/core/run/events';
import { RunDeltaTracker, runView, shownFailure, type RunMeta } from '../../src/core/view/dashboardModel';
import { checkHostMessage } from '../../src/shared/dashboardProtocol';

const meta: RunMeta = {
  id: 'r1',
  label: 'cats',
  simulated: true,
  imageUri: (p) => ({ uri: `vscode-webview://x${p}`, thumbUri: `vscode-webview://x${p}.thumb` }),
};

function training(steps: number, from = 1): RunEvent[] {
  const out: RunEvent[] = [
    { type: 'runInfo', script: 'lora', args: { validation_prompt: 'a cat', train_batch_size: 2 } },
    { type: 'banner', numExamples: 20, batchSize: 2, totalBatchSize: 2, gradAccum: 1, numEpochs: 3, totalSteps: 30 },
    { type: 'phase', phase: 'training' },
  ];
  for (let s = from; s < from + steps; s++) {
    out.push({ type: 'progress', step: s, total: 30, rateItPerSec: 0.5, elapsedSec: s * 2, remainingSec: (30 - s) * 2 });
    out.push({ type: 'postfix', step: s, stepLoss: 1 / s, lr: 1e-4 });
    out.push({ type: 'scalar', tag: 'train_loss', step: s, value: 2 / s, wallTime: 1000 + 2 * s });
  }
  return out;
}

test('a full view carries series, status, markers and gallery', () => {
  let s = reduceAll(training(12));
  s = reduce(s, { type: 'checkpointSaved', step: 10, path: 'out/checkpoint-10' });
  s = reduce(s, { type: 'validationImages', tag: 'validation', epoch: 0, images: [{ ref: '/img/0.png', width: 64, height: 64 }] });
  const v = runView(s, meta);
  assert.equal(checkHostMessage({ type: 'runData', run: v }), undefined);
  assert.equal(v.script, 'lora');
  assert.equal(v.simulated, true);
  assert.equal(v.series.train_loss!.length, 12);
  assert.deepEqual(v.series.train_loss![11], [12, 2 / 12]);
  assert.ok(v.series.step_loss!.length >= 11);
  // From the step times (the event files' wall times, 2 s apart): the first step has no earlier time to count from.
  assert.deepEqual(v.series.sec_per_it![0], [2, 2], 'the throughput chart gets seconds per step');
  assert.deepEqual(v.series.step_time![0], [1, 1_002_000], 'step_time: when each step was reached, wall ms');
  assert.equal(v.status.outcome, 'running');
  assert.equal(v.status.step, 12);
  assert.equal(v.status.totalSteps, 30);
  assert.equal(v.status.secondsPerIt, 2);
  assert.equal(v.status.imagesPerSec, 1);
  assert.deepEqual(v.gallery, [
    {
      epoch: 0,
      index: 0,
      uri: 'vscode-webview://x/img/0.png',
      thumbUri: 'vscode-webview://x/img/0.png.thumb',
      prompt: 'a cat',
      step: 10,
      width: 64,
      height: 64,
    },
  ]);
  const kinds = v.markers.map((m) => `${m.kind}@${m.step}`);
  assert.ok(kinds.includes('checkpoint@10'), kinds.join());
  // 20 examples / batch 2 = 10 steps per epoch: epoch 0's validation happens at step 10.
  assert.ok(kinds.includes('validation@10'), kinds.join());
});

test('deltas carry only what is new, and nothing when nothing changed', () => {
  const tracker = new RunDeltaTracker();
  const s1 = reduceAll(training(5));
  tracker.full(s1, meta);
  assert.equal(tracker.delta(s1, meta), undefined);
  const s2 = reduceAll(training(3, 6), s1);
  const d = tracker.delta(s2, meta)!;
  assert.equal(checkHostMessage(d), undefined);
  assert.deepEqual(
    d.appendSeries!.train_loss!.map((p) => p[0]),
    [6, 7, 8],
  );
  assert.equal(d.status!.step, 8);
  assert.equal(tracker.delta(s2, meta), undefined);
});

test('a resume that rewrites earlier steps resends the series from the rewritten point', () => {
  const tracker = new RunDeltaTracker();
  const s1 = reduceAll(training(10));
  tracker.full(s1, meta);
  let s2 = reduce(s1, { type: 'resumed', fromStep: 5, checkpoint: 'checkpoint-5' });
  s2 = reduceAll([{ type: 'scalar', tag: 'train_loss', step: 6, value: 0.5, wallTime: 5000 }], s2);
  const d = tracker.delta(s2, meta)!;
  const pts = d.appendSeries!.train_loss!;
  // The webview replaces its tail from the first step sent; the new value for step 6 must be in it.
  assert.ok(pts[0]![0] <= 6);
  assert.deepEqual(
    pts.find((p) => p[0] === 6),
    [6, 0.5],
  );
  assert.ok(d.markers!.some((m) => m.kind === 'resume' && m.step === 5));
});

test('a failure maps to the banner with its console line', () => {
  let s = reduceAll(training(3));
  s = reduce(s, {
    type: 'traceback',
    traceback: {
      lines: ['Traceback (most recent call last):', 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.'],
      exception: 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.',
    },
  });
  s = reduce(s, { type: 'exit', code: 1, signal: null });
  const v = runView(s, { ...meta, failureLine: 42 });
  assert.equal(v.status.outcome, 'failed');
  assert.equal(v.failure?.class, 'cuda_oom');
  assert.equal(v.failure?.title, 'Out of GPU memory');
  assert.equal(v.failure?.consoleLine, 42);
  assert.ok(v.failure!.remedy.length > 0);
  // The banner offers the fix the host knows (gradient checkpointing is off in this run), by its title.
  assert.equal(v.failure?.fixTitle, 'Enable gradient checkpointing');
  assert.deepEqual(shownFailure(s)?.fix?.edits, [{ op: 'set', path: '/args/gradient_checkpointing', value: true }]);
  assert.equal(checkHostMessage({ type: 'runData', run: v }), undefined);
});

test('a NaN loss while training shows in the banner with its fix; a failure without a fix offers none', () => {
  let s = reduceAll(training(3));
  s = reduce(s, { type: 'postfix', step: 4, stepLoss: NaN, lr: 1e-4 });
  const nan = runView(s, meta).failure;
  assert.equal(nan?.title, 'Loss became NaN');
  assert.match(nan?.fixTitle ?? '', /learning_rate/);
  let other = reduceAll(training(3));
  other = reduce(other, { type: 'traceback', traceback: { lines: ['Traceback (most recent call last):', 'ValueError: odd'], exception: 'ValueError: odd' } });
  other = reduce(other, { type: 'exit', code: 1, signal: null });
  const v = runView(other, meta).failure;
  assert.equal(v?.title, 'Training error');
  assert.equal(v?.fixTitle, undefined);
});

test('a summary view (not loaded) carries no series', () => {
  const v = runView(reduceAll(training(4)), meta, false);
  assert.equal(v.loaded, false);
  assert.deepEqual(v.series, {});
  assert.equal(v.status.step, 4);
});

test("GPU samples keep their wall-clock ms and the run's own memory", () => {
  const s = reduce(reduceAll(training(2)), {
    type: 'gpuSample',
    wallTime: 1_700_000_000_000,
    gpus: [{ index: 0, memoryUsedMiB: 9000, memoryTotalMiB: 24576, runMemoryMiB: 8000 }],
  });
  const v = runView(s, meta);
  assert.deepEqual(v.gpu, [{ t: 1_700_000_000_000, index: 0, memoryUsedMiB: 9000, memoryTotalMiB: 24576, runMemoryMiB: 8000 }]);
  assert.equal(checkHostMessage({ type: 'runData', run: v }), undefined);
});

test('GPU deltas keep coming when the state keeps only a window of samples', () => {
  const tracker = new RunDeltaTracker();
  let s = reduceAll(training(1));
  tracker.full(s, meta);
  let sent = 0;
  for (let i = 1; i <= 5000; i++) {
    s = reduce(s, { type: 'gpuSample', wallTime: i * 1000, gpus: [{ index: 0, utilizationPct: 50 }] });
    sent += tracker.delta(s, meta)?.gpu?.length ?? 0;
  }
  assert.equal(sent, 5000);
});

test("the extension's own notes reach the view once each, and deltas carry them only when they change", () => {
  let s = reduceAll(training(3));
  const tracker = new RunDeltaTracker();
  assert.equal(tracker.full(s, meta).notices, undefined, 'no notices, no field');
  // The training's own warnings are not notices; the monitor's and the wrapper's are, each once.
  s = reduce(s, { type: 'log', level: 'WARNING', logger: 'diffusers.training_utils', message: 'xformers is deprecated' });
  assert.equal(tracker.delta(s, meta)?.notices, undefined);
  s = reduce(s, { type: 'log', level: 'WARNING', logger: 'sdxl-monitor', message: 'cannot read /o/logs/events: bad CRC' });
  s = reduce(s, { type: 'log', level: 'WARNING', logger: 'sdxl-trainer', message: 'cannot write run record /r/run.json: the disk is full (ENOSPC)' });
  s = reduce(s, { type: 'log', level: 'WARNING', logger: 'sdxl-monitor', message: 'cannot read /o/logs/events: bad CRC' });
  const d = tracker.delta(s, meta);
  assert.deepEqual(d?.notices, ['cannot read /o/logs/events: bad CRC', 'cannot write run record /r/run.json: the disk is full (ENOSPC)']);
  assert.equal(checkHostMessage(d), undefined);
  s = reduce(s, { type: 'progress', step: 4, total: 30 });
  assert.equal(tracker.delta(s, meta)?.notices, undefined, 'unchanged notices are not sent again');
  assert.deepEqual(runView(s, meta).notices, d!.notices);
  // Bounded: a monitor that warns about many files keeps the latest 20.
  for (let i = 0; i < 30; i++) s = reduce(s, { type: 'log', level: 'WARNING', logger: 'sdxl-monitor', message: `note ${i}` });
  assert.equal(s.notices.length, 20);
  assert.equal(s.notices.at(-1), 'note 29');
});

test('a renamed run (another run took its name) is sent its new label once', () => {
  const s = reduceAll(training(3));
  const tracker = new RunDeltaTracker();
  tracker.full(s, meta);
  assert.equal(tracker.delta(s, meta), undefined);
  const renamed = { ...meta, label: 'cats · 01:42:11' };
  assert.equal(tracker.delta(s, renamed)?.label, 'cats · 01:42:11');
  assert.equal(tracker.delta(s, renamed), undefined);
});

test('a stalled run says so in its status until it moves again', () => {
  let s = reduceAll(training(5));
  const tracker = new RunDeltaTracker();
  assert.equal(tracker.full(s, meta).status.stalledSeconds, undefined, 'not while it progresses');
  s = reduce(s, { type: 'hang', sinceSec: 900, typicalStepSec: 2 });
  assert.equal(tracker.delta(s, meta)?.status?.stalledSeconds, 900);
  s = reduce(s, { type: 'progress', step: 6, total: 30 });
  const moved = tracker.delta(s, meta)?.status;
  assert.equal(moved?.step, 6);
  assert.equal(moved?.stalledSeconds, undefined, 'a new step clears it (the status delta replaces the whole status)');
  s = reduce(s, { type: 'exit', code: 0, signal: null });
  assert.equal(runView(s, meta).status.stalledSeconds, undefined, 'not for an ended run');
});

test('checkpoints and markers are sent whole when they change: a pruned or deleted checkpoint goes, the last one too', () => {
  const tracker = new RunDeltaTracker();
  const scan = (steps: number[], complete = true): RunEvent => ({
    type: 'checkpointScan',
    checkpoints: steps.map((step) => ({ step, path: `out/checkpoint-${step}`, complete, sizeBytes: 100 })),
  });
  // The run's console announced its saves (a run's checkpoints are those it saved); the scans say what is on disk.
  const saved = (step: number): RunEvent => ({ type: 'checkpointSaved', step, path: `out/checkpoint-${step}` });
  let s = reduce(reduceAll([...training(12), saved(4), saved(8)]), scan([4, 8]));
  const full = tracker.full(s, meta);
  assert.deepEqual(
    full.checkpoints.map((c) => c.step),
    [4, 8],
  );
  // checkpoints_total_limit pruned checkpoint-4 and the script saved checkpoint-12 (still being written).
  s = reduce(s, scan([8]));
  s = reduce(s, { type: 'checkpointSaving', step: 12, path: 'out/checkpoint-12' });
  let d = tracker.delta(s, meta)!;
  assert.equal(checkHostMessage(d), undefined);
  assert.deepEqual(
    d.checkpoints!.map((c) => [c.step, c.complete]),
    [
      [8, true],
      [12, false],
    ],
  );
  const ckptMarkers = (m: typeof d.markers) => m!.filter((x) => x.kind === 'checkpoint').map((x) => x.label);
  assert.deepEqual(ckptMarkers(d.markers), ['checkpoint-8', 'checkpoint-12 (incomplete)']);
  // Completeness and size changes are sent too; nothing is sent again while nothing changes.
  s = reduce(s, {
    type: 'checkpointScan',
    checkpoints: [
      { step: 8, path: 'out/checkpoint-8', complete: true, sizeBytes: 100 },
      { step: 12, path: 'out/checkpoint-12', complete: true, sizeBytes: 250 },
    ],
  });
  d = tracker.delta(s, meta)!;
  assert.deepEqual(
    d.checkpoints!.map((c) => [c.step, c.complete, c.sizeBytes]),
    [
      [8, true, 100],
      [12, true, 250],
    ],
  );
  assert.deepEqual(ckptMarkers(d.markers), ['checkpoint-8', 'checkpoint-12']);
  assert.equal(tracker.delta(s, meta), undefined);
  // Deleted by hand, all of them: an empty list, not nothing.
  s = reduce(s, scan([]));
  d = tracker.delta(s, meta)!;
  assert.deepEqual(d.checkpoints, []);
  assert.deepEqual(ckptMarkers(d.markers), []);
});
