// The display formatters shared by the status bar, the Runs view, the dashboard labels and the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countOf, describeRun, formatBytes, formatDuration, formatSpeed, runDisplayName } from '../../src/core/view/format';
import { initialRunState, type RunState } from '../../src/core/run/state';
import { reduceAll } from '../../src/core/run/reducer';
import type { RunEvent } from '../../src/core/run/events';

test('durations as tqdm prints them, rates as trainers say them, sizes in binary units', () => {
  assert.equal(formatDuration(0), '00:00');
  assert.equal(formatDuration(59.6), '01:00');
  assert.equal(formatDuration(3599), '59:59');
  assert.equal(formatDuration(3600 * 26 + 61), '26:01:01');
  for (const bad of [null, undefined, NaN, -1, Infinity]) assert.equal(formatDuration(bad), '?');
  // One formatter for every view, in the unit the `sdxl.speedUnit` setting picks (auto: s/it below one step a second).
  assert.equal(formatSpeed(0.4), '2.50 it/s');
  assert.equal(formatSpeed(2), '2.00 s/it');
  assert.equal(formatSpeed(2, 'it/s'), '0.50 it/s');
  assert.equal(formatSpeed(0.4, 's/it'), '0.40 s/it');
  assert.equal(formatSpeed(12.5), '12.5 s/it');
  for (const bad of [0, -1, null, undefined, NaN]) assert.equal(formatSpeed(bad), '–');
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(2.25 * 1024 ** 3), '2.3 GB');
  assert.equal(formatBytes(undefined), '');
});

test('a run in one line: progress, rate and ETA while training, the outcome after', () => {
  const s = (patch: Partial<RunState>): RunState => ({ ...initialRunState(), ...patch });
  // Speed and ETA come from the step times (here the event files' wall times, a step every 2 s), not tqdm's rate.
  const steps: RunEvent[] = [{ type: 'phase', phase: 'training' }];
  for (let i = 1; i <= 12; i++) {
    steps.push({ type: 'progress', step: i, total: 100, rateItPerSec: 5, remainingSec: 1 });
    steps.push({ type: 'scalar', tag: 'train_loss', step: i, value: 1, wallTime: 1000 + 2 * i });
  }
  assert.equal(describeRun(reduceAll(steps)), '12/100 · 2.00 s/it · ETA 02:56');
  assert.equal(describeRun(reduceAll(steps), 'it/s'), '12/100 · 0.50 it/s · ETA 02:56');
  assert.equal(
    describeRun(s({ state: 'training', step: 12, totalSteps: 100, rateItPerSec: 0.5, hang: { sinceSec: 605, typicalStepSec: 2 } })),
    '12/100 · stalled: no step for 10:05',
  );
  assert.equal(describeRun(s({ state: 'finished', step: 100 })), 'finished at step 100');
  assert.equal(
    describeRun(s({ state: 'failed', step: 24, failure: { class: 'cuda_oom', message: 'm', remedy: 'r' } })),
    'failed: Out of GPU memory at step 24',
  );
  assert.equal(describeRun(s({ state: 'stopped', step: null })), 'stopped');
  assert.equal(describeRun(s({ state: 'queued' })), 'queued');
  assert.equal(describeRun(s({ state: 'validating', step: 50, totalSteps: 100 })), 'validating · 50/100');
});

test('runs that share a name are told apart by their local creation time, with the date when not today', () => {
  const created = new Date(2026, 10, 28, 1, 42, 7); // local time, whatever the machine's zone
  assert.equal(runDisplayName('oom run', created.toISOString(), false), 'oom run');
  assert.equal(runDisplayName('oom run', created.toISOString(), true, new Date(2026, 10, 28, 23, 0)), 'oom run · 01:42:07');
  assert.equal(runDisplayName('oom run', created.toISOString(), true, new Date(2026, 10, 29, 0, 5)), 'oom run · 2026-11-28 01:42:07');
  assert.equal(runDisplayName('oom run', 'not a date', true), 'oom run');
});

test('countOf: a count with its noun, singular for one', () => {
  assert.equal(countOf(1, 'save'), '1 save');
  assert.equal(countOf(0, 'save'), '0 saves');
  assert.equal(countOf(3, 'validation'), '3 validations');
});
