import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clippedRange, downsampleMinMax, downsampleMinMaxXY, emaSmooth, lowerBound, MinMaxAccumulator, newEmaState, quantile } from '../../src/shared/series';
import type { Point } from '../../src/shared/dashboardProtocol';

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

test('downsampleMinMax keeps a single-step spike and dip among 1,000,000 points', () => {
  const n = 1_000_000;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const r = rng(3);
  for (let i = 0; i < n; i++) {
    xs[i] = i;
    ys[i] = 1 + r() * 0.1;
  }
  ys[777_777] = 50;
  ys[123_457] = -5;
  const out = downsampleMinMaxXY(xs, ys, 500);
  assert.ok(out.xs.length <= 1000, `at most 2 points per bucket, got ${out.xs.length}`);
  assert.equal(Math.max(...out.ys), 50);
  assert.equal(out.xs[out.ys.indexOf(50)], 777_777);
  assert.equal(Math.min(...out.ys), -5);
  for (let i = 1; i < out.xs.length; i++) assert.ok(out.xs[i]! > out.xs[i - 1]!, 'output stays in step order');
});

test('downsampleMinMax returns short series unchanged and skips non-finite values', () => {
  const pts: Point[] = [
    [0, 1],
    [1, NaN],
    [2, 3],
  ];
  assert.deepEqual(downsampleMinMax(pts, 10), [
    [0, 1],
    [2, 3],
  ]);
  assert.deepEqual(downsampleMinMax([], 10), []);
});

test('downsampleMinMax over a sub-range only looks at that range', () => {
  const xs = Array.from({ length: 1000 }, (_, i) => i);
  const ys = xs.map((x) => (x === 10 ? 99 : x === 900 ? -99 : 0));
  const out = downsampleMinMaxXY(xs, ys, 20, 500, 1000);
  assert.ok(out.xs.every((x) => x >= 500));
  assert.ok(!out.ys.includes(99));
  assert.ok(out.ys.includes(-99));
});

test('each bucket contributes its min and max and every output point is an input point', () => {
  const r = rng(11);
  const pts: Point[] = Array.from({ length: 5000 }, (_, i) => [i * 2, r()]);
  const out = downsampleMinMax(pts, 37);
  const byStep = new Map(pts.map(([x, y]) => [x, y]));
  for (const [x, y] of out) assert.equal(byStep.get(x), y);
  assert.equal(Math.max(...out.map((p) => p[1])), Math.max(...pts.map((p) => p[1])));
  assert.equal(Math.min(...out.map((p) => p[1])), Math.min(...pts.map((p) => p[1])));
});

test('MinMaxAccumulator stays bounded and keeps extremes when fed incrementally', () => {
  const acc = new MinMaxAccumulator(100);
  const r = rng(5);
  let max = -Infinity;
  let min = Infinity;
  for (let i = 0; i < 200_000; i++) {
    const y = i === 150_001 ? 1000 : r();
    max = Math.max(max, y);
    min = Math.min(min, y);
    acc.push(i, y);
  }
  const out = acc.points();
  assert.ok(out.xs.length <= 200);
  assert.equal(Math.max(...out.ys), max);
  assert.equal(Math.min(...out.ys), min);
  assert.equal(out.xs[out.ys.indexOf(1000)], 150_001);
  assert.throws(() => new MinMaxAccumulator(1), /maxBuckets/);
});

test('emaSmooth matches TensorBoard debiased smoothing', () => {
  const values = [1, 2, 3, 4];
  const w = 0.5;
  // TensorBoard: last = last*w + (1-w)*v; smoothed = last / (1 - w^n)
  let last = 0;
  const expected = values.map((v, i) => {
    last = last * w + (1 - w) * v;
    return last / (1 - w ** (i + 1));
  });
  const got = Array.from(emaSmooth(values, w));
  got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-12, `index ${i}: ${v} vs ${expected[i]}`));
  assert.equal(emaSmooth([7, 7, 7], 0.9)[0], 7, 'the first smoothed value is not pulled toward 0');
  assert.deepEqual(Array.from(emaSmooth([1, 5, 2], 0)), [1, 5, 2]);
  assert.throws(() => emaSmooth([1], 1), /weight/);
});

test('emaSmooth continues from a saved state exactly as in one pass, passing NaN through', () => {
  const r = rng(9);
  const values = Array.from({ length: 100 }, (_, i) => (i === 40 ? NaN : r()));
  const whole = Array.from(emaSmooth(values, 0.8));
  const state = newEmaState();
  const out = new Float64Array(100);
  emaSmooth(values.slice(0, 60), 0.8, state, 0, out);
  emaSmooth(values, 0.8, state, 60, out);
  out.forEach((v, i) => assert.ok(Object.is(v, whole[i]) || Math.abs(v - whole[i]!) < 1e-12, `index ${i}`));
  assert.ok(Number.isNaN(whole[40]));
  assert.ok(Number.isFinite(whole[41]));
});

test('quantile interpolates like numpy and ignores non-finite values', () => {
  const r = rng(17);
  const values = Array.from({ length: 1001 }, () => r() * 100);
  const sorted = [...values].sort((a, b) => a - b);
  for (const q of [0, 0.01, 0.25, 0.5, 0.9, 0.99, 1]) {
    const pos = q * (sorted.length - 1);
    const lo = Math.floor(pos);
    const want = sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (pos - lo);
    assert.ok(Math.abs(quantile(values, q)! - want) < 1e-9, `q=${q}`);
  }
  assert.equal(quantile([NaN, Infinity, 2], 0.5), 2);
  assert.equal(quantile([], 0.5), undefined);
  assert.throws(() => quantile([1], 2), /q must be/);
});

test('clippedRange leaves a lone spike outside the axis range', () => {
  const values = Array.from({ length: 1000 }, (_, i) => 1 + (i % 10) * 0.01);
  values[500] = 1000;
  const [lo, hi] = clippedRange(values)!;
  assert.ok(lo < 1 && hi > 1.09 && hi < 2, `range ${lo}..${hi}`);
});

test('lowerBound finds the first element not below x', () => {
  const xs = [1, 3, 3, 5];
  assert.equal(lowerBound(xs, 0), 0);
  assert.equal(lowerBound(xs, 3), 1);
  assert.equal(lowerBound(xs, 4), 3);
  assert.equal(lowerBound(xs, 9), 4);
});
