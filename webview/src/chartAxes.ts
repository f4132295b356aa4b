// What the x axis choice (step / relative time / wall time) means for the charts: each run's series mapped from steps
// to seconds through its `step_time` series (cached per column, so a redraw maps only when the data grew), tick
// spacing and labels that read as times, and the loss chart's derived series (dedup, epoch average).
import type uPlot from 'uplot';
import { STEP_TIME_SERIES } from '../../src/shared/dashboardProtocol';
import { epochAverages, LossAgreement, shownLossSeries } from '../../src/shared/lossSeries';
import { interpolate, mapAscending, type Table } from '../../src/shared/stepTime';
import { Column, type RunData } from './store';
import type { XAxisMode } from './state';

/** The run's step → wall ms table, or undefined when it has no step times (yet). */
export function stepTimes(run: RunData): Table | undefined {
  const c = run.columns.get(STEP_TIME_SERIES);
  return c && c.n > 0 ? { xs: c.xs, ys: c.ys, n: c.n } : undefined;
}

/** Wall ms of the run's first step: relative time counts from it, so overlaid runs start at 0 together. */
export function timeOrigin(run: RunData): number | undefined {
  return stepTimes(run)?.ys[0];
}

/** An x value (axis units: steps, or seconds) of a step of `run`; undefined when time is asked of a run without step times. */
export function xOfStep(run: RunData, step: number, mode: XAxisMode): number | undefined {
  if (mode === 'step') return step;
  const t = stepTimes(run);
  const ms = t ? interpolate(t, step) : undefined;
  if (ms === undefined) return undefined;
  return mode === 'wall' ? ms / 1000 : (ms - t!.ys[0]!) / 1000;
}

/** The step of `run` at an x value (axis units): the inverse of xOfStep, for "open the console at this step". */
export function stepOfX(run: RunData, x: number, mode: XAxisMode): number | undefined {
  if (mode === 'step') return x;
  const t = stepTimes(run);
  if (!t) return undefined;
  const ms = mode === 'wall' ? x * 1000 : x * 1000 + t.ys[0]!;
  return interpolate({ xs: t.ys, ys: t.xs, n: t.n }, ms);
}

const mapped = new WeakMap<Column, { key: string; xs: Float64Array<ArrayBufferLike> }>();

/** The x column of `column` (a series of `run`) on the axis `mode`; undefined when the run has no step times. */
export function xColumn(run: RunData, column: Column, mode: XAxisMode): ArrayLike<number> | undefined {
  if (mode === 'step') return column.xs;
  const t = stepTimes(run);
  if (!t) return undefined;
  const last = column.n > 0 ? column.xs[column.n - 1] : 0;
  const key = `${mode}/${column.n}/${last}/${column.rewrites}/${t.n}/${t.ys[t.n - 1]}`;
  const known = mapped.get(column);
  if (known?.key === key) return known.xs;
  const xs = mapAscending(column.xs, column.n, t, known && known.xs.length >= column.n ? known.xs : new Float64Array(column.xs.length));
  const origin = mode === 'relative' ? t.ys[0]! : 0;
  for (let i = 0; i < column.n; i++) xs[i] = (xs[i]! - origin) / 1000;
  mapped.set(column, { key, xs });
  return xs;
}

const lossChoice = new WeakMap<RunData, { key: string; names: string[]; agreement: LossAgreement; rewrites: string }>();

/** The loss series to draw for `run`: one when the console's and the event file's carry the same numbers. */
export function shownLoss(run: RunData): string[] {
  const tl = run.columns.get('train_loss');
  const sl = run.columns.get('step_loss');
  const key = `${tl?.n ?? 0}/${tl?.last() ?? ''}/${tl?.rewrites ?? 0}/${sl?.n ?? 0}/${sl?.last() ?? ''}/${sl?.rewrites ?? 0}`;
  const rewrites = `${tl?.rewrites ?? 0}/${sl?.rewrites ?? 0}`;
  let known = lossChoice.get(run);
  if (known?.key === key) return known.names;
  // The agreement is checked incrementally over new points; a rewritten tail (a resume) checks again from the start.
  if (!known) known = { key: '', names: [], agreement: new LossAgreement(), rewrites };
  if (known.rewrites !== rewrites) known.agreement.reset();
  known.key = key;
  known.rewrites = rewrites;
  known.names = shownLossSeries(tl, sl, known.agreement);
  lossChoice.set(run, known);
  return known.names;
}

const epochCols = new WeakMap<Column, { key: string; column: Column }>();

/** The mean of `column` per epoch, at each epoch's last step; the epoch under way only once the run has ended. */
export function epochColumn(column: Column, stepsPerEpoch: number, ended: boolean): Column {
  const key = `${column.n}/${column.last()}/${column.rewrites}/${stepsPerEpoch}/${ended}`;
  const known = epochCols.get(column);
  if (known?.key === key) return known.column;
  const avg = epochAverages(column, stepsPerEpoch, ended);
  const out = new Column();
  out.append(avg.xs.map((x, i) => [x, avg.ys[i]!]));
  epochCols.set(column, { key, column: out });
  return out;
}

/** Tick spacings (seconds) that read as times: 1 s … 30 s, 1 min … 30 min, 1 h … 12 h, days. */
export const TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000];

/** Tick spacings of a step axis: whole steps (1, 2, 5 × 10^k), so a short run is not ticked at 1.5, 2.5. */
export const STEP_INCRS = Array.from({ length: 30 }, (_, i) => [1, 2, 5][i % 3]! * 10 ** Math.floor(i / 3));

const pad = (n: number) => String(n).padStart(2, '0');

/** Seconds since the first step as h:mm:ss (days as `Nd h:mm:ss`). */
export function formatRelative(seconds: number): string {
  const neg = seconds < 0 ? '-' : '';
  const s = Math.round(Math.abs(seconds));
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const text = `${hh}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  return `${neg}${d > 0 ? `${d}d ` : ''}${text}`;
}

/** A wall-clock second (local time) as HH:MM:SS, with the date when the axis spans more than a day. */
export function formatWall(seconds: number, withDate: boolean): string {
  const d = new Date(seconds * 1000);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withDate ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time;
}

/** One x value as the read-outs show it: `step N`, h:mm:ss since the first step, or the local time. */
export function formatX(mode: XAxisMode, x: number): string {
  return mode === 'step' ? `step ${Math.round(x)}` : mode === 'relative' ? formatRelative(x) : formatWall(x, false);
}

/** The x axis title for a mode. */
export function xAxisLabel(mode: XAxisMode): string {
  return mode === 'step' ? 'step' : mode === 'relative' ? 'time since first step (h:mm:ss)' : 'wall time (local)';
}

/** uPlot axis options of the x axis in `mode`; `onTicks` hears the labels drawn (the browser test reads them). */
export function xAxisTicks(mode: XAxisMode, onTicks: (labels: string[]) => void): Partial<uPlot.Axis> {
  if (mode === 'step') {
    return {
      incrs: STEP_INCRS,
      values: (_u, vals) => {
        const labels = vals.map((v) => String(Math.round(v * 1e6) / 1e6));
        onTicks(labels);
        return labels;
      },
    };
  }
  return {
    incrs: TIME_INCRS,
    space: mode === 'wall' ? 70 : 60,
    values: (u, vals) => {
      const min = u.scales.x?.min ?? 0;
      const max = u.scales.x?.max ?? 0;
      const labels = vals.map((v) => (mode === 'relative' ? formatRelative(v) : formatWall(v, max - min > 86400)));
      onTicks(labels);
      return labels;
    },
  };
}
