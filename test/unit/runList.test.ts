// How the run lists count, order and name runs: the status bar's live count, the Runs view's order, row labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLiveRun, runLabel, runsViewOrder, shownRunState } from '../../src/core/view/runList';
import { reduceAll } from '../../src/core/run/reducer';
import type { RunEvent } from '../../src/core/run/events';
import { initialRunState } from '../../src/core/run/state';
import type { RunStatus } from '../../src/core/supervisor/types';

const training: RunEvent[] = [
  { type: 'runInfo', script: 'lora', args: {} },
  { type: 'phase', phase: 'training' },
  { type: 'progress', step: 3, total: 10, rateItPerSec: 1, elapsedSec: 3, remainingSec: 7 },
];

test('the status bar counts only runs that run now; after a reload, old runs read from byte 0 look like training until their exit is read', () => {
  const notReadYet = initialRunState();
  const catchingUp = reduceAll(training); // a finished run whose console is still being re-read
  const finished = reduceAll([...training, { type: 'exit', code: 0, signal: null }]);
  const starting = reduceAll([
    { type: 'runInfo', script: 'lora', args: {} },
    { type: 'phase', phase: 'starting' },
  ]);
  const cases: Array<[RunStatus, typeof finished, boolean, string]> = [
    ['running', catchingUp, true, 'a running run'],
    ['starting', starting, true, 'a run starting'],
    ['succeeded', catchingUp, false, 'a finished run whose exit the monitor has not read yet'],
    ['failed', catchingUp, false, 'a failed run still being re-read'],
    ['stopped', catchingUp, false, 'a stopped run still being re-read'],
    ['running', finished, false, 'a run the monitor saw exit before the list was read again'],
    ['running', notReadYet, false, 'a run not read yet (nothing to show)'],
    ['queued', notReadYet, false, 'a queued run'],
    ['queued', starting, false, 'a queued run with a note (not started)'],
    ['queued', catchingUp, true, 'a run the queue started since the list was read'],
  ];
  for (const [record, state, live, what] of cases) assert.equal(isLiveRun(record, state), live, what);
  // Four records after a reload, one running: "(+3)" came from counting the others.
  const runs: Array<[RunStatus, typeof finished]> = [
    ['running', catchingUp],
    ['succeeded', catchingUp],
    ['failed', catchingUp],
    ['stopped', catchingUp],
  ];
  assert.equal(runs.filter(([r, s]) => isLiveRun(r, s)).length, 1);
});

test('the Runs view lists oldest first: a resumed run is added at the end, and no existing row moves under the cursor', () => {
  const before = [
    { id: 'b', createdAt: '2026-01-02T10:00:00.000Z' },
    { id: 'a', createdAt: '2026-01-01T10:00:00.000Z' },
  ];
  const order = runsViewOrder(before).map((r) => r.id);
  assert.deepEqual(order, ['a', 'b']);
  // Resuming b (the last row, where the cursor is on its Resume button) adds c after it: b keeps its place.
  const after = runsViewOrder([{ id: 'c', createdAt: '2026-01-03T09:00:00.000Z' }, ...before]).map((r) => r.id);
  assert.deepEqual(after, ['a', 'b', 'c']);
  assert.equal(after.indexOf('b'), order.indexOf('b'));
  // Same creation time: by id, so the order is stable.
  assert.deepEqual(
    runsViewOrder([
      { id: 'y', createdAt: 't' },
      { id: 'x', createdAt: 't' },
    ]).map((r) => r.id),
    ['x', 'y'],
  );
});

test('a stand-in run is marked as a simulation once, not twice when its name says so', () => {
  const at = '2026-01-01T10:00:00.000Z';
  assert.equal(runLabel('normal run', at, false, true), '[simulation] normal run');
  assert.equal(runLabel('squares LoRA (simulation)', at, false, true), 'squares LoRA (simulation)');
  assert.equal(runLabel('Simulated cats', at, false, true), 'Simulated cats');
  assert.equal(runLabel('real run', at, false, false), 'real run');
  const shared = runLabel('squares LoRA (simulation)', at, true, true, new Date(at));
  assert.equal(shared.match(/simulation/gi)?.length, 1, shared);
  assert.match(shared, /^squares LoRA \(simulation\) · \d\d:\d\d:\d\d$/);
});

test('an ended run shows as ended while its monitor is still re-reading it after a reload; a live one as its monitor says', () => {
  const replaying = { ...initialRunState(), state: 'training' as const, step: 40 };
  assert.equal(shownRunState('succeeded', replaying).state, 'finished');
  assert.equal(shownRunState('succeeded', replaying).step, 40);
  assert.equal(shownRunState('failed', replaying).state, 'failed');
  assert.equal(shownRunState('stopped', replaying).state, 'stopped');
  assert.equal(shownRunState('running', replaying), replaying);
  const failed = { ...initialRunState(), state: 'failed' as const };
  assert.equal(shownRunState('succeeded', failed), failed, "the monitor's own end is kept once it has read it");
});
