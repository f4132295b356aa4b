// The webview's copy of the run data, built from `init`/`runData` and kept current by `delta`s. Series are held in
// growable typed arrays with their smoothed values cached, so a delta costs only its own points.
import type { DeltaMessage, GalleryImageView, GpuSampleView, Point, RunView } from '../../src/shared/dashboardProtocol';
import { emaSmooth, lowerBound, newEmaState, type EmaState } from '../../src/shared/series';

export class Column {
  xs = new Float64Array(1024);
  ys = new Float64Array(1024);
  n = 0;
  /** How many times a resumed run replaced the tail: caches of values derived from the column check it. */
  rewrites = 0;
  private smoothed = new Float64Array(1024);
  private smoothedN = 0;
  private weight = -1;
  private ema: EmaState = newEmaState();

  append(points: readonly Point[]): void {
    for (const [x, y] of points) {
      // A step at or before the last one means the run resumed and re-logs those steps: the new values replace the tail.
      if (this.n > 0 && x <= this.xs[this.n - 1]!) {
        this.n = lowerBound(this.xs, x, 0, this.n);
        this.rewrites++;
        if (this.smoothedN > this.n) this.smoothedN = 0;
      }
      if (this.n === this.xs.length) this.grow();
      this.xs[this.n] = x;
      this.ys[this.n] = y;
      this.n++;
    }
  }

  /** Smoothed values for [0, n), computed incrementally unless the weight changed. */
  smooth(weight: number): Float64Array {
    if (weight !== this.weight || this.smoothedN === 0) {
      this.weight = weight;
      this.smoothedN = 0;
      this.ema = newEmaState();
    }
    if (this.smoothedN < this.n) {
      emaSmooth(this.ys.subarray(0, this.n), weight, this.ema, this.smoothedN, this.smoothed);
      this.smoothedN = this.n;
    }
    return this.smoothed;
  }

  last(): number | undefined {
    return this.n > 0 ? this.ys[this.n - 1] : undefined;
  }

  private grow(): void {
    const size = this.xs.length * 2;
    for (const key of ['xs', 'ys', 'smoothed'] as const) {
      const a = new Float64Array(size);
      a.set(this[key]);
      this[key] = a;
    }
  }
}

export interface RunData {
  view: Omit<RunView, 'series'>;
  columns: Map<string, Column>;
  /** The store's version when the gallery last changed: the samples grid redraws only when it moves. */
  galleryRev: number;
}

/** Upserts by (epoch, index) through a key map: hundreds of validations × 4 images must not cost a scan per image. */
function upsertImages(list: GalleryImageView[], items: readonly GalleryImageView[]): void {
  const at = new Map<string, number>();
  list.forEach((g, i) => at.set(`${g.epoch}/${g.index}`, i));
  for (const item of items) {
    const k = `${item.epoch}/${item.index}`;
    const i = at.get(k);
    if (i !== undefined) list[i] = item;
    else at.set(k, list.push(item) - 1);
  }
}

export class RunStore {
  readonly runs = new Map<string, RunData>();
  /** Increases on every change, so views can skip work when nothing moved. */
  version = 0;

  setRun(run: RunView): void {
    const { series, ...view } = run;
    const data: RunData = {
      view: { ...view, gallery: [...view.gallery], checkpoints: [...view.checkpoints], markers: [...view.markers], gpu: [...view.gpu] },
      columns: new Map(),
      galleryRev: this.version + 1,
    };
    for (const [name, pts] of Object.entries(series)) {
      const c = new Column();
      c.append(pts);
      data.columns.set(name, c);
    }
    this.runs.set(run.id, data);
    this.version++;
  }

  reset(runId?: string): void {
    if (runId === undefined) this.runs.clear();
    else this.runs.delete(runId);
    this.version++;
  }

  /** Applies a delta; false when the run is unknown (the delta is then ignored). */
  applyDelta(d: DeltaMessage): boolean {
    const run = this.runs.get(d.runId);
    if (!run) return false;
    const v = run.view;
    for (const [name, pts] of Object.entries(d.appendSeries ?? {})) {
      let c = run.columns.get(name);
      if (!c) {
        c = new Column();
        run.columns.set(name, c);
      }
      c.append(pts);
    }
    if (d.status) v.status = d.status;
    if (d.gallery) {
      upsertImages(v.gallery, d.gallery);
      run.galleryRev = this.version + 1;
    }
    // Whole lists: a checkpoint deleted on disk (pruned by checkpoints_total_limit, or by hand) goes with its marker.
    if (d.checkpoints) v.checkpoints = d.checkpoints.slice();
    if (d.markers) v.markers = d.markers.slice();
    // A loop, not push(...list): a long list would overflow the argument stack.
    for (const g of d.gpu ?? []) v.gpu.push(g as GpuSampleView);
    if (d.failure === null) delete v.failure;
    else if (d.failure) v.failure = d.failure;
    if (d.notices) v.notices = d.notices;
    if (d.simulated !== undefined) v.simulated = d.simulated;
    if (d.label !== undefined) v.label = d.label;
    if (d.ranks) v.ranks = d.ranks;
    if (d.labels) {
      v.tags = d.labels.tags.slice();
      if (d.labels.note !== undefined) v.note = d.labels.note;
      else delete v.note;
    }
    this.version++;
    return true;
  }
}
