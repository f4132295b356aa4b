// GPU memory, utilisation and temperature for one run, with each card's total memory drawn as a dashed line so
// headroom is visible at a glance. The x axis follows the charts' choice: wall time, time since the run's first step,
// or the step (each sample's time mapped to a step through the run's step times, so memory lines up with the loss).
import uPlot from 'uplot';
import type { GpuSampleView } from '../../src/shared/dashboardProtocol';
import { downsampleMinMaxXY } from '../../src/shared/series';
import { interpolate } from '../../src/shared/stepTime';
import { h, formatNumber } from './dom';
import { fitAxisSize } from './axisSize';
import { withAlpha, type ChartTheme } from './theme';
import type { XAxisMode } from './state';
import type { RunData } from './store';
import { formatX, stepTimes, xAxisLabel, xAxisTicks } from './chartAxes';
import { chartPngDataUrl } from './chartImage';
import { post } from './vscodeApi';

type Metric = 'memoryUsedMiB' | 'runMemoryMiB' | 'memoryTotalMiB' | 'utilizationPct' | 'temperatureC';
const METRICS: { key: Metric; label: string; scale: 'mem' | 'pct'; dash?: number[]; colour: number; div: number }[] = [
  { key: 'memoryUsedMiB', label: 'memory used (GiB)', scale: 'mem', colour: 0, div: 1024 },
  { key: 'runMemoryMiB', label: "this run's memory (GiB)", scale: 'mem', dash: [3, 3], colour: 3, div: 1024 },
  { key: 'memoryTotalMiB', label: 'memory total (GiB)', scale: 'mem', dash: [8, 4], colour: 0, div: 1024 },
  { key: 'utilizationPct', label: 'utilisation (%)', scale: 'pct', colour: 2, div: 1 },
  { key: 'temperatureC', label: 'temperature (°C)', scale: 'pct', dash: [2, 3], colour: 1, div: 1 },
];

export const CPU_TEXT = 'Training on CPU (accelerate reports Device: cpu): there is no GPU to sample.';

export class GpuChart {
  readonly el: HTMLElement;
  private readonly plotEl: HTMLElement;
  private readonly readoutEl: HTMLElement;
  private readonly emptyEl: HTMLElement;
  private u: uPlot | undefined;
  private key = '';
  private samples: GpuSampleView[] = [];
  private theme!: ChartTheme;
  private mode: XAxisMode = 'wall';
  private run: RunData | undefined;
  private legend: { label: string; color: string; dash?: number[] }[] = [];

  constructor() {
    this.readoutEl = h('div', { class: 'readout', id: 'chart-gpu-readout', 'aria-live': 'off' });
    this.emptyEl = h('p', { class: 'empty' }, 'No GPU samples yet.');
    this.plotEl = h('div', {
      class: 'plot',
      tabindex: 0,
      role: 'group',
      'aria-labelledby': 'chart-gpu-title',
      'aria-describedby': 'chart-gpu-readout',
      'aria-roledescription': 'chart',
    });
    this.el = h(
      'section',
      { class: 'chart', 'data-chart': 'gpu', 'aria-labelledby': 'chart-gpu-title' },
      h('div', { class: 'chart-head' }, h('h3', { id: 'chart-gpu-title' }, 'GPU'), this.saveButton()),
      this.emptyEl,
      this.plotEl,
      this.readoutEl,
    );
    new ResizeObserver(() => this.render()).observe(this.plotEl);
  }

  private saveButton(): HTMLElement {
    const save = h('vscode-button', { secondary: true, 'data-action': 'save-png', 'aria-label': 'Save the GPU chart as PNG' }, 'Save PNG');
    save.addEventListener('click', () => {
      if (!this.u || !this.theme) return;
      const label = this.run?.view.label;
      const title = `GPU${label ? ` — ${label}` : ''} (x: ${xAxisLabel(this.mode)})`;
      post({ type: 'saveChartPng', chartId: 'gpu', dataUrl: chartPngDataUrl(this.u, title, this.legend, this.theme), ...(label ? { runLabel: label } : {}) });
    });
    return save;
  }

  /**
   * `device`: accelerate's `Device:` of the run; a CPU run has no GPU samples, and the empty chart says why. `mode`:
   * the charts' x axis; `run` holds the step times it maps through (wall time until the run has any).
   */
  update(samples: GpuSampleView[], theme: ChartTheme, device?: string, mode: XAxisMode = 'wall', run?: RunData): void {
    this.samples = samples;
    this.run = run;
    const times = run ? stepTimes(run) : undefined;
    const shown: XAxisMode = times ? mode : 'wall';
    if (shown !== this.mode) this.key = '';
    this.mode = shown;
    this.el.dataset.xAxis = shown;
    this.el.dataset.note = shown !== mode ? 'no step times yet: wall time' : '';
    this.emptyEl.textContent = device === 'cpu' ? CPU_TEXT : 'No GPU samples yet.';
    if (theme !== this.theme) this.key = '';
    this.theme = theme;
    this.render();
  }

  private render(): void {
    const width = this.plotEl.clientWidth;
    const has = this.samples.length > 0;
    this.emptyEl.hidden = has;
    this.plotEl.hidden = !has;
    if (!has || width === 0 || !this.theme) return;
    const gpus = [...new Set(this.samples.map((s) => s.index))].sort((a, b) => a - b);
    const tables: uPlot.AlignedData[] = [];
    const lines: { gpu: number; m: (typeof METRICS)[number] }[] = [];
    const times = this.run ? stepTimes(this.run) : undefined;
    // Samples are in time order and each mapping never decreases, so the x column stays ascending for downsampling.
    const xOf =
      this.mode === 'step' && times
        ? (t: number) => interpolate({ xs: times.ys, ys: times.xs, n: times.n }, t)!
        : this.mode === 'relative' && times
          ? (t: number) => (t - times.ys[0]!) / 1000
          : (t: number) => t / 1000;
    for (const gpu of gpus) {
      const mine = this.samples.filter((s) => s.index === gpu);
      for (const m of METRICS) {
        const pts = mine.filter((s) => s[m.key] !== undefined);
        if (pts.length === 0) continue;
        const ds = downsampleMinMaxXY(
          pts.map((s) => xOf(s.t)),
          pts.map((s) => s[m.key]! / m.div),
          Math.max(50, width / 2),
        );
        tables.push([ds.xs, ds.ys]);
        lines.push({ gpu, m });
      }
    }
    if (tables.length === 0) return;
    const data = tables.length === 1 ? tables[0]! : uPlot.join(tables);
    const key = lines.map((l) => `${l.gpu}:${l.m.key}`).join('|') + `#${this.mode}`;
    if (key !== this.key || !this.u) {
      this.u?.destroy();
      this.key = key;
      this.u = new uPlot(this.options(width, lines), data, this.plotEl);
    } else {
      this.u.setData(data);
      if (this.u.width !== width) this.u.setSize({ width, height: 220 });
    }
    const xs = data[0];
    this.el.dataset.xRange = xs.length ? JSON.stringify([xs[0], xs[xs.length - 1]]) : '';
    const last = this.samples[this.samples.length - 1]!;
    this.readoutEl.textContent =
      `latest: ${formatNumber((last.memoryUsedMiB ?? NaN) / 1024, 3)} / ${formatNumber((last.memoryTotalMiB ?? NaN) / 1024, 3)} GiB` +
      ` · ${formatNumber(last.utilizationPct)} % · ${formatNumber(last.temperatureC)} °C`;
  }

  private options(width: number, lines: { gpu: number; m: (typeof METRICS)[number] }[]): uPlot.Options {
    const t = this.theme;
    const multi = new Set(lines.map((l) => l.gpu)).size > 1;
    this.legend = lines.map(({ gpu, m }) => ({
      label: multi ? `GPU ${gpu} ${m.label}` : m.label,
      color: m.key === 'memoryTotalMiB' ? withAlpha(t.palette[m.colour]!, 0.7) : t.palette[(m.colour + gpu * 4) % t.palette.length]!,
      ...(m.dash ? { dash: m.dash } : {}),
    }));
    const axisBase = { stroke: t.fg, font: t.font, labelFont: t.font, grid: { stroke: t.grid, width: 1 }, ticks: { stroke: t.grid, width: 1 } };
    return {
      width,
      height: 220,
      legend: { show: true, live: true },
      scales: { x: { time: false }, mem: { range: (_u, _min, max) => [0, Math.max(1, max ?? 1) * 1.25] }, pct: { range: [0, 100] } },
      axes: [
        { ...axisBase, label: xAxisLabel(this.mode), ...xAxisTicks(this.mode, (labels) => (this.el.dataset.xTicks = JSON.stringify(labels))) },
        { ...axisBase, scale: 'mem', label: 'GiB', size: fitAxisSize(t.font) },
        { ...axisBase, scale: 'pct', side: 1, label: '% / °C', size: fitAxisSize(t.font), grid: { show: false } },
      ],
      series: [
        { label: xAxisLabel(this.mode), value: (_u, v) => (v == null ? '–' : formatX(this.mode, v)) },
        ...lines.map(({ m }, i): uPlot.Series => ({
          label: this.legend[i]!.label,
          scale: m.scale,
          stroke: this.legend[i]!.color,
          width: m.key === 'memoryTotalMiB' ? 1 : 2,
          ...(m.dash ? { dash: m.dash } : {}),
          spanGaps: true,
          points: { show: false },
        })),
      ],
      cursor: { drag: { x: true, y: false } },
    };
  }
}
