// The Runs tree refreshes a run's row, and re-reads its checkpoints, only when runRowKey changes: every change the row
// or a checkpoint child shows must change it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reduce, reduceAll } from '../../src/core/run/reducer';
import type { CheckpointInfo, RunEvent } from '../../src/core/run/events';
import { runRowKey } from '../../src/core/view/runRow';

const scan = (...checkpoints: CheckpointInfo[]): RunEvent => ({ type: 'checkpointScan', checkpoints });
const ckpt = (step: number, complete: boolean, sizeBytes?: number): CheckpointInfo => ({
  step,
  path: `out/checkpoint-${step}`,
  complete,
  ...(sizeBytes !== undefined ? { sizeBytes } : {}),
});

test('a checkpoint pruned, completed, saving or grown on disk changes the row key; nothing else the same does not', () => {
  let s = reduceAll([
    { type: 'phase', phase: 'training' },
    { type: 'progress', step: 10, total: 100 },
    // The run's console announced these saves (a run's checkpoints are those it saved); scans say what is on disk.
    { type: 'checkpointSaved', step: 4, path: 'out/checkpoint-4' },
    { type: 'checkpointSaved', step: 8, path: 'out/checkpoint-8' },
    scan(ckpt(4, true, 100), ckpt(8, true, 100)),
  ]);
  const keys = new Set([runRowKey(s)]);
  const changes: [string, RunEvent][] = [
    ['checkpoints_total_limit pruned checkpoint-4', scan(ckpt(8, true, 100))],
    ['checkpoint-12 is being saved', { type: 'checkpointSaving', step: 12, path: 'out/checkpoint-12' }],
    ['checkpoint-12 found on disk, not complete yet', scan(ckpt(8, true, 100), ckpt(12, false, 10))],
    ['checkpoint-12 grew', scan(ckpt(8, true, 100), ckpt(12, false, 50))],
    ['checkpoint-12 complete', scan(ckpt(8, true, 100), ckpt(12, true, 100))],
    ['all deleted by hand', scan()],
  ];
  for (const [what, event] of changes) {
    s = reduce(s, event);
    const key = runRowKey(s);
    assert.ok(!keys.has(key), `${what}: the key must change (${key})`);
    keys.add(key);
  }
  assert.equal(runRowKey(reduce(s, scan())), runRowKey(s), 'the same checkpoints give the same key');
});
