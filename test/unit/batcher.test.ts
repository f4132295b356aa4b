import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeltaBatcher, mergeDeltas, type BatcherClock } from '../../src/shared/batcher';
import type { DeltaMessage } from '../../src/shared/dashboardProtocol';

/** A manual clock: timers fire only when the test advances time. */
function fakeClock(): BatcherClock & { advance(ms: number): void; timers: number } {
  let now = 1000;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = next++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (h) => {
      timers.delete(h as number);
    },
    advance(ms: number) {
      now += ms;
      for (const [id, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at <= now) {
          timers.delete(id);
          t.fn();
        }
      }
    },
    get timers() {
      return timers.size;
    },
  };
}

const d = (runId: string, extra: Partial<DeltaMessage> = {}): DeltaMessage => ({ type: 'delta', runId, ...extra });

test('mergeDeltas concatenates appends and lists, and the later status, failure, checkpoints and markers win', () => {
  const a = d('r', {
    appendSeries: { train_loss: [[1, 0.5]] },
    status: { step: 1, outcome: 'running' },
    gpu: [{ t: 1, index: 0 }],
    markers: [{ step: 1, kind: 'checkpoint' }],
    checkpoints: [{ step: 1, path: 'c1', complete: true }],
  });
  const b = d('r', {
    appendSeries: { train_loss: [[2, 0.4]], lr: [[2, 1e-4]] },
    status: { step: 2, outcome: 'succeeded' },
    failure: null,
    gpu: [{ t: 2, index: 0 }],
    markers: [{ step: 2, kind: 'validation' }],
    checkpoints: [],
  });
  const m = mergeDeltas(a, b);
  assert.deepEqual(m.appendSeries, {
    train_loss: [
      [1, 0.5],
      [2, 0.4],
    ],
    lr: [[2, 1e-4]],
  });
  assert.deepEqual(m.status, { step: 2, outcome: 'succeeded' });
  assert.equal(m.failure, null);
  assert.equal(m.gpu!.length, 2);
  // Whole lists: checkpoint-1 was deleted between the two deltas, and its marker with it.
  assert.deepEqual(m.markers, [{ step: 2, kind: 'validation' }]);
  assert.deepEqual(m.checkpoints, []);
  assert.deepEqual(a.appendSeries, { train_loss: [[1, 0.5]] }, 'inputs are not modified');
  assert.throws(() => mergeDeltas(a, d('other')), /run ids differ/);
});

test('mergeDeltas keeps every part of the later delta (each DeltaMessage field is handled)', () => {
  // Required<>: a field added to DeltaMessage must be added here, and then merged, or this fails.
  const later: Required<DeltaMessage> = {
    type: 'delta',
    runId: 'r',
    appendSeries: { lr: [[2, 1e-4]] },
    status: { outcome: 'running', step: 2 },
    gallery: [{ epoch: 0, index: 0, uri: 'u' }],
    checkpoints: [{ step: 2, path: 'c', complete: true }],
    markers: [{ step: 2, kind: 'note' }],
    gpu: [{ t: 1, index: 0 }],
    failure: { class: 'nan_loss', message: 'm', remedy: 'r' },
    notices: ['n'],
    simulated: true,
    label: 'L',
    labels: { tags: ['t'], note: 'n' },
    ranks: { ranks: [{ rank: 1, state: 'failed', error: 'e', first: true }], processes: 2 },
  };
  for (const earlier of [
    d('r'),
    d('r', {
      notices: ['old'],
      label: 'old',
      status: { outcome: 'running', step: 1, etaSeconds: 9 },
      checkpoints: [{ step: 1, path: 'c1', complete: true }],
      markers: [{ step: 1, kind: 'checkpoint' }],
    }),
  ]) {
    const m = mergeDeltas(earlier, later);
    for (const key of Object.keys(later) as (keyof DeltaMessage)[]) {
      const v = m[key];
      const appended = key === 'gallery' || key === 'gpu';
      assert.deepEqual(appended ? (v as unknown[]).slice(-1) : v, later[key], `field ${key}`);
    }
  }
});

test('sends the first delta at once, then at most one merged batch per interval', () => {
  const clock = fakeClock();
  const sent: DeltaMessage[] = [];
  const b = new DeltaBatcher({ send: (x) => sent.push(x), intervalMs: 100, clock });
  b.push(d('r', { appendSeries: { train_loss: [[1, 1]] } }));
  assert.equal(sent.length, 1);
  for (let i = 2; i <= 50; i++) {
    clock.advance(1);
    b.push(d('r', { appendSeries: { train_loss: [[i, 1 / i]] } }));
  }
  assert.equal(sent.length, 1, 'nothing more within the interval');
  clock.advance(100);
  assert.equal(sent.length, 2);
  assert.deepEqual(
    sent[1]!.appendSeries!.train_loss!.map((p) => p[0]),
    Array.from({ length: 49 }, (_, i) => i + 2),
  );
  assert.equal(clock.timers, 0);
});

test('batches per run, and flush and discard control pending deltas', () => {
  const clock = fakeClock();
  const sent: DeltaMessage[] = [];
  const b = new DeltaBatcher({ send: (x) => sent.push(x), clock });
  b.push(d('a'));
  b.push(d('a', { status: { outcome: 'running', step: 3 } }));
  b.push(d('b', { status: { outcome: 'running', step: 9 } }));
  assert.equal(b.pendingRuns, 2);
  b.flush();
  assert.deepEqual(
    sent.slice(1).map((x) => x.runId),
    ['a', 'b'],
  );
  b.push(d('a', { status: { outcome: 'running', step: 4 } }));
  b.discard();
  clock.advance(1000);
  assert.equal(sent.length, 3);
  assert.equal(clock.timers, 0);
  b.dispose();
  b.push(d('a'));
  assert.equal(sent.length, 3, 'a disposed batcher sends nothing');
});
