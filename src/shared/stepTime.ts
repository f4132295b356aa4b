// Step ↔ wall-clock mapping through a run's `step_time` series (STEP_TIME_SERIES: `[step, wall ms]`), for the charts'
// time axes and the GPU chart's step axis. Pure: linear interpolation between the known points, clamped outside them.
import { lowerBound } from './series';

/** Ascending keys with their values (a series' columns); `n` points are in use. */
export interface Table {
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  n: number;
}

/** `ys` at `x`, interpolated between the neighbouring points of ascending `xs`; clamped to the first/last value. */
export function interpolate(t: Table, x: number): number | undefined {
  if (t.n === 0) return undefined;
  if (x <= t.xs[0]!) return t.ys[0]!;
  if (x >= t.xs[t.n - 1]!) return t.ys[t.n - 1]!;
  const j = lowerBound(t.xs, x, 0, t.n);
  const x1 = t.xs[j]!;
  const y1 = t.ys[j]!;
  if (x1 === x) return y1;
  const x0 = t.xs[j - 1]!;
  const y0 = t.ys[j - 1]!;
  return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
}

/** The step→time table flipped to time→step (times are ascending for one run: a resume re-logs later steps later). */
export function inverted(t: Table): Table {
  return { xs: t.ys, ys: t.xs, n: t.n };
}

/**
 * Maps ascending `xs[0..n)` through `t`, O(n + m) by walking both in order. The result never decreases (a clock set
 * back must not break the charts' binary searches), so it is a valid x column itself.
 */
export function mapAscending(xs: ArrayLike<number>, n: number, t: Table, out: Float64Array = new Float64Array(n)): Float64Array {
  let j = 0;
  let prev = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    let y: number;
    if (t.n === 0) y = NaN;
    else if (x <= t.xs[0]!) y = t.ys[0]!;
    else if (x >= t.xs[t.n - 1]!) y = t.ys[t.n - 1]!;
    else {
      while (j < t.n - 1 && t.xs[j + 1]! < x) j++;
      // t.xs[j] < x <= t.xs[j + 1]
      const x0 = t.xs[j]!;
      const x1 = t.xs[j + 1]!;
      y = x1 === x ? t.ys[j + 1]! : t.ys[j]! + ((t.ys[j + 1]! - t.ys[j]!) * (x - x0)) / (x1 - x0);
    }
    if (y < prev) y = prev;
    prev = y;
    out[i] = y;
  }
  return out;
}
