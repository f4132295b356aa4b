// The webview's run store is DOM-free, so its delta semantics are tested here in plain Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyRunView } from '../../src/shared/dashboardProtocol';
import { emaSmooth } from '../../src/shared/series';
import { Column, RunStore } from '../../webview/src/store';

const col = (c: Column) => Array.from(c.xs.subarray(0, c.n)).map((x, i) => [x, c.ys[i]]);

test('a resumed run re-logging steps replaces the stored tail', () => {
  const c = new Column();
  c.append([
    [1, 1],
    [2, 2],
    [3, 3],
    [4, 4],
  ]);
  c.append([
    [3, 30],
    [4, 40],
    [5, 50],
  ]);
  assert.deepEqual(col(c), [
    [1, 1],
    [2, 2],
    [3, 30],
    [4, 40],
    [5, 50],
  ]);
});

test('cached smoothing equals smoothing the whole series, across growth, tail replacement and weight changes', () => {
  const c = new Column();
  const pts = Array.from({ length: 3000 }, (_, i) => [i, Math.sin(i / 7)] as [number, number]);
  c.append(pts.slice(0, 1500));
  c.smooth(0.8);
  c.append(pts.slice(1500));
  c.append([[2990, 5]]);
  const ys = Array.from(c.ys.subarray(0, c.n));
  for (const w of [0.8, 0.3]) {
    const want = emaSmooth(ys, w);
    const got = c.smooth(w);
    for (let i = 0; i < c.n; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-12, `w=${w} i=${i}`);
  }
});

test('deltas upsert images, replace checkpoints and markers, and clear failures; unknown runs are ignored', () => {
  const s = new RunStore();
  s.setRun({ ...emptyRunView('r'), checkpoints: [{ step: 5, path: 'c5', complete: false }] });
  assert.equal(s.applyDelta({ type: 'delta', runId: 'nope', status: { outcome: 'running', step: 1 } }), false);
  s.applyDelta({
    type: 'delta',
    runId: 'r',
    status: { step: 7, outcome: 'running', etaSeconds: 30 },
    checkpoints: [{ step: 5, path: 'c5', complete: true }],
    gallery: [{ epoch: 0, index: 0, uri: 'a' }],
    markers: [{ step: 5, kind: 'checkpoint' }],
    failure: { class: 'nan_loss', message: 'm', remedy: 'r' },
  });
  s.applyDelta({
    type: 'delta',
    runId: 'r',
    gallery: [{ epoch: 0, index: 0, uri: 'b' }],
    markers: [
      { step: 5, kind: 'checkpoint' },
      { step: 6, kind: 'note' },
    ],
    status: { outcome: 'succeeded', step: 8 },
  });
  const v = s.runs.get('r')!.view;
  assert.deepEqual(v.checkpoints, [{ step: 5, path: 'c5', complete: true }]);
  assert.deepEqual(
    v.gallery.map((g) => g.uri),
    ['b'],
  );
  assert.equal(v.markers.length, 2);
  assert.deepEqual(v.status, { outcome: 'succeeded', step: 8 }, 'the status is replaced whole: the ETA of the running run goes');
  assert.equal(v.failure?.class, 'nan_loss');
  s.applyDelta({ type: 'delta', runId: 'r', failure: null });
  assert.equal(s.runs.get('r')!.view.failure, undefined);
});

test("a delta's checkpoints and markers replace the lists: removed checkpoints go, an empty list empties them", () => {
  const s = new RunStore();
  const ckpt = (step: number, complete = true) => ({ step, path: `out/checkpoint-${step}`, complete });
  s.setRun({
    ...emptyRunView('r'),
    checkpoints: [ckpt(5), ckpt(10)],
    markers: [
      { step: 5, kind: 'checkpoint' },
      { step: 10, kind: 'checkpoint' },
    ],
  });
  s.applyDelta({
    type: 'delta',
    runId: 'r',
    checkpoints: [ckpt(10), ckpt(15, false)],
    markers: [
      { step: 10, kind: 'checkpoint' },
      { step: 15, kind: 'checkpoint' },
    ],
  });
  const v = () => s.runs.get('r')!.view;
  assert.deepEqual(v().checkpoints, [ckpt(10), ckpt(15, false)]);
  assert.deepEqual(
    v().markers.map((m) => m.step),
    [10, 15],
  );
  s.applyDelta({ type: 'delta', runId: 'r', checkpoints: [], markers: [] });
  assert.deepEqual(v().checkpoints, []);
  assert.deepEqual(v().markers, []);
});
