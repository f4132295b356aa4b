// A uPlot chart of series over training steps, for several runs at once: loss (raw points faint behind a smoothed
// line), learning rate, seconds per step. Only the visible step range is drawn, min/max-downsampled to the chart's
// pixel width, so a million-step run redraws in milliseconds and a single-step spike is never lost. The x axis is the
// step, the time since the run's first step, or the wall clock (chartAxes.ts); a click pins the read-out, from which
// the console log opens at that step.
import uPlot from 'uplot';
import type { MarkerKind, StepChartSpec } from '../../src/shared/dashboardProtocol';
import { clippedRange, downsampleMinMaxXY, lowerBound } from '../../src/shared/series';
import { h, clear, formatNumber } from './dom';
import type { Column, RunData } from './store';
import type { Range, UiState, XAxisMode } from './state';
import { fitAxisSize, yTickValues } from './axisSize';
import { runStroke, withAlpha, type ChartTheme } from './theme';
import { post } from './vscodeApi';
import { epochColumn, formatRelative, formatWall, shownLoss, stepOfX, xAxisLabel, xAxisTicks, xColumn, xOfStep } from './chartAxes';
import { chartPngDataUrl, type LegendEntry } from './chartImage';

/** What a chart shows: the shared table's spec (`smoothing`: a smoothed line over faint raw points, log scale and
 * outlier clipping apply, as on the loss chart). */
export type StepChartOptions = StepChartSpec;

export interface ChartRun {
  data: RunData;
  colorIndex: number;
}

/** raw: faint points behind `smoothed`; plain: a series without smoothing; epoch: the mean loss per epoch. */
type LineKind = 'raw' | 'smoothed' | 'plain' | 'epoch';

interface Line {
  run: RunData;
  name: string;
  /** What the legend calls it (`train_loss (= step_loss)` when one line stands for both). */
  label: string;
  column: Column;
  /** The x of each point on the current axis (the column's steps, or seconds). */
  xs: ArrayLike<number>;
  kind: LineKind;
  color: string;
  /** A run's dash once the palette went round (theme.ts runStroke). */
  runDash?: number[];
}

const MARKER_COLOR: Record<MarkerKind, number> = { checkpoint: 2, validation: 3, resume: 4, note: -1 };
const SAMPLE_LIMIT = 20000;
/** At most one marker label per this many CSS pixels, and one marker line per MARKER_LINE_PX; hovering lists them all. */
export const MARKER_LABEL_PX = 90;
const MARKER_LINE_PX = 6;
/** A hover lists the markers within this many CSS pixels of the cursor (every marker is that near some data point). */
const MARKER_HOVER_PX = 4;
/** More markers than this near the cursor are summed up as "and N more (zoom in)". */
const MARKER_HOVER_MAX = 12;

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
  /** Where the last mouse press was: a click that moved is a zoom or pan, not a pin. */
  private downAt: [number, number] | undefined;
  /** The x (axis units) a click pinned the read-out at; the read-out then stays there while the mouse moves on. */
  private pinned: number | undefined;
  private pinnedMode: XAxisMode | undefined;
  private menu: HTMLElement | undefined;

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
      title:
        'Click to pin the read-out at a step (it then offers to open the console log there; right-click for a menu). Drag to zoom, Shift+drag or arrow keys to pan, +/- to zoom, double-click or 0 to reset',
    });
    const save = h('vscode-button', { secondary: true, 'data-action': 'save-png', 'aria-label': `Save the ${opts.title} chart as PNG` }, 'Save PNG');
    save.addEventListener('click', () => this.savePng());
    this.el = h(
      'section',
      { class: 'chart', 'data-chart': opts.id, 'aria-labelledby': titleId },
      h('div', { class: 'chart-head' }, h('h3', { id: titleId }, opts.title), save),
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
    this.plotEl.addEventListener('contextmenu', (e) => this.onContextMenu(e));
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
    const mode = this.ui.xAxis;
    const palette = this.theme.palette;
    const noTimes: string[] = [];
    for (const { data, colorIndex } of this.runs) {
      let names = this.opts.seriesNames;
      let merged: string | undefined;
      // One loss line when the console's and the event file's losses carry the same numbers (lossSeries.ts).
      if (names.includes('train_loss') && names.includes('step_loss')) {
        const shown = shownLoss(data);
        names = names.filter((n) => (n !== 'train_loss' && n !== 'step_loss') || shown.includes(n));
        if (shown.length === 1 && data.columns.get('train_loss')?.n && data.columns.get('step_loss')?.n) merged = shown[0]!;
      }
      for (const name of names) {
        const si = this.opts.seriesNames.indexOf(name);
        const column = data.columns.get(name);
        if (!column || column.n === 0) continue;
        const xs = xColumn(data, column, mode);
        if (!xs) {
          if (!noTimes.includes(data.view.label)) noTimes.push(data.view.label);
          continue;
        }
        const label = merged === name ? `${name} (= ${name === 'train_loss' ? 'step_loss' : 'train_loss'})` : name;
        // One run: a colour per series. Several runs: a colour per run, the series told apart by dash.
        const { color, dash } = runStroke(single ? si : colorIndex, palette);
        const runDash = single ? undefined : dash;
        const dashed = runDash ? { runDash } : {};
        if (this.opts.smoothing) lines.push({ run: data, name, label, column, xs, kind: 'raw', color, ...dashed });
        lines.push({ run: data, name, label, column, xs, kind: this.opts.smoothing ? 'smoothed' : 'plain', color, ...dashed });
      }
      const spe = data.view.status.stepsPerEpoch;
      const base = names.find((n) => n === 'train_loss' || n === 'step_loss');
      const baseColumn = base ? data.columns.get(base) : undefined;
      if (this.ui.epochAverage && spe && baseColumn && baseColumn.n > 0) {
        const column = epochColumn(baseColumn, spe, data.view.status.outcome !== 'running');
        const xs = column.n > 0 ? xColumn(data, column, mode) : undefined;
        if (xs) {
          const { color } = runStroke(single ? 5 : colorIndex, palette);
          lines.push({ run: data, name: 'epoch_mean', label: `epoch mean of ${base}`, column, xs, kind: 'epoch', color });
        }
      }
    }
    this.el.dataset.noStepTimes = noTimes.join(', ');
    return lines;
  }

  /** Where this chart's zoom is kept: the zoom of one axis choice means nothing on another. */
  private zoomKey(): string {
    return this.ui.xAxis === 'step' ? this.opts.id : `${this.opts.id}@${this.ui.xAxis}`;
  }

  private render(): void {
    if (!this.ui) return;
    const width = this.plotEl.clientWidth;
    this.lines = this.buildLines();
    const hasData = this.lines.length > 0;
    this.emptyEl.hidden = hasData;
    this.plotEl.hidden = !hasData;
    // A pin is an x on one axis: another axis choice drops it.
    if (this.pinned !== undefined && this.pinnedMode !== this.ui.xAxis) {
      this.pinned = undefined;
      this.el.dataset.pinned = '';
    }
    if (!hasData || width === 0) {
      if (!hasData) {
        this.u?.destroy();
        this.u = undefined;
        this.key = '';
        this.setStats(0, undefined);
      }
      // The read-out names only the series now shown: an emptied chart keeps none of the previous run's values.
      if (hasData) this.showReadout(null);
      else {
        clear(this.readoutEl);
        if (this.el.dataset.noStepTimes)
          this.readoutEl.append(h('span', { class: 'muted' }, `No step times yet for ${this.el.dataset.noStepTimes}: nothing to draw on a time axis.`));
      }
      return;
    }
    this.lastWidth = width;
    let fmin = Infinity;
    let fmax = -Infinity;
    for (const l of this.lines) {
      fmin = Math.min(fmin, l.xs[0]!);
      fmax = Math.max(fmax, l.xs[l.column.n - 1]!);
    }
    if (fmax <= fmin) fmax = fmin + 1;
    this.full = [fmin, fmax];
    const zoom = this.ui.zoom[this.zoomKey()];
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
      const i0 = Math.max(0, lowerBound(l.xs, view[0], 0, c.n) - 1);
      const i1 = Math.min(c.n, lowerBound(l.xs, view[1], 0, c.n) + 1);
      const ys = l.kind === 'smoothed' ? c.smooth(this.ui.smoothing) : c.ys;
      const ds = downsampleMinMaxXY(l.xs, ys, buckets, i0, i1);
      const outY: (number | null)[] = log ? ds.ys.map((y) => (y > 0 ? y : null)) : ds.ys;
      tables.push([ds.xs, outY]);
      if (l.kind === 'raw' || l.kind === 'plain') {
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

    const key = [this.lines.map((l) => `${l.run.view.id}/${l.label}/${l.kind}/${l.color}`).join('|'), log, this.theme.fg, this.ui.xAxis].join('#');
    if (key !== this.key || !this.u) {
      this.u?.destroy();
      this.key = key;
      this.u = new uPlot(this.options(width, log, this.ui.xAxis), data, this.plotEl);
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
    this.el.dataset.xAxis = this.ui.xAxis;
    this.el.dataset.xStarts = JSON.stringify(this.lines.filter((l) => l.kind !== 'raw').map((l) => l.xs[0]));
    this.el.dataset.lines = JSON.stringify(
      this.lines.filter((l) => l.kind !== 'raw').map((l) => (this.runs.length > 1 ? `${l.run.view.label} ${l.label}` : l.label)),
    );
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
    for (const name of first ? this.opts.seriesNames : []) {
      const c = first!.columns.get(name);
      if (c && c.n > 0) series[name] = { n: c.n, first: c.xs[0]!, last: c.xs[c.n - 1]! };
    }
    this.el.dataset.series = JSON.stringify(series);
  }

  private options(width: number, log: boolean, mode: XAxisMode): uPlot.Options {
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
      axes: [
        { ...axis(xAxisLabel(mode)), ...xAxisTicks(mode, (labels) => (this.el.dataset.xTicks = JSON.stringify(labels))) },
        {
          ...axis(this.opts.yLabel),
          size: fitAxisSize(t.font),
          ...yTickValues(log, (labels) => (this.el.dataset.yTicks = JSON.stringify(labels))),
        },
      ],
      series: [
        { label: xAxisLabel(mode) },
        ...this.lines.map((l): uPlot.Series => {
          const style = this.lineStyle(l);
          return {
            label: `${l.run.view.label} ${l.label}${l.kind === 'raw' ? ' (raw)' : ''}`,
            stroke: style.color,
            width: style.width,
            ...(style.dash ? { dash: style.dash } : {}),
            spanGaps: true,
            points: l.kind === 'epoch' ? { show: true, size: 6, fill: l.color } : { show: false },
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
    this.onZoom(this.zoomKey(), r);
    this.schedule();
  }

  private lineStyle(l: Line): { color: string; width: number; dash?: number[] } {
    if (l.kind === 'raw') return { color: withAlpha(l.color, this.theme.highContrast ? 0.45 : 0.2), width: 1 };
    if (l.kind === 'epoch') return { color: l.color, width: 2, dash: [2, 3] };
    const dash = l.name === 'step_loss' && this.runs.length > 1 ? [6, 4] : l.runDash;
    return { color: l.color, width: 2, ...(dash ? { dash } : {}) };
  }

  /** Each run's markers with their x on the current axis, in x order. */
  private markerXs(): { x: number; step: number; kind: MarkerKind; label: string }[] {
    const out: { x: number; step: number; kind: MarkerKind; label: string }[] = [];
    for (const { data } of this.runs) {
      for (const m of data.view.markers) {
        const x = xOfStep(data, m.step, this.ui.xAxis);
        if (x !== undefined) out.push({ x, step: m.step, kind: m.kind, label: m.label ?? `${m.kind} at step ${m.step}` });
      }
    }
    return out.sort((a, b) => a.x - b.x);
  }

  /**
   * Validation and checkpoint markers: a dashed line each, thinned to one per MARKER_LINE_PX, and a short label at
   * most every MARKER_LABEL_PX, so a run that saves every 50 steps over 100k steps is not a solid wall of text. The
   * hover read-out lists every marker near the cursor.
   */
  private drawMarkers(u: uPlot): void {
    if (!this.opts.markers) return;
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    const dpr = devicePixelRatio;
    ctx.save();
    ctx.lineWidth = Math.max(1, dpr);
    ctx.setLineDash([4 * dpr, 4 * dpr]);
    ctx.font = `${10 * dpr}px ${this.theme.font.replace(/^\d+px\s*/, '')}`;
    ctx.textBaseline = 'top';
    let shown = 0;
    let lines = 0;
    let labels = 0;
    let lastLine = -Infinity;
    let lastLabel = -Infinity;
    for (const m of this.markerXs()) {
      const x = u.valToPos(m.x, 'x', true);
      if (x < left || x > left + width) continue;
      shown++;
      const ci = MARKER_COLOR[m.kind];
      const colour = ci < 0 ? this.theme.muted : this.theme.palette[ci % this.theme.palette.length]!;
      if (x - lastLine >= MARKER_LINE_PX * dpr) {
        lastLine = x;
        lines++;
        ctx.strokeStyle = colour;
        ctx.beginPath();
        ctx.moveTo(Math.round(x) + 0.5, top);
        ctx.lineTo(Math.round(x) + 0.5, top + height);
        ctx.stroke();
      }
      if (x - lastLabel >= MARKER_LABEL_PX * dpr) {
        lastLabel = x;
        labels++;
        ctx.fillStyle = colour;
        ctx.fillText(markerShortLabel(m.kind, m.step), x + 3 * dpr, top + 2 * dpr);
      }
    }
    ctx.restore();
    this.el.dataset.markers = String(shown);
    this.el.dataset.markerLines = String(lines);
    this.el.dataset.markerLabels = String(labels);
  }

  /** The markers within MARKER_HOVER_PX of CSS x `px` on the plot: the ones a hover there stands for. */
  private markersNear(px: number): { step: number; kind: MarkerKind; label: string }[] {
    const u = this.u;
    if (!u || !this.opts.markers) return [];
    return this.markerXs().filter((m) => Math.abs(u.valToPos(m.x, 'x') - px) <= MARKER_HOVER_PX);
  }

  /** The x under the cursor (or the pinned one) as the read-out's heading: a step, or a time and its step. */
  private xText(x: number, step: number | undefined): string {
    const mode = this.ui.xAxis;
    if (mode === 'step') return `step ${Math.round(x)}`;
    const stepText = step !== undefined ? ` · step ${Math.round(step)}` : '';
    return `${mode === 'relative' ? formatRelative(x) : formatWall(x, false)}${stepText}`;
  }

  /**
   * The read-out: the exact raw (and smoothed) values of each series at the x under the cursor, the pinned x, or the
   * latest; the markers near it; and, when pinned, "Open console at step N".
   */
  private showReadout(idx: number | null): void {
    const u = this.u;
    clear(this.readoutEl);
    const hovered = u && idx != null ? (u.data[0][idx] as number | undefined) : undefined;
    const x = this.pinned ?? hovered;
    const run = this.runs[0]?.data;
    const step = x !== undefined && run ? stepOfX(run, x, this.ui.xAxis) : undefined;
    const heading = x === undefined ? 'latest' : `${this.pinned !== undefined ? 'pinned at ' : ''}${this.xText(x, step)}`;
    const parts: HTMLElement[] = [h('span', { class: 'readout-step' }, heading)];
    for (const l of this.lines) {
      if (l.kind === 'raw') continue;
      const c = l.column;
      let j = c.n - 1;
      if (x !== undefined) {
        j = lowerBound(l.xs, x, 0, c.n);
        if (j >= c.n || (j > 0 && x - l.xs[j - 1]! < l.xs[j]! - x)) j--;
      }
      if (j < 0) continue;
      const raw = c.ys[j]!;
      const who = this.runs.length > 1 ? `${l.run.view.label} · ${l.label}` : l.label;
      const value = l.kind === 'smoothed' ? `${formatNumber(raw)} (smoothed ${formatNumber(c.smooth(this.ui.smoothing)[j]!)})` : formatNumber(raw);
      const at = l.kind === 'epoch' ? ` (to step ${c.xs[j]})` : '';
      const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
      swatch.style.background = l.color;
      parts.push(h('span', { class: 'readout-item' }, swatch, `${who}: ${value}${at}`));
    }
    if (u && x !== undefined) {
      const near = this.markersNear(u.valToPos(x, 'x'));
      for (const m of near.slice(0, MARKER_HOVER_MAX)) parts.push(h('span', { class: `readout-marker marker-${m.kind}` }, `┆ ${m.label} (step ${m.step})`));
      if (near.length > MARKER_HOVER_MAX) parts.push(h('span', { class: 'readout-more' }, `and ${near.length - MARKER_HOVER_MAX} more markers here (zoom in)`));
    }
    if (this.opts.markers) {
      parts.push(h('span', { class: 'readout-legend marker-checkpoint' }, '┆ checkpoint'));
      parts.push(h('span', { class: 'readout-legend marker-validation' }, '┆ validation'));
    }
    if (this.pinned !== undefined && run && step !== undefined) {
      const s = Math.max(0, Math.round(step));
      const open = h(
        'vscode-button',
        { secondary: true, 'data-action': 'open-console', 'aria-label': `Open the console log of ${run.view.label} at step ${s}` },
        `Open console at step ${s}`,
      );
      open.addEventListener('click', () => post({ type: 'openConsoleAtStep', runId: run.view.id, step: s }));
      const unpin = h('vscode-button', { secondary: true, 'data-action': 'unpin', 'aria-label': 'Unpin the read-out' }, 'Unpin');
      unpin.addEventListener('click', () => this.pin(undefined));
      parts.push(open, unpin);
    }
    this.readoutEl.append(...parts);
  }

  private pin(x: number | undefined): void {
    this.pinned = x;
    this.pinnedMode = this.ui.xAxis;
    this.el.dataset.pinned = x === undefined ? '' : String(x);
    this.showReadout(null);
  }

  private currentView(): Range | undefined {
    return this.ui.zoom[this.zoomKey()] ?? this.full;
  }

  private onKey(e: KeyboardEvent): void {
    const v = this.currentView();
    const full = this.full;
    if (!v || !full) return;
    if (e.key === 'Escape' && this.pinned !== undefined) {
      e.preventDefault();
      return this.pin(undefined);
    }
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

  /** The data x nearest the cursor, or undefined when the cursor is off the data. */
  private cursorX(): number | undefined {
    const u = this.u;
    const idx = u?.cursor.idx;
    return u && idx != null ? (u.data[0][idx] as number | undefined) : undefined;
  }

  /**
   * A click (not a drag, not a double-click, which resets the zoom) pins the read-out at the x under the cursor; it
   * never leaves the dashboard. The pinned read-out (or the context menu) opens the console at that step.
   */
  private onClick(e: MouseEvent): void {
    const down = this.downAt;
    this.downAt = undefined;
    this.closeMenu();
    if (e.detail > 1 || !down || Math.abs(e.clientX - down[0]) > 3 || Math.abs(e.clientY - down[1]) > 3 || e.shiftKey) return;
    const x = this.cursorX();
    if (x !== undefined) this.pin(x);
  }

  /** Right-click: a small menu with the explicit actions at the x under the cursor. */
  private onContextMenu(e: MouseEvent): void {
    const x = this.cursorX() ?? this.pinned;
    const run = this.runs[0]?.data;
    if (!run) return;
    e.preventDefault();
    this.closeMenu();
    const step = x !== undefined ? stepOfX(run, x, this.ui.xAxis) : undefined;
    const items: [string, string, () => void][] = [];
    if (step !== undefined) {
      const s = Math.max(0, Math.round(step));
      items.push(['open-console', `Open console at step ${s}`, () => post({ type: 'openConsoleAtStep', runId: run.view.id, step: s })]);
      items.push(['pin', `Pin read-out at step ${s}`, () => this.pin(x)]);
    }
    items.push(['save-png', 'Save chart as PNG…', () => this.savePng()]);
    items.push(['reset-zoom', 'Reset zoom', () => this.setZoom(undefined)]);
    const menu = h('div', { class: 'chart-menu', role: 'menu', 'aria-label': `${this.opts.title} chart actions` });
    for (const [action, label, act] of items) {
      const item = h('button', { type: 'button', role: 'menuitem', 'data-action': action }, label);
      item.addEventListener('click', (ev) => {
        ev.stopPropagation();
        this.closeMenu();
        act();
      });
      menu.append(item);
    }
    menu.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        this.closeMenu();
        this.plotEl.focus();
      }
    });
    const box = this.el.getBoundingClientRect();
    menu.style.left = `${e.clientX - box.left}px`;
    menu.style.top = `${e.clientY - box.top}px`;
    this.el.append(menu);
    this.menu = menu;
    (menu.firstElementChild as HTMLElement | null)?.focus();
    const away = (ev: MouseEvent) => {
      if (!menu.contains(ev.target as Node)) this.closeMenu();
    };
    setTimeout(() => window.addEventListener('mousedown', away, { once: true }));
  }

  private closeMenu(): void {
    this.menu?.remove();
    this.menu = undefined;
  }

  /** The chart with its title and legend as a PNG, posted to the host, which asks where to save it. */
  private savePng(): void {
    const u = this.u;
    if (!u) return;
    const multi = this.runs.length > 1;
    const legend: LegendEntry[] = this.lines
      .filter((l) => l.kind !== 'raw')
      .map((l) => {
        const style = this.lineStyle(l);
        return { label: multi ? `${l.run.view.label} ${l.label}` : l.label, color: style.color, ...(style.dash ? { dash: style.dash } : {}) };
      });
    const run = this.runs.length === 1 ? this.runs[0]!.data.view.label : undefined;
    const title = `${this.opts.title}${run ? ` — ${run}` : ''} (x: ${xAxisLabel(this.ui.xAxis)})`;
    const dataUrl = chartPngDataUrl(u, title, legend, this.theme);
    post({ type: 'saveChartPng', chartId: this.opts.id, dataUrl, ...(run ? { runLabel: run } : {}) });
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

/** A marker's label on the chart: short, the full one is in the hover read-out. */
function markerShortLabel(kind: MarkerKind, step: number): string {
  return kind === 'checkpoint' ? `ckpt ${step}` : kind === 'validation' ? `val ${step}` : kind === 'resume' ? `resume ${step}` : `${step}`;
}
