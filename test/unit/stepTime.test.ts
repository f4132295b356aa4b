import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate, inverted, mapAscending, type Table } from '../../src/shared/stepTime';

// Steps 10, 20, 40 reached at 1000, 2000, 6000 ms.
const T: Table = { xs: [10, 20, 40], ys: [1000, 2000, 6000], n: 3 };

test('a step maps to its time, interpolated between known steps and clamped outside them', () => {
  assert.equal(interpolate(T, 20), 2000);
  assert.equal(interpolate(T, 15), 1500);
  assert.equal(interpolate(T, 30), 4000);
  assert.equal(interpolate(T, 1), 1000, 'before the first step: the first time');
  assert.equal(interpolate(T, 99), 6000, 'after the last step: the last time');
  assert.equal(interpolate({ xs: [], ys: [], n: 0 }, 5), undefined);
});

test('a time maps back to a step (the GPU chart on the step axis)', () => {
  const back = inverted(T);
  assert.equal(interpolate(back, 4000), 30);
  assert.equal(interpolate(back, 0), 10);
  assert.equal(interpolate(back, 1e9), 40);
});

test('mapAscending maps a whole column like interpolate, in one pass, and never decreases', () => {
  const xs = [1, 10, 12, 20, 21, 40, 50];
  const out = mapAscending(xs, xs.length, T);
  assert.deepEqual(
    Array.from(out),
    xs.map((x) => interpolate(T, x)!),
  );
  // A clock set back (a later step logged at an earlier time) must not make the x column go backwards.
  const skewed: Table = { xs: [1, 2, 3], ys: [100, 300, 200], n: 3 };
  const m = Array.from(mapAscending([1, 2, 2.5, 3], 4, skewed));
  for (let i = 1; i < m.length; i++) assert.ok(m[i]! >= m[i - 1]!, JSON.stringify(m));
  assert.equal(mapAscending([1, 2], 2, { xs: [], ys: [], n: 0 }).every(Number.isNaN), true);
});
