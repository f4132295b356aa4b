// One-shot summary of a run from its files: a run record folder (console.log + run.json), an output_dir, or a bare
// console log. Everything goes through the same parser → events → reducer path the live views use.
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { isScriptKind, type ArgValue, type ScriptKind } from '../scripts/scriptTables';
import { ConsoleParser } from '../worker/consoleParser';
import { argsFromArgv } from '../launch/planArgs';
import { redactorOf } from '../util/redact';
import { checkTensorboardLogs, isChildExceptionLine } from '../run/failure';
import { logsDirOf } from '../worker/logsDir';
import { isOwnEventFile, type RunWindow } from '../worker/eventAttribution';
import { scanCheckpoints } from '../worker/checkpoints';
import { findEventFiles, EventTailer } from '../events/eventDir';
import { readLatestHparams } from '../events/hparams';
import type { Diagnosis, RunEvent } from '../run/events';
import { reduce } from '../run/reducer';
import { initialRunState, isEnded, type RunState } from '../run/state';
import { seriesLast, type Series } from '../run/series';
import { epochNumber } from '../../shared/epochs';

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
}

export type SummarySource = 'record' | 'outputDir' | 'console';

export interface SummarizeResult {
  source: SummarySource;
  summary: RunSummary;
  state: RunState;
  /** Problems reading optional parts (run.json unreadable, …); the summary is still produced. */
  notes: string[];
}

interface RecordInfo {
  script?: ScriptKind;
  exitCode?: number | null;
  signal?: string | null;
  state?: string;
  outputDir?: string;
  args?: Record<string, ArgValue>;
  stopRequested?: boolean;
  /** The run's lifetime (started, ended), for event-file attribution. */
  window?: RunWindow;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

async function exists(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const st = await stat(p);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

async function readJson(path: string, notes: string[]): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    notes.push(`${path}: not a JSON object; ignored`);
  } catch (e) {
    notes.push(`${path}: ${(e as Error).message}; ignored`);
  }
  return undefined;
}

async function readRecord(dir: string, notes: string[]): Promise<RecordInfo> {
  const run = await readJson(join(dir, 'run.json'), notes);
  const exit = await readJson(join(dir, 'exit.json'), notes);
  const info: RecordInfo = {};
  if (run) {
    if (isScriptKind(run.script)) info.script = run.script;
    if (typeof run.state === 'string') info.state = run.state;
    if ('exitCode' in run) info.exitCode = num(run.exitCode);
    if (typeof run.signal === 'string') info.signal = run.signal;
    if (typeof run.note === 'string' && run.note) notes.push(`${join(dir, 'run.json')}: ${run.note}`);
    const plan = run.plan && typeof run.plan === 'object' ? (run.plan as Record<string, unknown>) : undefined;
    const cwd = typeof plan?.cwd === 'string' ? plan.cwd : dir;
    const argv = Array.isArray(plan?.argv) ? plan.argv.filter((a): a is string => typeof a === 'string') : [];
    if (info.script && argv.length) info.args = argsFromArgv(argv, info.script);
    const out = typeof run.outputDir === 'string' ? run.outputDir : typeof info.args?.output_dir === 'string' ? info.args.output_dir : undefined;
    if (out) info.outputDir = isAbsolute(out) ? out : resolve(cwd, out);
  }
  const started = Date.parse(String(run?.startedAt ?? run?.createdAt ?? ''));
  const ended = Date.parse(String(exit?.endedAt ?? run?.endedAt ?? ''));
  if (Number.isFinite(started)) info.window = { startMs: started, ...(Number.isFinite(ended) ? { endMs: ended } : {}) };
  if (exit) {
    if ('exitCode' in exit) info.exitCode = num(exit.exitCode);
    if (typeof exit.signal === 'string') info.signal = exit.signal;
    if (exit.stopRequested === true) info.stopRequested = true;
  }
  return info;
}

/**
 * Streams a console log through a parser into the state (bounded memory whatever the file size). `secrets`: values
 * masked in every kept text (Hugging Face tokens are in any case).
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
  const parser = new ConsoleParser({ secrets });
  let s = state;
  // The step at the last error since which no step was made (null: before any step); undefined: no such error.
  let errorAt: number | null | undefined;
  const apply = (events: RunEvent[]) => {
    for (const e of events) {
      s = reduce(s, e);
      if (e.type === 'traceback' && (e.traceback.exception === undefined || isChildExceptionLine(e.traceback.exception))) errorAt = s.step;
      else if (e.type === 'errorLine' && isChildExceptionLine(e.text)) errorAt = s.step;
      else if (e.type === 'progress' && errorAt !== undefined && e.step > (errorAt ?? 0)) errorAt = undefined;
    }
  };
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  for await (const chunk of stream) apply(parser.push(chunk as Buffer));
  apply(parser.end());
  return { state: s, endsInError: errorAt !== undefined };
}

/** Scalars and image markers from the output_dir's TensorBoard files, oldest writer first. */
async function reduceEventFiles(root: string, state: RunState, notes: string[], owner: RunWindow | undefined): Promise<RunState> {
  if ((await findEventFiles(root)).length === 0) return state;
  const tailer = new EventTailer(root, owner ? { accept: (file) => isOwnEventFile(file, owner) } : {});
  let s = state;
  for (let round = 0; round < 1000; round++) {
    const batch = await tailer.readNew();
    for (const p of batch.problems) notes.push(p.message);
    for (const { file, offset, event } of batch.events) {
      for (const v of event.values) {
        if (v.kind === 'scalar') s = reduce(s, { type: 'scalar', tag: v.tag, step: event.step, value: v.value, wallTime: event.wallTime });
        else if (v.kind === 'image') {
          s = reduce(s, { type: 'validationImages', tag: v.tag, epoch: event.step, images: [{ ref: `${file}#${offset}`, width: v.width, height: v.height }] });
        }
      }
    }
    if (!batch.more) break;
  }
  return s;
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
  const notes: string[] = [];
  let s = initialRunState();
  if (kind === 'file') {
    const read = await readConsoleFile(path, s, secrets);
    s = read.state;
    // No exit status in a bare log: one that ends in a Python error failed (cause unknown when the exception is cut off).
    if (read.endsInError && !isEnded(s)) s = reduce(s, { type: 'exit', code: null, signal: null });
    return { source: 'console', summary: toSummary(s, 'console'), state: s, notes: [...notes, ...s.notices] };
  }
  if ((await exists(join(path, 'console.log'))) === 'file') {
    const rec = await readRecord(path, notes);
    s = reduce(s, {
      type: 'runInfo',
      ...(rec.script ? { script: rec.script } : {}),
      ...(rec.args ? { args: rec.args } : {}),
      ...(rec.outputDir ? { outputDir: rec.outputDir } : {}),
    });
    s = await reduceConsoleFile(join(path, 'console.log'), s, secrets);
    if (rec.outputDir && (await exists(rec.outputDir)) === 'dir') s = await withOutputDir(s, rec.outputDir, notes, rec.args, rec.window ?? { startMs: 0 });
    if (rec.stopRequested) s = reduce(s, { type: 'stopRequested' });
    const ended = rec.state === 'succeeded' || rec.state === 'failed' || rec.state === 'stopped';
    if (rec.stopRequested && rec.state === undefined && rec.exitCode === undefined) s = reduce(s, { type: 'exit', code: null, signal: rec.signal ?? null });
    else if (rec.exitCode !== undefined || rec.signal || ended) {
      if (rec.state === 'stopped' && !s.stopRequested) s = reduce(s, { type: 'stopRequested' });
      const code = rec.exitCode ?? (rec.state === 'succeeded' ? 0 : null);
      s = reduce(s, { type: 'exit', code, signal: rec.signal ?? null });
    }
    if (rec.outputDir && s.state === 'finished' && s.failure === null) s = tensorboardCheck(s, rec, await exists(logsDirOf(rec.outputDir, rec.args)) === 'dir');
    return { source: 'record', summary: toSummary(s, 'record', rec.state), state: s, notes: [...notes, ...s.notices] };
  }
  // A bare output_dir does not say its logging_dir (the default one) nor whose files it holds (all of them).
  s = await withOutputDir(s, path, notes, undefined, undefined);
  return { source: 'outputDir', summary: toSummary(s, 'outputDir'), state: s, notes };
}

function tensorboardCheck(s: RunState, rec: RecordInfo, logsExist: boolean): RunState {
  const d = checkTensorboardLogs({ reportTo: rec.args?.report_to, logsDirExists: logsExist, step: s.step });
  return d ? reduce(s, { type: 'failure', diagnosis: d, fatal: false }) : s;
}

/**
 * Checkpoints, tracker project and event files of an output_dir; the event files where the monitor reads them
 * (logsDirOf). `owner`: the run's lifetime, so only its own event files and checkpoints count, as in the monitor;
 * undefined for an output_dir read alone (no run to attribute them to: all of them).
 */
async function withOutputDir(state: RunState, outputDir: string, notes: string[], args: RecordInfo['args'], owner: RunWindow | undefined): Promise<RunState> {
  let s = state;
  const saved = s.checkpoints.filter((c) => c.complete).map((c) => c.step);
  const scan = await scanCheckpoints(outputDir, { script: s.script, savedSteps: saved });
  if (scan.stray.length) notes.push(`${outputDir}: entries ${scan.stray.join(', ')} start with "checkpoint" and break the script's resume and pruning`);
  s = reduce(s, { type: 'checkpointScan', checkpoints: scan.checkpoints, ...(owner ? {} : { adopt: true }) });
  const logs = logsDirOf(outputDir, args);
  // The tracker project names the script (fact sheet §3, §10); its hparams.yml has the effective total steps.
  let entries: string[] = [];
  try {
    entries = await readdir(logs);
  } catch {
    // no logs dir: nothing to read
  }
  for (const [project, script] of PROJECTS) {
    if (!entries.includes(project)) continue;
    s = reduce(s, { type: 'scriptHint', script, strength: 2, reason: `tracker project ${project}` });
    const hp = await readLatestHparams(join(logs, project));
    const total = hp?.values.max_train_steps;
    if (typeof total === 'number' && s.totalSteps === null) s = reduce(s, { type: 'banner', totalSteps: total });
  }
  s = await reduceEventFiles(logs, s, notes, owner);
  return s;
}

const PROJECTS: Array<[string, ScriptKind]> = [
  ['text2image-fine-tune-sdxl', 'full'],
  ['text2image-fine-tune', 'lora'],
  ['dreambooth-lora-sd-xl', 'dreambooth-lora'],
  ['dreambooth-lora-playground', 'dreambooth-lora'],
];
