// A step-indexed series that is immutable to its readers yet cheap to grow: states share one buffer, and a state only
// appends in place when it owns the buffer's end, so replaying a long log through the pure reducer stays linear.
// The last point (`tail`) is kept outside the buffer because the console redraws the same step many times.

export interface Point {
  step: number;
  value: number;
  /** Seconds since the epoch (event files); absent for console values. */
  wallTime?: number;
}

export interface Series {
  /** Shared; only the first `len` entries belong to this series. Never mutate below `len`. */
  readonly buf: Point[];
  readonly len: number;
  readonly tail: Point | undefined;
}

// The empty buffer is frozen so that no series ever appends into it in place (appendShared copies frozen buffers).
export const EMPTY_SERIES: Series = Object.freeze({ buf: Object.freeze([]) as unknown as Point[], len: 0, tail: undefined });

/**
 * How to tell which of two values for a step is the newest:
 * - `stream`: the later one in the stream (console: a resumed run's values come after the old ones);
 * - `wallTime`: the larger wall time (event files, which may be read in any order).
 */
export type Recency = 'stream' | 'wallTime';

function newer(old: Point, p: Point, recency: Recency): boolean {
  if (recency === 'stream' || old.wallTime === undefined || p.wallTime === undefined) return true;
  return p.wallTime >= old.wallTime;
}

function appendShared(s: Series, p: Point): Series {
  // Push in place only when no other series can see past our end; otherwise copy once and own the new buffer.
  const buf = s.len === s.buf.length && !Object.isFrozen(s.buf) ? s.buf : s.buf.slice(0, s.len);
  buf.push(p);
  return { buf, len: s.len + 1, tail: s.tail };
}

/** Index of the first buffered point with step >= `step`. */
function lowerBound(s: Series, step: number): number {
  let lo = 0;
  let hi = s.len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s.buf[mid]!.step < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Puts one value, keeping one point per step (the newest). A newest value for an earlier step than the last one means
 * the run restarted from there (resume): later points are dropped, as the new run will produce its own.
 */
export function seriesPut(s: Series, p: Point, recency: Recency = 'stream'): Series {
  const tail = s.tail;
  if (!tail) return { buf: s.buf, len: s.len, tail: p };
  if (p.step === tail.step) return newer(tail, p, recency) ? { buf: s.buf, len: s.len, tail: p } : s;
  if (p.step > tail.step) return { ...appendShared(s, tail), tail: p };
  if (newer(tail, p, recency)) return { buf: s.buf, len: lowerBound(s, p.step), tail: p };
  // An older value for an earlier step (event files read out of order): insert or replace in a copy.
  const i = lowerBound(s, p.step);
  const existing = i < s.len ? s.buf[i] : undefined;
  if (existing && existing.step === p.step && !newer(existing, p, recency)) return s;
  const buf = s.buf.slice(0, s.len);
  buf.splice(i, existing && existing.step === p.step ? 1 : 0, p);
  return { buf, len: buf.length, tail };
}

/** Drops points with step > `step`. */
export function seriesTruncateAfter(s: Series, step: number): Series {
  if (s.tail && s.tail.step <= step) return s;
  const len = lowerBound(s, step + 1);
  if (len === 0) return EMPTY_SERIES;
  return { buf: s.buf, len: len - 1, tail: s.buf[len - 1] };
}

export function seriesPoints(s: Series): Point[] {
  const out = s.buf.slice(0, s.len);
  if (s.tail) out.push(s.tail);
  return out;
}

export function seriesLength(s: Series): number {
  return s.len + (s.tail ? 1 : 0);
}

export function seriesLast(s: Series): Point | undefined {
  return s.tail;
}

/** The point at exactly `step`, if any (binary search). */
export function seriesAt(s: Series, step: number): Point | undefined {
  if (s.tail?.step === step) return s.tail;
  const i = lowerBound(s, step);
  const p = i < s.len ? s.buf[i] : undefined;
  return p?.step === step ? p : undefined;
}
