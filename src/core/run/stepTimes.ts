// When each step was reached, and what follows from it: average and recent seconds per step with validation and
// checkpoint pauses left out, the pause totals, and an ETA that counts the pauses still to come instead of letting
// each one swing the rate (tqdm's smoothed rate and ETA do). Pure; the reducer keeps the inputs (StepTiming), the
// views call `timingSummary`, whose cost grows with the number of pauses, not of steps (binary searches).
//
// A step's time: the event files' wallTime of its logged loss when the run has event files (float seconds; the scripts
// log every step, and a reload reads the same); else the Steps bar's start, from the live `at` of its draws, plus tqdm's
// elapsed at the step's first draw (1 s resolution); else tqdm's elapsed alone: durations, though no wall time.
import { SCRIPTS, type ArgValue, type ScriptKind } from '../scripts/scriptTables';
import { EMPTY_SERIES, seriesAt, seriesLength, seriesPut, seriesTruncateAfter, type Point, type Series } from './series';

export type PauseKind = 'validation' | 'checkpoint';

/** Something that held the loop after `step` (so the gap from `step` to the next step holds it). */
export interface PauseMark {
  step: number;
  kind: PauseKind;
}

export interface StepTiming {
  /** run.json's start (wall ms). */
  startedAt: number | null;
  /** When the run ended (wall ms): exit.json / run.json, else the live `at` of the exit. */
  endedAt: number | null;
  /** Wall ms of each logged step, from the event files' scalars. */
  wall: Series;
  /** tqdm's elapsed seconds (since the bar's start) at the first draw of each step. */
  barElapsed: Series;
  /** Live `at` (wall ms) of the first draw of each step; never in a replay. */
  liveAt: Series;
  /** Validation and checkpoint pauses in step order; bounded (the oldest go). */
  pauses: readonly PauseMark[];
  /**
   * Seconds per step from the event files' times; a step whose gap held a pause has no point. Always what `wall` and
   * `pauses` give, whichever source was read first (a pause seen after the next step's time takes that point out).
   */
  secPerStep: Series;
  /** The same from tqdm's elapsed (1 s resolution), for a run without event files. */
  barSecPerStep: Series;
}

export const EMPTY_TIMING: StepTiming = Object.freeze({
  startedAt: null,
  endedAt: null,
  wall: EMPTY_SERIES,
  barElapsed: EMPTY_SERIES,
  liveAt: EMPTY_SERIES,
  pauses: Object.freeze([]) as readonly PauseMark[],
  secPerStep: EMPTY_SERIES,
  barSecPerStep: EMPTY_SERIES,
});

const MAX_PAUSES = 10_000;
/** Steps the recent speed is taken over. */
export const RECENT_STEPS = 20;
/** How many of the newest steps with both a wall time and a bar time fix the bar's start. */
const BAR_START_SAMPLES = 20;

// ------------------------------------------------------------------------------------------------ reducer side

/**
 * `{ ...t, [key]: value }` as one object literal: the reducer does this for every step, and V8 builds spread copies on
 * a slow path (state.ts copyState says more); the spreads had doubled the reducer's time per step.
 */
function withField<K extends keyof StepTiming>(t: StepTiming, key: K, value: StepTiming[K]): StepTiming {
  const c: StepTiming = {
    startedAt: t.startedAt,
    endedAt: t.endedAt,
    wall: t.wall,
    barElapsed: t.barElapsed,
    liveAt: t.liveAt,
    pauses: t.pauses,
    secPerStep: t.secPerStep,
    barSecPerStep: t.barSecPerStep,
  };
  c[key] = value;
  return c;
}

/** The first draw of a step (tqdm redraws a step for its postfix, after a save, at its close). */
export function timingOnProgress(t: StepTiming, step: number, elapsedSec: number | undefined, at: number | undefined): StepTiming {
  let next = t;
  const lastBar = t.barElapsed.tail;
  if (elapsedSec !== undefined && lastBar?.step !== step) {
    next = withField(next, 'barElapsed', seriesPut(t.barElapsed, { step, value: elapsedSec }));
    // The console's own clock, for a run without event files: the step's duration from tqdm's elapsed.
    const seconds = elapsedSec - (lastBar?.value ?? 0);
    if (lastBar && step > lastBar.step && seconds >= 0 && !hasPauseIn(t.pauses, lastBar.step, step)) {
      next = withField(next, 'barSecPerStep', seriesPut(t.barSecPerStep, { step, value: seconds / (step - lastBar.step) }));
    }
  }
  if (at !== undefined && t.liveAt.tail?.step !== step) next = withField(next, 'liveAt', seriesPut(next.liveAt, { step, value: at }));
  return next;
}

/** A logged scalar of the step (its wallTime in seconds). */
export function timingOnScalar(t: StepTiming, step: number, wallTimeSec: number): StepTiming {
  const prev = t.wall.tail;
  const ms = wallTimeSec * 1000;
  if (prev && prev.step === step && prev.value === ms) return t; // loss and lr of one step: one time
  // Newest wall time wins for a step (event files may be read in any order; a resumed attempt logs a step again).
  const next = withField(t, 'wall', seriesPut(t.wall, { step, value: ms, wallTime: wallTimeSec }, 'wallTime'));
  if (!prev || step > prev.step) return withSecPerStep(next, prev, step, ms);
  // A step again (a resumed attempt) or out of order: what follows it is worked out again from the wall times.
  return rederive(next, step - 1);
}

function withSecPerStep(t: StepTiming, prev: Point | undefined, step: number, ms: number): StepTiming {
  if (!prev) return t;
  const seconds = (ms - prev.value) / 1000;
  if (!(seconds >= 0) || hasPauseIn(t.pauses, prev.step, step)) return t;
  return withField(t, 'secPerStep', seriesPut(t.secPerStep, { step, value: seconds / (step - prev.step) }));
}

/** secPerStep after `step` again from `wall` and `pauses` (usually a point or two: what was read ahead). */
function rederive(t: StepTiming, step: number): StepTiming {
  let next = withField(t, 'secPerStep', seriesTruncateAfter(t.secPerStep, step));
  const n = seriesLength(t.wall);
  for (let i = Math.max(1, indexAtOrBefore(t.wall, step)); i < n; i++) {
    const p = pointAt(t.wall, i);
    if (p.step > step) next = withSecPerStep(next, pointAt(t.wall, i - 1), p.step, p.value);
  }
  return next;
}

export function timingOnPause(t: StepTiming, step: number | null, kind: PauseKind): StepTiming {
  if (step === null) return t;
  if (t.pauses.some((p) => p.step === step && p.kind === kind)) return t;
  const pauses = t.pauses.length >= MAX_PAUSES ? t.pauses.slice(t.pauses.length - MAX_PAUSES + 1) : t.pauses.slice();
  // Kept in step order (a checkpoint announced for a step the bar has not drawn yet comes in its place).
  let i = pauses.length;
  while (i > 0 && pauses[i - 1]!.step > step) i--;
  pauses.splice(i, 0, { step, kind });
  const next = withField(t, 'pauses', pauses);
  // The event files may have given the next step's time before the console said the pause: that point goes.
  return (t.secPerStep.tail?.step ?? 0) > step ? rederive(next, step) : next;
}

/** A resume restarts the bar at `step`: later times belong to the earlier attempt. */
export function timingOnResume(t: StepTiming, step: number): StepTiming {
  return {
    ...t,
    wall: seriesTruncateAfter(t.wall, step),
    barElapsed: seriesTruncateAfter(t.barElapsed, step),
    liveAt: seriesTruncateAfter(t.liveAt, step),
    secPerStep: seriesTruncateAfter(t.secPerStep, step),
    barSecPerStep: seriesTruncateAfter(t.barSecPerStep, step),
    pauses: t.pauses.filter((p) => p.step < step),
  };
}

function hasPauseIn(pauses: readonly PauseMark[], from: number, to: number): boolean {
  // Pauses are in step order: the first with step >= from.
  let lo = 0;
  let hi = pauses.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pauses[mid]!.step < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < pauses.length && pauses[lo]!.step < to;
}

// ------------------------------------------------------------------------------------------------ views side

/** Seconds per step for the rate chart: from the event files' times, else (no event files) from tqdm's elapsed. */
export function secPerStepSeries(t: StepTiming): Series {
  return seriesLength(t.wall) > 0 ? t.secPerStep : t.barSecPerStep;
}

/** `[step, wall ms]` for the charts' time axes: the event files' times, else (a run watched live) the bar's `at`. */
export function stepTimeSeries(t: StepTiming): Series {
  return seriesLength(t.wall) > 0 ? t.wall : t.liveAt;
}

/** What a run's clock says; every duration in seconds, every time in wall ms. */
export interface TimingSummary {
  startedAt?: number;
  endedAt?: number;
  /** The newest step with a time, and that time (wall ms when `anchored`, else ms since the bar's start). */
  lastStep?: number;
  lastStepAt?: number;
  /** Step times are wall times (false: only tqdm's elapsed, durations without a clock). */
  anchored: boolean;
  /** Training time only (pauses left out) over the steps it took. */
  avgSecPerStep?: number;
  /** The last RECENT_STEPS steps, pauses left out. */
  recentSecPerStep?: number;
  pauses: Record<PauseKind, { count: number; totalSec: number }>;
  /** Seconds left from `lastStepAt`: remaining steps × recent s/step + the pauses still to come. */
  etaSec?: number;
  /** The ETA leaves out pauses whose length is not known yet (no validation or checkpoint seen so far). */
  etaPartial?: boolean;
}

interface Clock {
  /** Steps in order, the points whose time is known. */
  axis: Series;
  timeOf(step: number): number | undefined;
  anchored: boolean;
}

function pointAt(s: Series, i: number): Point {
  return i < s.len ? s.buf[i]! : s.tail!;
}

function clockOf(t: StepTiming): Clock | undefined {
  const { wall, barElapsed, liveAt } = t;
  const wallAt = (step: number) => seriesAt(wall, step)?.value;
  const atOf = (step: number) => seriesAt(liveAt, step)?.value;
  // The event files' times when there are any: precise, and the same in a reload. (tqdm's elapsed, rounded down to the
  // second, would put fast steps at the same time as the bar's first draw.)
  if (seriesLength(wall) > 0) return { axis: wall, anchored: true, timeOf: wallAt };
  if (seriesLength(barElapsed) === 0) return seriesLength(liveAt) > 0 ? { axis: liveAt, anchored: true, timeOf: atOf } : undefined;
  // The bar's start: the earliest of (at − elapsed) over the newest steps seen live (elapsed is rounded down).
  let start: number | undefined;
  const n = seriesLength(barElapsed);
  for (let i = n - 1, seen = 0; i >= 0 && seen < BAR_START_SAMPLES; i--) {
    const p = pointAt(barElapsed, i);
    const at = atOf(p.step);
    if (at === undefined) continue;
    seen++;
    const c = at - p.value * 1000;
    if (start === undefined || c < start) start = c;
  }
  const base = start ?? 0;
  return {
    axis: barElapsed,
    anchored: start !== undefined,
    timeOf: (step) => {
      const e = seriesAt(barElapsed, step);
      return e ? base + e.value * 1000 : undefined;
    },
  };
}

function argNumber(args: Readonly<Record<string, ArgValue>> | null, script: ScriptKind | null, dest: string): number | undefined {
  const v = args?.[dest] ?? (script ? SCRIPTS[script].byDest.get(dest)?.default : undefined);
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export interface TimingContext {
  step: number | null;
  totalSteps: number | null;
  stepsPerEpoch: number | undefined;
  script: ScriptKind | null;
  args: Readonly<Record<string, ArgValue>> | null;
  ended: boolean;
}

/** Steps in [from, to] after which the script validates (the last step of every `validation_epochs`-th epoch). */
export function validationsAhead(ctx: TimingContext, from: number, to: number): number {
  const prompt = ctx.args?.validation_prompt;
  if (ctx.args && (typeof prompt !== 'string' || prompt === '')) return 0;
  const every = argNumber(ctx.args, ctx.script, 'validation_epochs');
  const spe = ctx.stepsPerEpoch;
  if (!every || !spe || to < from) return 0;
  // Epoch e validates after step min((e + 1) × spe, to): those from the first epoch ending at or after `from` to the
  // last, counted as multiples of `every` (no loop: a run may have as many epochs as steps).
  const first = Math.max(0, Math.ceil(from / spe) - 1);
  const last = Math.ceil(to / spe) - 1;
  return last < first ? 0 : Math.floor(last / every) - Math.floor((first - 1) / every);
}

/** Checkpoint saves at steps in [from, to] (`global_step % checkpointing_steps == 0`). */
export function checkpointsAhead(ctx: TimingContext, from: number, to: number): number {
  const every = argNumber(ctx.args, ctx.script, 'checkpointing_steps');
  if (!every || to < from) return 0;
  return Math.floor(to / every) - Math.floor((Math.max(1, from) - 1) / every);
}

/**
 * Speed, pauses and ETA from the step times. A pause's length is its gap less the steps' own time (the gap's steps ×
 * the average s/step of the gaps without a pause); a gap holding both a checkpoint and a validation gives the
 * checkpoint the mean of the checkpoint-only gaps and the validation the rest.
 */
export function timingSummary(t: StepTiming, ctx: TimingContext): TimingSummary {
  const out: TimingSummary = {
    anchored: false,
    pauses: { validation: { count: 0, totalSec: 0 }, checkpoint: { count: 0, totalSec: 0 } },
  };
  if (t.startedAt !== null) out.startedAt = t.startedAt;
  if (t.endedAt !== null) out.endedAt = t.endedAt;
  const clock = clockOf(t);
  if (!clock) return out;
  out.anchored = clock.anchored;
  const { axis } = clock;
  const n = seriesLength(axis);
  const first = pointAt(axis, 0);
  const last = pointAt(axis, n - 1);
  const lastAt = clock.timeOf(last.step);
  const firstAt = clock.timeOf(first.step);
  out.lastStep = last.step;
  if (lastAt !== undefined) out.lastStepAt = lastAt;
  if (lastAt === undefined || firstAt === undefined || last.step <= first.step) return withEta(out, ctx);

  // The gaps that hold a pause: from the axis point at or before the pause's step to the next one.
  const gaps: Array<{ from: number; to: number; sec: number; kinds: Set<PauseKind> }> = [];
  for (const p of t.pauses) {
    if (p.step < first.step || p.step >= last.step) continue;
    const i = indexAtOrBefore(axis, p.step);
    if (i < 0 || i + 1 >= n) continue;
    const a = pointAt(axis, i).step;
    const b = pointAt(axis, i + 1).step;
    const ta = clock.timeOf(a);
    const tb = clock.timeOf(b);
    if (ta === undefined || tb === undefined) continue;
    const g = gaps.at(-1);
    if (g && g.from === a) g.kinds.add(p.kind);
    else gaps.push({ from: a, to: b, sec: Math.max(0, (tb - ta) / 1000), kinds: new Set([p.kind]) });
  }
  let pausedSec = 0;
  let pausedSteps = 0;
  for (const g of gaps) {
    pausedSec += g.sec;
    pausedSteps += g.to - g.from;
  }
  const spanSec = (lastAt - firstAt) / 1000;
  const trainSteps = last.step - first.step - pausedSteps;
  const stepSec = trainSteps > 0 ? Math.max(0, spanSec - pausedSec) / trainSteps : undefined;
  const excess = (g: (typeof gaps)[number]) => Math.max(0, g.sec - (g.to - g.from) * (stepSec ?? 0));
  const ckptOnly = gaps.filter((g) => g.kinds.size === 1 && g.kinds.has('checkpoint'));
  const ckptMean = ckptOnly.length ? ckptOnly.reduce((a, g) => a + excess(g), 0) / ckptOnly.length : 0;
  let pauseSec = 0;
  for (const g of gaps) {
    const e = excess(g);
    pauseSec += e;
    if (g.kinds.size === 2) {
      const c = Math.min(e, ckptMean);
      add(out, 'checkpoint', c);
      add(out, 'validation', e - c);
    } else add(out, g.kinds.has('validation') ? 'validation' : 'checkpoint', e);
  }
  // The average over training time: the whole span less the pauses (a pause gap's own steps stay in).
  // Zero when every step so far fell in the bar's first second: no speed yet rather than an infinite one.
  const avg = Math.max(0, spanSec - pauseSec) / (last.step - first.step);
  if (avg > 0) out.avgSecPerStep = avg;
  const recent = recentSecPerStep(axis, clock, t.pauses) ?? out.avgSecPerStep;
  if (recent !== undefined && recent > 0) out.recentSecPerStep = recent;
  return withEta(out, ctx);
}

function add(out: TimingSummary, kind: PauseKind, sec: number): void {
  out.pauses[kind].count++;
  out.pauses[kind].totalSec += sec;
}

function indexAtOrBefore(s: Series, step: number): number {
  let lo = 0;
  let hi = seriesLength(s);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pointAt(s, mid).step <= step) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Seconds per step over the newest RECENT_STEPS steps whose gaps held no pause. */
function recentSecPerStep(axis: Series, clock: Clock, pauses: readonly PauseMark[]): number | undefined {
  let steps = 0;
  let ms = 0;
  for (let i = seriesLength(axis) - 1; i > 0 && steps < RECENT_STEPS; i--) {
    const b = pointAt(axis, i).step;
    const a = pointAt(axis, i - 1).step;
    if (hasPauseIn(pauses, a, b)) continue;
    const tb = clock.timeOf(b);
    const ta = clock.timeOf(a);
    if (ta === undefined || tb === undefined) continue;
    steps += b - a;
    ms += Math.max(0, tb - ta);
  }
  return steps > 0 ? ms / 1000 / steps : undefined;
}

/**
 * Seconds left after the newest step: the steps left at the recent speed, and the validations and checkpoint saves
 * still to come (those at the newest step too: they come after its time) at their mean length so far; the final save
 * and test images as one checkpoint and one validation.
 */
function withEta(out: TimingSummary, ctx: TimingContext): TimingSummary {
  const total = ctx.totalSteps;
  const last = out.lastStep ?? ctx.step;
  if (ctx.ended || !total || last === undefined || last === null) return out;
  const perStep = out.recentSecPerStep;
  const left = Math.max(0, total - last);
  if (left > 0 && perStep === undefined) return out;
  const mean = (k: PauseKind) => (out.pauses[k].count ? out.pauses[k].totalSec / out.pauses[k].count : undefined);
  const validations = validationsAhead(ctx, Math.max(1, last), total) + (hasFinalImages(ctx) ? 1 : 0);
  const checkpoints = checkpointsAhead(ctx, Math.max(1, last), total) + 1; // + the final save
  const vMean = mean('validation');
  const cMean = mean('checkpoint');
  let eta = left * (perStep ?? 0);
  if (validations > 0) {
    if (vMean !== undefined) eta += validations * vMean;
    else out.etaPartial = true;
  }
  if (cMean !== undefined) eta += checkpoints * cMean;
  else if (checkpoints > 1) out.etaPartial = true;
  out.etaSec = eta;
  return out;
}

/** The scripts generate test images after the final save when there is a validation prompt. */
function hasFinalImages(ctx: TimingContext): boolean {
  const prompt = ctx.args?.validation_prompt;
  if (typeof prompt !== 'string' || prompt === '') return false;
  return (argNumber(ctx.args, ctx.script, 'num_validation_images') ?? 0) > 0;
}
