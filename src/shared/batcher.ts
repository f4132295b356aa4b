// Host-side batching of dashboard deltas: a training run can log hundreds of values a second, while the webview only
// needs ~10 redraws a second. Deltas for the same run are merged (series appends concatenated, gallery and GPU lists
// appended, whole values such as the status, the notices, the checkpoints and the markers replaced by the later one) and
// sent at most once per interval. Pure: the clock and timer are injected.
import type { DeltaMessage } from './dashboardProtocol';

export interface BatcherClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: BatcherClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface DeltaBatcherOptions {
  /** Receives merged deltas, one per run with pending changes, in the order the runs first changed. */
  send: (delta: DeltaMessage) => void;
  /** Minimum ms between two sends; default 100 (10 updates/s). */
  intervalMs?: number;
  clock?: BatcherClock;
}

/** Merges `b` (later) into `a` (earlier) for the same run; returns a new delta and leaves both inputs untouched. */
export function mergeDeltas(a: DeltaMessage, b: DeltaMessage): DeltaMessage {
  if (a.runId !== b.runId) throw new Error(`mergeDeltas: run ids differ (${a.runId} vs ${b.runId})`);
  const out: DeltaMessage = { ...a };
  if (b.appendSeries) {
    const series = { ...(a.appendSeries ?? {}) };
    for (const [name, pts] of Object.entries(b.appendSeries)) {
      series[name] = series[name] ? series[name]!.concat(pts) : pts.slice();
    }
    out.appendSeries = series;
  }
  if (b.status) out.status = b.status;
  if (b.checkpoints) out.checkpoints = b.checkpoints;
  if (b.markers) out.markers = b.markers;
  for (const key of ['gallery', 'gpu'] as const) {
    const later = b[key];
    if (later) (out as unknown as Record<string, unknown[]>)[key] = [...(a[key] ?? []), ...later];
  }
  if (b.failure !== undefined) out.failure = b.failure;
  if (b.notices) out.notices = b.notices;
  if (b.simulated !== undefined) out.simulated = b.simulated;
  if (b.label !== undefined) out.label = b.label;
  if (b.labels !== undefined) out.labels = b.labels;
  if (b.ranks !== undefined) out.ranks = b.ranks;
  return out;
}

export class DeltaBatcher {
  private readonly pending = new Map<string, DeltaMessage>();
  private readonly send: (delta: DeltaMessage) => void;
  private readonly intervalMs: number;
  private readonly clock: BatcherClock;
  private lastSent = -Infinity;
  private timer: unknown;
  private disposed = false;

  constructor(options: DeltaBatcherOptions) {
    this.send = options.send;
    this.intervalMs = options.intervalMs ?? 100;
    this.clock = options.clock ?? systemClock;
  }

  /** Queues a delta; it goes out at once if nothing was sent in the last interval, else when the interval ends. */
  push(delta: DeltaMessage): void {
    if (this.disposed) return;
    const prev = this.pending.get(delta.runId);
    this.pending.set(delta.runId, prev ? mergeDeltas(prev, delta) : delta);
    const wait = this.lastSent + this.intervalMs - this.clock.now();
    if (wait <= 0) this.flush();
    else if (this.timer === undefined)
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, wait);
  }

  /** Sends everything pending now (e.g. before the host sends a `reset` or `init` that must come after). */
  flush(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    this.lastSent = this.clock.now();
    for (const d of batch) this.send(d);
  }

  /** Drops pending deltas without sending (they are obsolete after a full `init`). */
  discard(runId?: string): void {
    if (runId === undefined) this.pending.clear();
    else this.pending.delete(runId);
    if (this.pending.size === 0 && this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  get pendingRuns(): number {
    return this.pending.size;
  }

  dispose(): void {
    this.discard();
    this.disposed = true;
  }
}
