// One-shot summary of a run from its files: a run record folder (console.log + run.json), an output_dir, or a bare
// console log. It is a one-shot use of the monitor: a record folder is read by RunMonitor.readOnce (option summary),
// a bare console log or output_dir by the same sources over fixed facts (oneShot.ts), all into the one reducer.
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ScriptKind } from '../scripts/scriptTables';
import { redactorOf } from '../util/redact';
import { isChildExceptionLine } from '../run/failure';
import type { Diagnosis, RunEvent } from '../run/events';
import { reduce } from '../run/reducer';
import { clipDrop, clipDropMessage, clipValidations } from '../run/clipScores';
import { initialRunState, isEnded, type RunState } from '../run/state';
import { seriesLast, type Series } from '../run/series';
import { recordFiles } from '../supervisor/runRecord';
import { runDurationSec, runTiming } from '../run/runTiming';
import { epochNumber } from '../../shared/epochs';
import { RunMonitor } from './runMonitor';
import { OneShotContext } from './oneShot';
import { ConsoleSource } from './sources/console';
import { CheckpointSource } from './sources/checkpoints';
import { TensorboardSource } from './sources/tensorboard';
import { TrackerSource } from './sources/tracker';

export type SummaryState = 'running' | 'succeeded' | 'failed' | 'stopped' | 'unknown';

/** The `summarize --json` shape; keys in this order, null where unknown. */
export interface RunSummary {
  script: ScriptKind | null;
  state: SummaryState;
  step: number | null;
  totalSteps: number | null;
  /** Counted from 1, as every view shows it (`epoch 2/8`); the scripts count from 0. */
  epoch: number | null;
  totalEpochs: number | null;
  /** The newest loss and learning rate: the console's Steps postfix, else the event files' (`loss`/`train_loss`, `lr`). */
  stepLoss: number | null;
  lr: number | null;
  checkpoints: Array<{ step: number; complete: boolean }>;
  failure: { class: string; message: string; remedy: string; configKey: string | null } | null;
  /** CLIP scores of the validation images (the run's clip-scores.jsonl), when there are any; `drop`: the warning. */
  clip: ClipSummary | null;
  /** The run's clock (core/run/stepTimes.ts): start, end, duration, speeds (s/step, pauses left out), ETA, pauses. */
  time: TimeSummary;
}

export interface TimeSummary {
  startedAt: string | null;
  endedAt: string | null;
  durationSec: number | null;
  avgSecPerStep: number | null;
  recentSecPerStep: number | null;
  /** From the newest step's time; null once the run ended. */
  etaSec: number | null;
  validations: { count: number; pauseSec: number };
  checkpointSaves: { count: number; pauseSec: number };
}

function timeSummary(s: RunState): TimeSummary {
  const t = runTiming(s);
  const r = (v: number | undefined) => (v === undefined ? null : Math.round(v * 1000) / 1000);
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    startedAt: iso(t.startedAt),
    endedAt: iso(t.endedAt),
    durationSec: r(runDurationSec(t)),
    avgSecPerStep: r(t.avgSecPerStep),
    recentSecPerStep: r(t.recentSecPerStep),
    etaSec: isEnded(s) ? null : r(t.etaSec),
    validations: { count: t.pauses.validation.count, pauseSec: r(t.pauses.validation.totalSec) ?? 0 },
    checkpointSaves: { count: t.pauses.checkpoint.count, pauseSec: r(t.pauses.checkpoint.totalSec) ?? 0 },
  };
}

export interface ClipSummary {
  model: string;
  /** Each scored validation (and the final test images, tag `test`); `epoch` counted from 1. */
  validations: Array<{ tag: string; epoch: number; step: number | null; mean: number; scores: Array<number | null> }>;
  drop: string | null;
}

function clipSummary(s: RunState): ClipSummary | null {
  if (s.clip.model === null || s.clip.scores.length === 0) return null;
  const drop = clipDrop(s);
  return {
    model: s.clip.model,
    validations: clipValidations(s).map((v) => ({
      tag: v.tag,
      epoch: epochNumber(v.epoch),
      step: v.step ?? null,
      mean: v.mean,
      scores: Array.from(v.scores, (x) => x ?? null),
    })),
    drop: drop ? clipDropMessage(drop) : null,
  };
}

export type SummarySource = 'record' | 'outputDir' | 'console';

export interface SummarizeResult {
  source: SummarySource;
  summary: RunSummary;
  state: RunState;
  /** Problems reading optional parts (run.json unreadable, …); the summary is still produced. */
  notes: string[];
}

async function exists(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const st = await stat(p);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Streams a console log through the console source into the state (bounded memory whatever the file size).
 * `secrets`: values masked in every kept text (Hugging Face tokens are in any case).
 */
export async function reduceConsoleFile(path: string, state: RunState, secrets: readonly string[] = []): Promise<RunState> {
  return (await readConsoleFile(path, state, secrets)).state;
}

/**
 * reduceConsoleFile, and whether the console ends in a Python error: an uncaught exception (in a traceback, or alone
 * at the top of a log that starts mid-traceback) or a traceback cut off before its exception line, with no step made
 * after it. A bare console log has no exit status; this is the evidence that the run failed.
 */
async function readConsoleFile(path: string, state: RunState, secrets: readonly string[]): Promise<{ state: RunState; endsInError: boolean }> {
  // The step at the last error since which no step was made (null: before any step); undefined: no such error.
  let errorAt: number | null | undefined;
  const watch = (e: RunEvent, s: RunState) => {
    if (e.type === 'traceback' && (e.traceback.exception === undefined || isChildExceptionLine(e.traceback.exception))) errorAt = s.step;
    else if (e.type === 'errorLine' && isChildExceptionLine(e.text)) errorAt = s.step;
    else if (e.type === 'progress' && errorAt !== undefined && e.step > (errorAt ?? 0)) errorAt = undefined;
  };
  const ctx = new OneShotContext({ imageCacheDir: '', summary: true, secrets }, {}, path, state, watch);
  const s = await ctx.readAll([new ConsoleSource(secrets)]);
  return { state: s, endsInError: errorAt !== undefined };
}

function summaryState(s: RunState, source: SummarySource, recordState: string | undefined): SummaryState {
  const ended: Partial<Record<RunState['state'], SummaryState>> = { finished: 'succeeded', failed: 'failed', stopped: 'stopped' };
  if (ended[s.state]) return ended[s.state]!;
  if (recordState) {
    if (recordState === 'succeeded' || recordState === 'failed' || recordState === 'stopped') return recordState;
    if (recordState === 'queued' || recordState === 'starting' || recordState === 'running') return 'running';
  }
  // A bare log or an output_dir cannot tell a live run from one that died silently.
  return source === 'record' && s.state !== 'queued' ? 'running' : 'unknown';
}

function failureOf(s: RunState): Diagnosis | null {
  return s.failure ?? s.warnings.find((w) => w.class === 'nan_loss') ?? s.warnings[0] ?? null;
}

/** The value at the newest step of an event-file series (an output_dir read without its console). */
function lastValue(series: Series | undefined): number | null {
  const last = series ? seriesLast(series) : undefined;
  return last && Number.isFinite(last.value) ? last.value : null;
}

export function toSummary(s: RunState, source: SummarySource, recordState?: string): RunSummary {
  const f = failureOf(s);
  const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
  return {
    script: s.script,
    state: summaryState(s, source, recordState),
    step: s.step,
    totalSteps: s.totalSteps,
    epoch: s.epoch === null ? null : epochNumber(s.epoch),
    totalEpochs: s.numEpochs,
    stepLoss: finite(s.stepLoss) ?? lastValue(s.loss.train_loss) ?? lastValue(s.scalars.loss),
    lr: finite(s.lr) ?? lastValue(s.scalars.lr),
    checkpoints: s.checkpoints.map((c) => ({ step: c.step, complete: c.complete })),
    failure: f ? { class: f.class, message: f.message, remedy: f.remedy, configKey: f.configKey ?? null } : null,
    clip: clipSummary(s),
    time: timeSummary(s),
  };
}

/**
 * Summarizes PATH (run record folder, output_dir, or console log file). Throws only when PATH does not exist.
 * `secrets`: values masked in the summary, the state and the notes, besides any Hugging Face token.
 */
export async function summarizePath(path: string, opts: { secrets?: readonly string[] } = {}): Promise<SummarizeResult> {
  const result = await summarizeFiles(path, opts.secrets ?? []);
  const redact = redactorOf(opts.secrets);
  // The summary's texts come from the state (masked as the console was parsed); notes quote records and files too.
  return { ...result, notes: result.notes.map((n) => redact(n)) };
}

async function summarizeFiles(path: string, secrets: readonly string[]): Promise<SummarizeResult> {
  const kind = await exists(path);
  if (!kind) throw new Error(`${path}: no such file or folder`);
  if (kind === 'file') {
    const read = await readConsoleFile(path, initialRunState(), secrets);
    let s = read.state;
    // No exit status in a bare log: one that ends in a Python error failed (cause unknown when the exception is cut off).
    if (read.endsInError && !isEnded(s)) s = reduce(s, { type: 'exit', code: null, signal: null });
    return { source: 'console', summary: toSummary(s, 'console'), state: s, notes: [...s.notices] };
  }
  // A record folder: its console, or only run.json while nothing has printed yet (a queued run, a Slurm job pending).
  if ((await exists(join(path, 'console.log'))) === 'file' || (await exists(join(path, 'run.json'))) === 'file') return summarizeRecord(path, secrets);
  // A bare output_dir does not say its logging_dir (the default one) nor whose files it holds (all of them).
  const ctx = new OneShotContext(
    { imageCacheDir: '', summary: true, secrets },
    {
      launch: { id: basename(path), argv: [], args: {}, outputDir: path, cwd: path, env: {}, record: {} },
      unowned: true,
    },
    undefined,
  );
  const s = await ctx.readAll([new CheckpointSource(), new TrackerSource(), new TensorboardSource()]);
  return { source: 'outputDir', summary: toSummary(s, 'outputDir'), state: s, notes: [...s.notices] };
}

/** A run record folder, read as the monitor reads it (RunMonitor.readOnce), once, to the end of its files. */
async function summarizeRecord(dir: string, secrets: readonly string[]): Promise<SummarizeResult> {
  // A workspace's record `.sdxl/runs/<id>` has its images (and CLIP scores) in `.sdxl/images/<id>`.
  const imageCacheDir = basename(dirname(dir)) === 'runs' ? join(dirname(dirname(dir)), 'images') : '';
  const monitor = new RunMonitor({ recordDir: dir, imageCacheDir, secrets, summary: true });
  const s = await monitor.readOnce();
  const launch = monitor.launch;
  // How the supervisor settled the run (wrapper killed, exit status unknown, …), when the state does not say it yet.
  const note = launch?.note && !s.notices.some((n) => n.includes(launch.note!)) ? [`${recordFiles(dir).run}: ${launch.note}`] : [];
  return { source: 'record', summary: toSummary(s, 'record', launch?.state), state: s, notes: [...note, ...s.notices] };
}
