// A uPlot chart of series over training steps, for several runs at once: loss (raw points faint behind a smoothed
// line), learning rate, seconds per step. Only the visible step range is drawn, min/max-downsampled to the chart's
// pixel width, so a million-step run redraws in milliseconds and a single-step spike is never lost.
import uPlot from 'uplot';
import type { MarkerKind, StepChartSpec } from '../../src/shared/dashboardProtocol';
import { clippedRange, downsampleMinMaxXY, lowerBound } from '../../src/shared/series';
import { h, clear, formatNumber } from './dom';
import type { Column, RunData } from './store';
import type { Range, UiState } from './state';
import { fitAxisSize } from './axisSize';
import { runStroke, withAlpha, type ChartTheme } from './theme';
import { post } from './vscodeApi';

/** What a chart shows: the shared table's spec (`smoothing`: a smoothed line over faint raw points, log scale and
 * outlier clipping apply, as on the loss chart). */
export type StepChartOptions = StepChartSpec;

export interface ChartRun {
  data: RunData;
  colorIndex: number;
}

interface Line {
  run: RunData;
  name: string;
  column: Column;
  smoothed: boolean;
  color: string;
  /** A run's dash once the palette went round (theme.ts runStroke). */
  runDash?: number[];
}

const MARKER_COLOR: Record<MarkerKind, number> = { checkpoint: 2, validation: 3, resume: 4, note: -1 };
const SAMPLE_LIMIT = 20000;
/** How long a click waits to be sure it is not the first half of a double-click (which resets the zoom). */
const DOUBLE_CLICK_MS = 300;

export class StepChart {
  readonly el: HTMLElement;
  private readonly plotEl: HTMLElement;
  private readonly readoutEl: HTMLElement;
  private readonly emptyEl: HTMLElement;
  private u: uPlot | undefined;
  private key = '';
  private lines: Line[] = [];
  private runs: ChartRun[] = [];
  private ui!: UiState;
  private theme!: ChartTheme;
  private yRange: Range | undefined;
  private full: Range | undefined;
  private internal = false;
  private pending = 0;
  private lastWidth = 0;
  /** Where the last mouse press was: a click that moved is a zoom or pan, not a pick. */
  private downAt: [number, number] | undefined;
  private pickTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly opts: StepChartOptions,
    private readonly onZoom: (id: string, r: Range | undefined) => void,
  ) {
    const titleId = `chart-${opts.id}-title`;
    this.readoutEl = h('div', { class: 'readout', id: `chart-${opts.id}-readout` });
    this.emptyEl = h('p', { class: 'empty' }, 'No data yet.');
    this.plotEl = h('div', {
      class: 'plot',
      tabindex: 0,
      role: 'group',
      'aria-labelledby': titleId,
      'aria-describedby': `chart-${opts.id}-readout`,
      'aria-roledescription': 'chart',
      title: 'Click a step to open the console log there. Drag to zoom, Shift+drag or arrow keys to pan, +/- to zoom, double-click or 0 to reset',
    });
    this.el = h(
      'section',
      { class: 'chart', 'data-chart': opts.id, 'aria-labelledby': titleId },
      h('h3', { id: titleId }, opts.title),
      this.emptyEl,
      this.plotEl,
      this.readoutEl,
    );
    this.plotEl.addEventListener('keydown', (e) => this.onKey(e));
    this.plotEl.addEventListener('mousedown', (e) => this.onPanStart(e), { capture: true });
    this.plotEl.addEventListener('mousedown', (e) => {
      this.downAt = [e.clientX, e.clientY];
    });
    this.plotEl.addEventListener('click', (e) => this.onClick(e));
    new ResizeObserver(() => {
      const w = this.plotEl.clientWidth;
      if (w > 0 && w !== this.lastWidth) this.schedule();
    }).observe(this.plotEl);
  }

  update(runs: ChartRun[], ui: UiState, theme: ChartTheme): void {
    this.runs = runs;
    this.ui = ui;
    this.theme = theme;
    this.schedule();
  }

  /** Redraws now (tests and the first paint); normally redraws are coalesced to one per frame. */
  renderNow(): void {
    if (this.pending) {
      cancelAnimationFrame(this.pending);
      this.pending = 0;
    }
    this.render();
  }

  /** Forces a new uPlot instance (theme change). */
  invalidate(): void {
    this.key = '';
    this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.render();
    });
  }

  private buildLines(): Line[] {
    const lines: Line[] = [];
    const single = this.runs.length === 1;
    for (const { data, colorIndex } of this.runs) {
      this.opts.seriesNames.forEach((name, si) => {
        const column = data.columns.get(name);
        if (!column || column.n === 0) return;
        // One run: a colour per series. Several runs: a colour per run, the series told apart by dash.
        const { color, dash } = runStroke(single ? si : colorIndex, this.theme.palette);
        const runDash = single ? undefined : dash;
        if (this.opts.smoothing) lines.push({ run: data, name, column, smoothed: false, color, ...(runDash ? { runDash } : {}) });
        lines.push({ run: data, name, column, smoothed: this.opts.smoothing, color, ...(runDash ? { runDash } : {}) });
      });
    }
    return lines;
  }

  private render(): void {
    if (!this.ui) return;
    const width = this.plotEl.clientWidth;
    this.lines = this.buildLines();
    const hasData = this.lines.length > 0;
    this.emptyEl.hidden = hasData;
    this.plotEl.hidden = !hasData;
    if (!hasData || width === 0) {
      if (!hasData) {
        this.u?.destroy();
        this.u = undefined;
        this.key = '';
        this.setStats(0, undefined);
      }
      // The read-out names only the series now shown: an emptied chart keeps none of the previous run's values.
      if (hasData) this.showReadout(null);
      else clear(this.readoutEl);
      return;
    }
    this.lastWidth = width;
    let fmin = Infinity;
    let fmax = -Infinity;
    for (const l of this.lines) {
      fmin = Math.min(fmin, l.column.xs[0]!);
      fmax = Math.max(fmax, l.column.xs[l.column.n - 1]!);
    }
    if (fmax <= fmin) fmax = fmin + 1;
    this.full = [fmin, fmax];
    const zoom = this.ui.zoom[this.opts.id];
    const view: Range = zoom ? [Math.max(fmin, zoom[0]), Math.min(fmax, zoom[1])] : [fmin, fmax];
    if (view[1] <= view[0]) {
      view[0] = fmin;
      view[1] = fmax;
    }
    const buckets = Math.max(50, Math.floor(width / 2));
    const log = this.opts.smoothing && this.ui.logScale;

    const tables: uPlot.AlignedData[] = [];
    let points = 0;
    let plottedMax: number | undefined;
    const samples: number[] = [];
    for (const l of this.lines) {
      const c = l.column;
      // One point either side of the view keeps the lines running to the chart's edges.
      const i0 = Math.max(0, lowerBound(c.xs, view[0], 0, c.n) - 1);
      const i1 = Math.min(c.n, lowerBound(c.xs, view[1], 0, c.n) + 1);
      const ys = l.smoothed ? c.smooth(this.ui.smoothing) : c.ys;
      const ds = downsampleMinMaxXY(c.xs, ys, buckets, i0, i1);
      const outY: (number | null)[] = log ? ds.ys.map((y) => (y > 0 ? y : null)) : ds.ys;
      tables.push([ds.xs, outY]);
      if (!l.smoothed) {
        points += ds.xs.length;
        for (const y of ds.ys) if (plottedMax === undefined || y > plottedMax) plottedMax = y;
        if (this.opts.smoothing && this.ui.clipOutliers) {
          const stride = Math.max(1, Math.ceil((i1 - i0) / (SAMPLE_LIMIT / this.lines.length)));
          for (let i = i0; i < i1; i += stride) {
            const y = c.ys[i]!;
            if (!log) samples.push(y);
            else if (y > 0) samples.push(Math.log10(y));
          }
        }
      }
    }
    const clip = samples.length > 10 ? clippedRange(samples, 0.01, 0.99, 0.15) : undefined;
    this.yRange = clip && log ? [10 ** clip[0], 10 ** clip[1]] : clip;
    const data = tables.length === 1 ? tables[0]! : uPlot.join(tables);

    const key = [this.lines.map((l) => `${l.run.view.id}/${l.name}/${l.smoothed}/${l.color}`).join('|'), log, this.theme.fg].join('#');
    if (key !== this.key || !this.u) {
      this.u?.destroy();
      this.key = key;
      this.u = new uPlot(this.options(width, log), data, this.plotEl);
    } else {
      this.u.setData(data, false);
      if (this.u.width !== width) this.u.setSize({ width, height: this.opts.height ?? 240 });
    }
    this.internal = true;
    try {
      this.u.setScale('x', { min: view[0], max: view[1] });
    } finally {
      this.internal = false;
    }
    this.setStats(points, plottedMax);
    this.showReadout(null);
  }

  private setStats(points: number, max: number | undefined): void {
    // Read by the browser test; harmless for users.
    this.el.dataset.points = String(points);
    this.el.dataset.plottedMax = max === undefined ? '' : String(max);
    // Per series of the first shown run: how many steps the webview holds and the first/last one, so the e2e test
    // can tell a complete series (no gap after a window reload) from one that lost steps.
    const first = this.runs[0]?.data;
    const series: Record<string, { n: number; first: number; last: number }> = {};
    for (const l of this.lines) {
      if (l.run !== first || l.smoothed) continue;
      const c = l.column;
      series[l.name] = { n: c.n, first: c.xs[0]!, last: c.xs[c.n - 1]! };
    }
    this.el.dataset.series = JSON.stringify(series);
  }

  private options(width: number, log: boolean): uPlot.Options {
    const t = this.theme;
    const axis = (label: string): uPlot.Axis => ({
      label,
      stroke: t.fg,
      font: t.font,
      labelFont: t.font,
      grid: { stroke: t.grid, width: 1 },
      ticks: { stroke: t.grid, width: 1 },
      size: 52,
    });
    return {
      width,
      height: this.opts.height ?? 240,
      legend: { show: false },
      scales: {
        x: { time: false },
        y: {
          distr: log ? 3 : 1,
          range: (_u, min, max) => {
            if (this.yRange) return this.yRange;
            if (min == null || max == null || !Number.isFinite(min) || !Number.isFinite(max)) return log ? [1e-3, 1] : [0, 1];
            return log ? uPlot.rangeLog(min, max, 10, true) : uPlot.rangeNum(min, max, 0.1, true);
          },
        },
      },
      axes: [axis('step'), { ...axis(this.opts.yLabel), size: fitAxisSize(t.font), values: (_u, vals) => vals.map((v) => formatNumber(v, 3)) }],
      series: [
        { label: 'step' },
        ...this.lines.map((l): uPlot.Series => {
          const dashed = l.name === 'step_loss' && this.runs.length > 1;
          const faint = this.opts.smoothing && !l.smoothed;
          return {
            label: `${l.run.view.label} ${l.name}${faint ? ' (raw)' : ''}`,
            stroke: faint ? withAlpha(l.color, t.highContrast ? 0.45 : 0.2) : l.color,
            width: faint ? 1 : 2,
            ...(dashed ? { dash: [6, 4] } : l.runDash ? { dash: l.runDash } : {}),
            spanGaps: true,
            points: { show: false },
          };
        }),
      ],
      cursor: {
        sync: { key: 'sdxl-steps' },
        drag: { x: true, y: false, setScale: true },
        points: { show: false },
        bind: {
          dblclick: () => () => {
            this.setZoom(undefined);
            return null;
          },
        },
      },
      hooks: {
        setScale: [
          (u, key) => {
            if (key !== 'x' || this.internal) return;
            const min = u.scales.x!.min;
            const max = u.scales.x!.max;
            if (min != null && max != null && max > min) this.setZoom([min, max]);
          },
        ],
        draw: [(u) => this.drawMarkers(u)],
        setCursor: [(u) => this.showReadout(u.cursor.idx ?? null)],
      },
    };
  }

  private setZoom(r: Range | undefined): void {
    const full = this.full;
    if (r && full && r[0] <= full[0] && r[1] >= full[1]) r = undefined;
    this.onZoom(this.opts.id, r);
    this.schedule();
  }

  private drawMarkers(u: uPlot): void {
    if (!this.opts.markers) return;
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.lineWidth = Math.max(1, devicePixelRatio);
    ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
    for (const { data } of this.runs) {
      for (const m of data.view.markers) {
        const x = u.valToPos(m.step, 'x', true);
        if (x < left || x > left + width) continue;
        const ci = MARKER_COLOR[m.kind];
        ctx.strokeStyle = ci < 0 ? this.theme.muted : this.theme.palette[ci % this.theme.palette.length]!;
        ctx.beginPath();
        ctx.moveTo(Math.round(x) + 0.5, top);
        ctx.lineTo(Math.round(x) + 0.5, top + height);
        ctx.stroke();
      }
    }
    ctx.restore();
  }

  /** The hover read-out: the exact raw (and smoothed) values of each series at the step under the cursor, or the latest. */
  private showReadout(idx: number | null): void {
    const u = this.u;
    clear(this.readoutEl);
    const x = u && idx != null ? (u.data[0][idx] as number | undefined) : undefined;
    const parts: HTMLElement[] = [h('span', { class: 'readout-step' }, x === undefined ? 'latest' : `step ${Math.round(x)}`)];
    for (const l of this.lines) {
      if (this.opts.smoothing && !l.smoothed) continue;
      const c = l.column;
      let j = c.n - 1;
      if (x !== undefined) {
        j = lowerBound(c.xs, x, 0, c.n);
        if (j >= c.n || (j > 0 && x - c.xs[j - 1]! < c.xs[j]! - x)) j--;
      }
      if (j < 0) continue;
      const raw = c.ys[j]!;
      const who = this.runs.length > 1 ? `${l.run.view.label} · ${l.name}` : l.name;
      const value = l.smoothed ? `${formatNumber(raw)} (smoothed ${formatNumber(c.smooth(this.ui.smoothing)[j]!)})` : formatNumber(raw);
      const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
      swatch.style.background = l.color;
      parts.push(h('span', { class: 'readout-item' }, swatch, `${who}: ${value}`));
    }
    if (this.opts.markers) {
      parts.push(h('span', { class: 'readout-legend marker-checkpoint' }, '┆ checkpoint'));
      parts.push(h('span', { class: 'readout-legend marker-validation' }, '┆ validation'));
    }
    this.readoutEl.append(...parts);
  }

  private currentView(): Range | undefined {
    return this.ui.zoom[this.opts.id] ?? this.full;
  }

  private onKey(e: KeyboardEvent): void {
    const v = this.currentView();
    const full = this.full;
    if (!v || !full) return;
    const span = v[1] - v[0];
    let next: Range | undefined | null = null;
    if (e.key === 'ArrowLeft') next = shift(v, -span * 0.2, full);
    else if (e.key === 'ArrowRight') next = shift(v, span * 0.2, full);
    else if (e.key === '+' || e.key === '=') next = [v[0] + span * 0.25, v[1] - span * 0.25];
    else if (e.key === '-') next = [Math.max(full[0], v[0] - span * 0.5), Math.min(full[1], v[1] + span * 0.5)];
    else if (e.key === '0' || e.key === 'Escape' || e.key === 'Home') next = undefined;
    else return;
    e.preventDefault();
    this.setZoom(next ?? undefined);
  }

  /**
   * A click (not a drag, not half of a double-click, which resets the zoom) on a step: ask the host to open the focused
   * run's console log at that step's line.
   */
  private onClick(e: MouseEvent): void {
    const down = this.downAt;
    this.downAt = undefined;
    clearTimeout(this.pickTimer);
    if (e.detail > 1 || !down || Math.abs(e.clientX - down[0]) > 3 || Math.abs(e.clientY - down[1]) > 3 || e.shiftKey) return;
    const u = this.u;
    const idx = u?.cursor.idx;
    const x = u && idx != null ? (u.data[0][idx] as number | undefined) : undefined;
    const run = this.runs[0]?.data.view;
    if (x === undefined || !run) return;
    this.pickTimer = setTimeout(() => post({ type: 'openConsoleAtStep', runId: run.id, step: Math.round(x) }), DOUBLE_CLICK_MS);
  }

  // Shift+drag pans. Captured before uPlot's own mousedown so it does not start a zoom selection.
  private onPanStart(e: MouseEvent): void {
    if (!e.shiftKey || e.button !== 0 || !this.u) return;
    const v = this.currentView();
    const full = this.full;
    if (!v || !full) return;
    e.stopPropagation();
    e.preventDefault();
    const startX = e.clientX;
    const perPx = ((v[1] - v[0]) / this.u.bbox.width) * devicePixelRatio;
    const move = (ev: MouseEvent) => this.setZoom(shift(v, -(ev.clientX - startX) * perPx, full));
    const up = () => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  }
}

function shift(v: Range, d: number, full: Range): Range {
  const span = v[1] - v[0];
  const min = Math.min(Math.max(full[0], v[0] + d), full[1] - span);
  return [min, min + span];
}
