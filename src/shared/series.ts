// Pure series helpers behind the dashboard charts: min/max downsampling (a spike is never hidden), TensorBoard-style
// debiased exponential smoothing, and quantiles for clipping outliers off the y axis. Columnar (xs, ys) variants
// exist because the webview keeps a million-step series in typed arrays, not in [step, value] tuples.
import type { Point } from './dashboardProtocol';

export interface XY {
  xs: number[];
  ys: number[];
}

/**
 * Downsamples `xs[from..to)` into at most `buckets` equal-width step ranges, keeping each bucket's minimum AND
 * maximum, in step order, so a single-step spike always survives. Non-finite values (NaN loss) are skipped.
 * `xs` must be ascending. When the range already has at most 2 × buckets points, they are returned unchanged.
 */
export function downsampleMinMaxXY(xs: ArrayLike<number>, ys: ArrayLike<number>, buckets: number, from = 0, to = xs.length): XY {
  const outX: number[] = [];
  const outY: number[] = [];
  from = Math.max(0, from);
  to = Math.min(xs.length, to);
  if (to <= from) return { xs: outX, ys: outY };
  buckets = Math.max(1, Math.floor(buckets));
  if (to - from <= 2 * buckets) {
    for (let i = from; i < to; i++) {
      if (Number.isFinite(ys[i]!)) {
        outX.push(xs[i]!);
        outY.push(ys[i]!);
      }
    }
    return { xs: outX, ys: outY };
  }
  const x0 = xs[from]!;
  const span = xs[to - 1]! - x0;
  const width = span > 0 ? span / buckets : 1;
  let i = from;
  while (i < to) {
    const b = Math.min(buckets - 1, Math.floor((xs[i]! - x0) / width));
    const end = b === buckets - 1 ? Infinity : x0 + (b + 1) * width;
    let minI = -1;
    let maxI = -1;
    for (; i < to && xs[i]! < end; i++) {
      const y = ys[i]!;
      if (!Number.isFinite(y)) continue;
      if (minI < 0 || y < ys[minI]!) minI = i;
      if (maxI < 0 || y > ys[maxI]!) maxI = i;
    }
    if (minI < 0) continue;
    const [a, c] = minI <= maxI ? [minI, maxI] : [maxI, minI];
    outX.push(xs[a]!);
    outY.push(ys[a]!);
    if (c !== a) {
      outX.push(xs[c]!);
      outY.push(ys[c]!);
    }
  }
  return { xs: outX, ys: outY };
}

/** `downsampleMinMaxXY` over `[step, value]` tuples. */
export function downsampleMinMax(points: readonly Point[], buckets: number): Point[] {
  const xs = new Float64Array(points.length);
  const ys = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    xs[i] = points[i]![0];
    ys[i] = points[i]![1];
  }
  const r = downsampleMinMaxXY(xs, ys, buckets);
  return r.xs.map((x, i) => [x, r.ys[i]!]);
}

/**
 * Incremental min/max downsampler for a series that only grows: O(1) amortised per point, memory bounded by
 * 2 × maxBuckets points. Buckets have a fixed step width that doubles (merging neighbours) whenever there would be
 * more than maxBuckets of them, so the result equals a min/max downsampling at the current width.
 */
export class MinMaxAccumulator {
  private width = 1;
  private origin: number | undefined;
  // One entry per bucket: bucket number, and the min and max points.
  private readonly bucket: number[] = [];
  private readonly minX: number[] = [];
  private readonly minY: number[] = [];
  private readonly maxX: number[] = [];
  private readonly maxY: number[] = [];

  constructor(private readonly maxBuckets: number) {
    if (!(maxBuckets >= 2)) throw new RangeError(`MinMaxAccumulator: maxBuckets must be >= 2, got ${maxBuckets}`);
  }

  push(x: number, y: number): void {
    if (!Number.isFinite(y) || !Number.isFinite(x)) return;
    if (this.origin === undefined) this.origin = x;
    const b = Math.floor((x - this.origin) / this.width);
    const last = this.bucket.length - 1;
    if (last >= 0 && this.bucket[last] === b) {
      if (y < this.minY[last]!) {
        this.minX[last] = x;
        this.minY[last] = y;
      }
      if (y > this.maxY[last]!) {
        this.maxX[last] = x;
        this.maxY[last] = y;
      }
      return;
    }
    this.bucket.push(b);
    this.minX.push(x);
    this.minY.push(y);
    this.maxX.push(x);
    this.maxY.push(y);
    if (this.bucket.length > this.maxBuckets) this.coarsen();
  }

  /** The downsampled series: each bucket's min and max in step order. */
  points(): XY {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < this.bucket.length; i++) {
      const minFirst = this.minX[i]! <= this.maxX[i]!;
      const ax = minFirst ? this.minX[i]! : this.maxX[i]!;
      const ay = minFirst ? this.minY[i]! : this.maxY[i]!;
      const cx = minFirst ? this.maxX[i]! : this.minX[i]!;
      const cy = minFirst ? this.maxY[i]! : this.minY[i]!;
      xs.push(ax);
      ys.push(ay);
      if (cx !== ax) {
        xs.push(cx);
        ys.push(cy);
      }
    }
    return { xs, ys };
  }

  private coarsen(): void {
    this.width *= 2;
    let w = -1;
    for (let r = 0; r < this.bucket.length; r++) {
      const b = Math.floor(this.bucket[r]! / 2);
      if (w >= 0 && this.bucket[w] === b) {
        if (this.minY[r]! < this.minY[w]!) {
          this.minX[w] = this.minX[r]!;
          this.minY[w] = this.minY[r]!;
        }
        if (this.maxY[r]! > this.maxY[w]!) {
          this.maxX[w] = this.maxX[r]!;
          this.maxY[w] = this.maxY[r]!;
        }
        continue;
      }
      w++;
      this.bucket[w] = b;
      this.minX[w] = this.minX[r]!;
      this.minY[w] = this.minY[r]!;
      this.maxX[w] = this.maxX[r]!;
      this.maxY[w] = this.maxY[r]!;
    }
    const n = w + 1;
    for (const a of [this.bucket, this.minX, this.minY, this.maxX, this.maxY]) a.length = n;
  }
}

/** Running state of an exponential moving average, so smoothing a growing series costs only the new points. */
export interface EmaState {
  last: number;
  count: number;
}

export function newEmaState(): EmaState {
  return { last: 0, count: 0 };
}

/**
 * TensorBoard's scalar smoothing: an exponential moving average started at 0 and debiased by 1 − weight^n, so the
 * first points are not dragged toward zero. Non-finite values pass through unsmoothed and do not disturb the average.
 * `weight` in [0, 1): 0 = no smoothing. Pass `state` (and `out`) to continue a previous call over appended values.
 */
export function emaSmooth(
  values: ArrayLike<number>,
  weight: number,
  state: EmaState = newEmaState(),
  from = 0,
  out?: number[] | Float64Array,
): number[] | Float64Array {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`emaSmooth: weight must be in [0, 1), got ${weight}`);
  const result = out ?? new Array<number>(values.length - from);
  const offset = out ? 0 : from;
  let { last, count } = state;
  // weight^count, kept by multiplication since Math.pow per point would dominate the loop; flushed to 0 once it no
  // longer changes 1 - pow, before it decays into (very slow) denormal numbers.
  let pow = Math.pow(weight, count);
  if (pow < 1e-20) pow = 0;
  for (let i = from; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      result[i - offset] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    count++;
    if (pow !== 0) {
      pow *= weight;
      if (pow < 1e-20) pow = 0;
    }
    result[i - offset] = weight === 0 ? v : last / (1 - pow);
  }
  state.last = last;
  state.count = count;
  return result;
}

/**
 * The q-quantile (0..1) of the finite values in `values[from..to)`, by linear interpolation between order
 * statistics; undefined when there is none. O(n) expected (quickselect on a copy).
 */
export function quantile(values: ArrayLike<number>, q: number, from = 0, to = values.length): number | undefined {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  const a = new Float64Array(Math.max(0, to - from));
  let n = 0;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) a[n++] = v;
  }
  if (n === 0) return undefined;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const vLo = select(a, n, lo);
  if (lo === pos) return vLo;
  // After select, everything above index lo is >= a[lo]; the next order statistic is their minimum.
  let vHi = Infinity;
  for (let i = lo + 1; i < n; i++) if (a[i]! < vHi) vHi = a[i]!;
  return vLo + (vHi - vLo) * (pos - lo);
}

/** k-th smallest of a[0..n), partially reordering `a` (Hoare quickselect with a median-of-three pivot). */
function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    const pivot = median3(a[lo]!, a[mid]!, a[hi]!);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}

/**
 * A y range that leaves out outliers: the [lowQ, highQ] quantiles widened by `pad` of their span. Spikes above the
 * range are still plotted (they run off the top), they just no longer squash the rest of the curve.
 */
export function clippedRange(values: ArrayLike<number>, lowQ = 0.01, highQ = 0.99, pad = 0.1, from = 0, to = values.length): [number, number] | undefined {
  const lo = quantile(values, lowQ, from, to);
  const hi = quantile(values, highQ, from, to);
  if (lo === undefined || hi === undefined) return undefined;
  const span = hi - lo || Math.abs(hi) || 1;
  return [lo - span * pad, hi + span * pad];
}

/** Index of the first element of ascending `xs` that is >= x (binary search). */
export function lowerBound(xs: ArrayLike<number>, x: number, from = 0, to = xs.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
