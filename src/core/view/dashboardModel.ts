// Maps a run's RunState (from the one reducer) onto the dashboard's view model, and works out the delta between
// what was last sent and the state now, so the webview gets appends rather than the whole state (small lists that can
// lose entries, such as the checkpoints, are sent whole when they change).
import { isEnded, stepsPerEpoch, type RunState } from '../run/state';
import { isMultiRank } from '../run/ranks';
import { clipDrop, clipDropMessage, clipSeriesOf, validationStep } from '../run/clipScores';
import { imageKeyOf } from '../worker/clipScoreFile';
import { seriesLength, type Series } from '../run/series';
import type { Diagnosis } from '../run/events';
import { failureTitle } from '../run/failure';
import { redactText } from '../util/redact';
import { epochText } from '../../shared/epochs';
import { runTiming } from '../run/runTiming';
import { secPerStepSeries, stepTimeSeries } from '../run/stepTimes';
import type {
  CheckpointView,
  DeltaMessage,
  FailureView,
  GalleryImageView,
  GpuSampleView,
  MarkerView,
  Point,
  RankView,
  RanksView,
  RunOutcome,
  RunStatusView,
  RunView,
} from '../../shared/dashboardProtocol';
import { STEP_TIME_SERIES } from '../../shared/dashboardProtocol';
import { isSlurmPending, slurmStateText } from './slurmView';

export interface RunMeta {
  id: string;
  label: string;
  simulated: boolean;
  /** Webview URI for an image file the run produced (full size, and the thumbnail when there is one). */
  imageUri: (absPath: string) => { uri: string; thumbUri?: string } | undefined;
  /** 1-based console line of the failure, when known. */
  failureLine?: number;
}

function pointAt(s: Series, i: number): { step: number; value: number } {
  return i < s.len ? s.buf[i]! : s.tail!;
}

/** Every series of a run, by name, as the dashboard charts them (also what "Export Run Metrics" writes). */
export function seriesOf(state: RunState): Record<string, Series> {
  // sec_per_it: from the step times, a step whose gap held a validation or a save left out (not tqdm's smoothed rate).
  const out: Record<string, Series> = {
    train_loss: state.loss.train_loss,
    step_loss: state.loss.step_loss,
    lr: state.lrSeries,
    sec_per_it: secPerStepSeries(state.timing),
    [STEP_TIME_SERIES]: stepTimeSeries(state.timing),
  };
  for (const [k, v] of Object.entries(state.scalars)) if (!(k in out)) out[k] = v;
  for (const [k, v] of Object.entries(clipSeriesOf(state))) if (!(k in out)) out[k] = v;
  // DreamBooth logs `loss` to the event files: it is the train loss.
  if (seriesLength(out.train_loss!) === 0 && state.scalars.loss) out.train_loss = state.scalars.loss;
  return out;
}

function toPoints(s: Series, from = 0): Point[] {
  const n = seriesLength(s);
  const out: Point[] = new Array(Math.max(0, n - from));
  for (let i = from; i < n; i++) {
    const p = pointAt(s, i);
    out[i - from] = [p.step, p.value];
  }
  return out;
}

export function statusView(s: RunState): RunStatusView {
  const outcome: RunOutcome = s.state === 'finished' ? 'succeeded' : s.state === 'failed' ? 'failed' : s.state === 'stopped' ? 'stopped' : 'running';
  const v: RunStatusView = { outcome };
  if (outcome === 'running' && s.state !== 'queued') v.phase = s.state as NonNullable<RunStatusView['phase']>;
  if (s.step !== null) v.step = s.step;
  if (s.totalSteps !== null) v.totalSteps = s.totalSteps;
  if (s.epoch !== null) v.epoch = s.epoch;
  if (s.numEpochs !== null) v.totalEpochs = s.numEpochs;
  const t = runTiming(s);
  if (t.recentSecPerStep) {
    v.secondsPerIt = t.recentSecPerStep;
    const batch = s.banner.totalBatchSize;
    if (batch) v.imagesPerSec = batch / t.recentSecPerStep;
  }
  if (t.etaSec !== undefined && outcome === 'running') v.etaSeconds = t.etaSec;
  if (outcome === 'running' && s.hang) v.stalledSeconds = s.hang.sinceSec;
  if (s.device !== null) v.device = s.device;
  if (t.startedAt !== undefined) v.startedAt = t.startedAt;
  if (t.endedAt !== undefined && outcome !== 'running') v.endedAt = t.endedAt;
  if (t.anchored && t.lastStepAt !== undefined) v.lastStepAt = t.lastStepAt;
  if (t.avgSecPerStep) v.avgSecondsPerIt = t.avgSecPerStep;
  if (t.etaPartial && v.etaSeconds !== undefined) v.etaPartial = true;
  if (t.pauses.validation.count) v.validationPause = { count: t.pauses.validation.count, seconds: t.pauses.validation.totalSec };
  if (t.pauses.checkpoint.count) v.checkpointPause = { count: t.pauses.checkpoint.count, seconds: t.pauses.checkpoint.totalSec };
  const spe = stepsPerEpoch(s.banner);
  if (spe) v.stepsPerEpoch = spe;
  // The Slurm job, also once ended: its id is what `sacct` / `seff` / the cluster's admins ask for.
  if (s.slurm) {
    const j = s.slurm;
    v.slurm = {
      jobId: j.jobId,
      state: j.state,
      text: slurmStateText(j),
      pending: isSlurmPending(j),
      ...(j.reason ? { reason: j.reason } : {}),
      ...(j.nodes ? { nodes: j.nodes } : {}),
    };
  }
  return v;
}

function galleryView(s: RunState, meta: RunMeta): GalleryImageView[] {
  const out: GalleryImageView[] = [];
  const prompt = typeof s.args?.validation_prompt === 'string' ? s.args.validation_prompt : s.validation.current?.prompt;
  const scores = new Map<string, number>();
  for (const c of s.clip.scores) scores.set(c.key, c.score);
  for (const entry of s.validation.entries) {
    // The grid labels each validation with its step as well as its epoch.
    const step = validationStep(s, entry.tag, entry.epoch);
    entry.images.forEach((img, index) => {
      const uris = meta.imageUri(img.ref);
      if (!uris) return;
      const key = imageKeyOf(img.ref);
      const clipScore = key !== undefined ? scores.get(key) : undefined;
      out.push({
        epoch: entry.tag === 'test' ? 'test' : entry.epoch,
        index,
        ...uris,
        ...(prompt ? { prompt } : {}),
        ...(step !== undefined ? { step } : {}),
        ...(clipScore !== undefined ? { clipScore } : {}),
        ...(img.width ? { width: img.width } : {}),
        ...(img.height ? { height: img.height } : {}),
      });
    });
  }
  return out;
}

function checkpointsView(s: RunState): CheckpointView[] {
  return s.checkpoints.map((c) => ({ step: c.step, path: c.path, complete: c.complete, ...(c.sizeBytes !== undefined ? { sizeBytes: c.sizeBytes } : {}) }));
}

/** Checkpoints, validations (converted from the epoch the event files log to a global step) and the resume point. */
function markersView(s: RunState): MarkerView[] {
  const out: MarkerView[] = s.checkpoints.map((c) => ({ step: c.step, kind: 'checkpoint', label: `checkpoint-${c.step}${c.complete ? '' : ' (incomplete)'}` }));
  for (const e of s.validation.entries) {
    if (e.tag !== 'validation') continue;
    const step = validationStep(s, e.tag, e.epoch);
    if (step !== undefined) out.push({ step, kind: 'validation', label: `validation, ${epochText(e.epoch)}` });
  }
  if (s.resumedFrom) out.push({ step: s.resumedFrom.step, kind: 'resume', label: `resumed from ${s.resumedFrom.checkpoint}` });
  return out.sort((a, b) => a.step - b.step);
}

/** GPU samples newer than `after` (wall-clock ms); the state keeps a bounded window, so a count would not do. */
function gpuView(s: RunState, after = -Infinity): GpuSampleView[] {
  const out: GpuSampleView[] = [];
  for (const sample of s.gpu.samples) {
    if (sample.wallTime <= after) continue;
    for (const g of sample.gpus) {
      out.push({
        t: sample.wallTime,
        index: g.index,
        ...(g.utilizationPct !== undefined ? { utilizationPct: g.utilizationPct } : {}),
        ...(g.memoryUsedMiB !== undefined ? { memoryUsedMiB: g.memoryUsedMiB } : {}),
        ...(g.memoryTotalMiB !== undefined ? { memoryTotalMiB: g.memoryTotalMiB } : {}),
        ...(g.runMemoryMiB !== undefined ? { runMemoryMiB: g.runMemoryMiB } : {}),
        ...(g.temperatureC !== undefined ? { temperatureC: g.temperatureC } : {}),
      });
    }
  }
  return out;
}

/** The diagnosis the failure banner shows (and whose fix its button applies): the failure, or a NaN loss while running. */
export function shownFailure(s: RunState): Diagnosis | undefined {
  return s.failure ?? (s.state === 'failed' ? null : s.warnings.find((w) => w.class === 'nan_loss')) ?? undefined;
}

/** The extension's notes on the run, and a CLIP score drop (clipDrop) first. */
function noticesView(s: RunState): string[] {
  const drop = clipDrop(s);
  const notes = s.notices.map((n) => redactText(n));
  return drop ? [clipDropMessage(drop), ...notes] : notes;
}

/** The Ranks view: only for a run where more than one rank printed (core/run/ranks.ts). */
export function ranksView(s: RunState): RanksView | undefined {
  const r = s.ranks;
  if (!isMultiRank(r)) return undefined;
  const ended = isEnded(s);
  const ranks = r.ranks.map((x): RankView => ({
    rank: x.rank,
    state: x.error !== null ? 'failed' : ended ? 'ended' : 'running',
    ...(x.lastLine !== null ? { lastLine: redactText(x.lastLine) } : {}),
    ...(x.error !== null ? { error: redactText(x.error) } : {}),
    ...(r.firstFailure?.rank === x.rank ? { first: true } : {}),
  }));
  return { ranks, ...(r.more > 0 ? { more: r.more } : {}), ...(s.numProcesses !== null ? { processes: s.numProcesses } : {}) };
}

function failureView(s: RunState, meta: RunMeta): FailureView | undefined {
  const f = shownFailure(s);
  if (!f) return undefined;
  // The state's texts were masked as the console was read; what goes to the webview is masked once more (redact.ts).
  return {
    class: f.class,
    title: failureTitle(f.class),
    message: redactText(f.message),
    remedy: redactText(f.remedy),
    ...(f.fix ? { fixTitle: f.fix.title } : {}),
    ...(meta.failureLine ? { consoleLine: meta.failureLine } : {}),
  };
}

export function runView(s: RunState, meta: RunMeta, loaded = true): RunView {
  const series: Record<string, Point[]> = {};
  if (loaded) for (const [k, v] of Object.entries(seriesOf(s))) if (seriesLength(v) > 0) series[k] = toPoints(v);
  const failure = failureView(s, meta);
  const prompt = typeof s.args?.validation_prompt === 'string' ? redactText(s.args.validation_prompt) : undefined;
  const notices = noticesView(s);
  const ranks = ranksView(s);
  return {
    id: meta.id,
    label: meta.label,
    ...(s.script ? { script: s.script } : {}),
    simulated: meta.simulated,
    loaded,
    status: statusView(s),
    series,
    gallery: loaded ? galleryView(s, meta) : [],
    checkpoints: checkpointsView(s),
    markers: loaded ? markersView(s) : [],
    gpu: loaded ? gpuView(s) : [],
    ...(failure ? { failure } : {}),
    ...(prompt ? { validationPrompt: prompt } : {}),
    ...(notices.length ? { notices } : {}),
    ...labelsView(s),
    ...(ranks ? { ranks } : {}),
  };
}

/** The user's tags and note of the run (names, notes and tags are the user's own text: shown as text, never markup). */
function labelsView(s: RunState): { tags?: string[]; note?: string } {
  const l = s.labels;
  if (!l) return {};
  return { ...(l.tags.length ? { tags: [...l.tags] } : {}), ...(l.note ? { note: redactText(l.note) } : {}) };
}

interface SentSeries {
  count: number;
  lastStep: number;
  lastValue: number;
}

/**
 * Remembers what one run's webview has been sent and produces the next delta. Appends are O(new points): the series
 * buffer is only read past what was sent, unless a resume rewrote earlier steps (then the series is sent again whole).
 */
export class RunDeltaTracker {
  private sent = new Map<string, SentSeries>();
  private gpuSentUntil = -Infinity;
  /** What was last sent of each whole-value part (status, gallery, checkpoints, markers, …), as JSON. */
  private readonly sentKeys = new Map<string, string>();

  /** The full view, and from now on deltas are relative to it. */
  full(s: RunState, meta: RunMeta): RunView {
    const view = runView(s, meta);
    this.sent.clear();
    for (const [name, series] of Object.entries(seriesOf(s))) this.mark(name, series);
    this.gpuSentUntil = s.gpu.samples.at(-1)?.wallTime ?? -Infinity;
    this.sentKeys.clear();
    this.changed('gallery', view.gallery);
    this.changed('checkpoints', view.checkpoints);
    this.changed('markers', view.markers);
    this.changed('status', view.status);
    this.changed('failure', view.failure);
    this.changed('notices', view.notices ?? []);
    this.changed('label', view.label);
    this.changed('labels', { tags: view.tags ?? [], ...(view.note ? { note: view.note } : {}) });
    this.changed('ranks', view.ranks);
    return view;
  }

  /** True, and remembered as sent, when `value` differs from what was last sent as `part`. */
  private changed(part: string, value: unknown): boolean {
    const key = JSON.stringify(value ?? null);
    if (this.sentKeys.get(part) === key) return false;
    this.sentKeys.set(part, key);
    return true;
  }

  private mark(name: string, series: Series): void {
    const n = seriesLength(series);
    if (n === 0) return void this.sent.delete(name);
    const last = pointAt(series, n - 1);
    this.sent.set(name, { count: n, lastStep: last.step, lastValue: last.value });
  }

  delta(s: RunState, meta: RunMeta): DeltaMessage | undefined {
    const d: DeltaMessage = { type: 'delta', runId: meta.id };
    const append: Record<string, Point[]> = {};
    for (const [name, series] of Object.entries(seriesOf(s))) {
      const n = seriesLength(series);
      if (n === 0) continue;
      const sent = this.sent.get(name);
      let from = 0;
      if (sent && sent.count <= n) {
        const p = pointAt(series, sent.count - 1);
        if (p.step === sent.lastStep) from = Object.is(p.value, sent.lastValue) ? sent.count : sent.count - 1;
      }
      if (from >= n) continue;
      append[name] = toPoints(series, from);
      this.mark(name, series);
    }
    if (Object.keys(append).length > 0) d.appendSeries = append;
    const lastGpu = s.gpu.samples.at(-1)?.wallTime;
    if (lastGpu !== undefined && lastGpu > this.gpuSentUntil) {
      d.gpu = gpuView(s, this.gpuSentUntil);
      this.gpuSentUntil = lastGpu;
    }
    const status = statusView(s);
    if (this.changed('status', status)) d.status = status;
    const gallery = galleryView(s, meta);
    if (this.changed('gallery', gallery)) d.gallery = gallery; // upserted by (epoch, index) on the webview side
    // Whole lists, replaced on the webview side: a checkpoint pruned or deleted on disk must go from the table and chart.
    const checkpoints = checkpointsView(s);
    if (this.changed('checkpoints', checkpoints)) d.checkpoints = checkpoints;
    const markers = markersView(s);
    if (this.changed('markers', markers)) d.markers = markers;
    const failure = failureView(s, meta);
    if (this.changed('failure', failure)) d.failure = failure ?? null;
    const notices = noticesView(s);
    if (this.changed('notices', notices)) d.notices = notices;
    // A run's name gains its start time when a later run takes the same name.
    if (this.changed('label', meta.label)) d.label = meta.label;
    const lv = labelsView(s);
    const labels = { tags: lv.tags ?? [], ...(lv.note ? { note: lv.note } : {}) };
    if (this.changed('labels', labels)) d.labels = labels;
    const ranks = ranksView(s);
    if (ranks && this.changed('ranks', ranks)) d.ranks = ranks;
    return Object.keys(d).length > 2 ? d : undefined;
  }
}
