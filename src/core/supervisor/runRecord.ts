// Run record folders: `<workspace>/.sdxl/runs/<id>/` holding run.json, console.log, exit.json and a stop request.
// They live outside output_dir on purpose: the scripts crash on foreign names starting with "checkpoint" there.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { argsFromArgv, flagValue, scriptIndex } from '../launch/planArgs';
import { isScriptKind, type ArgValue, type ScriptKind } from '../scripts/scriptTables';
import { RECORD_FILE_MAX_BYTES, RecordWriteError, readJsonIfExists, writeJsonAtomic } from './atomicFile';
import { readRegularFile, UnreadableFileError } from '../util/regularFile';
import { FINAL_STATES, type ExitInfo, type RunRecord, type RunStatus } from './types';
import { errText } from '../util/errText';

export const RUN_FILE = 'run.json';
export const CONSOLE_FILE = 'console.log';
export const EXIT_FILE = 'exit.json';
export const STOP_FILE = 'stop-request.json';
/** Created exclusively by whoever starts a queued run, so two pumps never start it twice. */
export const START_LOCK = 'start.lock';

const STATES: readonly RunStatus[] = ['queued', 'starting', 'running', 'succeeded', 'failed', 'stopped'];

/** `<workspace>/.sdxl/runs` */
export function workspaceRecordsDir(workspaceRoot: string): string {
  return join(workspaceRoot, '.sdxl', 'runs');
}

/**
 * Creates the records folder (owner-only, 0700, where it is new) and gives `.sdxl/` a `.gitignore` of `*` when it has
 * none, so records, consoles and validation images are never committed by accident. Throws RecordWriteError.
 */
export function ensureRecordsDir(recordsDir: string): void {
  try {
    mkdirSync(recordsDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new RecordWriteError(recordsDir, (e as NodeJS.ErrnoException).code, e);
  }
  const sdxl = dirname(recordsDir);
  if (basename(sdxl) !== '.sdxl') return;
  try {
    writeFileSync(join(sdxl, '.gitignore'), '# Written by SDXL Trainer: run records and images stay out of version control.\n*\n', { flag: 'wx' });
  } catch {
    // there already is one (the user's, kept as it is), or the folder is read-only: the records decide below
  }
}

export function recordFiles(recordDir: string): { run: string; console: string; exit: string; stop: string; startLock: string } {
  return {
    run: join(recordDir, RUN_FILE),
    console: join(recordDir, CONSOLE_FILE),
    exit: join(recordDir, EXIT_FILE),
    stop: join(recordDir, STOP_FILE),
    startLock: join(recordDir, START_LOCK),
  };
}

/** Lower-case letters, digits and dashes, at most 40 characters; "run" when nothing is left. */
export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'run';
}

/** `YYYYMMDD-HHMMSS-<slug>` in UTC, so ids sort by creation time across DST changes. */
export function makeRunId(name: string, at: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}-${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
  return `${stamp}-${slugify(name)}`;
}

/**
 * Creates a new, uniquely named record folder and writes its first run.json, sealed by `seal` (machineKey.ts) when
 * given, so it is never on disk unsealed. Throws RecordWriteError (nothing created that matters) when the records
 * folder cannot be written. `prepare` writes what must be in the folder before any reader sees the record (a queued
 * run's secrets file); when it throws, the folder is removed again.
 */
export function createRecord(
  recordsDir: string,
  record: Omit<RunRecord, 'id'>,
  at: Date = new Date(),
  opts: { seal?: (r: RunRecord) => string; prepare?: (dir: string) => void } = {},
): { dir: string; record: RunRecord } {
  ensureRecordsDir(recordsDir);
  const base = makeRunId(record.name, at);
  for (let n = 1; n < 1000; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    const dir = join(recordsDir, id);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new RecordWriteError(dir, (e as NodeJS.ErrnoException).code, e);
    }
    const full: RunRecord = { id, ...record };
    if (opts.seal) full.launchMac = opts.seal(full);
    try {
      opts.prepare?.(dir);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e instanceof RecordWriteError ? e : new RecordWriteError(dir, (e as NodeJS.ErrnoException).code, e);
    }
    writeJsonAtomic(recordFiles(dir).run, full);
    return { dir, record: full };
  }
  throw new Error(`cannot create a run record in ${recordsDir}: too many runs named ${base}`);
}

/** Checks the parts of run.json the supervisor relies on; returns a problem or undefined. */
export function recordProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return 'not a JSON object';
  const r = value as Partial<RunRecord>;
  if (typeof r.id !== 'string' || !r.id) return '"id" must be a non-empty string';
  if (!STATES.includes(r.state as RunStatus)) return `"state" must be one of ${STATES.join(', ')}`;
  const plan = r.plan;
  if (!plan || !Array.isArray(plan.argv) || plan.argv.length === 0 || !plan.argv.every((a) => typeof a === 'string')) {
    return '"plan.argv" must be a non-empty array of strings';
  }
  if (typeof plan.cwd !== 'string') return '"plan.cwd" must be a string';
  if (!plan.env || typeof plan.env !== 'object') return '"plan.env" must be an object';
  return undefined;
}

export function readRecord(recordDir: string): RunRecord {
  const path = recordFiles(recordDir).run;
  const value = readJsonIfExists<RunRecord>(path);
  if (value === undefined) throw new Error(`${path} does not exist`);
  const problem = recordProblem(value);
  if (problem) throw new Error(`${path}: ${problem}`);
  return value;
}

export function readExit(recordDir: string): ExitInfo | undefined {
  return readJsonIfExists<ExitInfo>(recordFiles(recordDir).exit);
}

/** Read-modify-write of run.json. Only one process writes a record at a time (see docs in supervisor.ts). */
export function updateRecord(recordDir: string, patch: Partial<RunRecord>): RunRecord {
  const next = { ...readRecord(recordDir), ...patch };
  writeJsonAtomic(recordFiles(recordDir).run, next);
  return next;
}

export interface RunEntry {
  dir: string;
  record: RunRecord;
  exit?: ExitInfo;
  /**
   * run.json could not be read (why). The record is then rebuilt from the folder: id = folder name, no launch plan,
   * state from exit.json, else live while console.log still grows, else failed with an unknown exit status.
   */
  unreadable?: string;
  /** Queued, but not sealed by this machine's key (Supervisor.list): never started without the user's word. */
  foreign?: boolean;
}

/** A console written to within this long counts as growing: a run's only sign of life when its record is unreadable. */
export const CONSOLE_LIVE_MS = 10 * 60_000;

/** An entry for a record folder whose run.json cannot be read, from what else the folder holds. */
export function unreadableEntry(dir: string, problem: string, now = Date.now()): RunEntry {
  const id = basename(dir);
  const files = recordFiles(dir);
  let exit: ExitInfo | undefined;
  try {
    exit = readExit(dir);
  } catch {
    // as unreadable as run.json: the console decides
  }
  let consoleMs: number | undefined;
  try {
    consoleMs = statSync(files.console).mtimeMs;
  } catch {
    // no console: the run never wrote anything
  }
  const state: RunStatus = exit ? finalStateOf(exit) : consoleMs !== undefined && now - consoleMs < CONSOLE_LIVE_MS ? 'running' : 'failed';
  const stamp = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(id);
  const created = stamp ? Date.parse(`${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:${stamp[6]}Z`) : NaN;
  const createdAt = new Date(Number.isFinite(created) ? created : (consoleMs ?? now)).toISOString();
  const record: RunRecord = {
    id,
    name: id,
    script: 'lora',
    plan: { argv: [], env: {}, cwd: dir, script: 'lora' },
    createdAt,
    state,
    ...(FINAL_STATES.includes(state) ? { endedAt: exit?.endedAt ?? new Date(consoleMs ?? now).toISOString() } : {}),
    ...(exit ? { exitCode: exit.exitCode, signal: exit.signal } : {}),
    note: `record unreadable: ${problem}${exit || state === 'running' ? '' : '; exit status unknown'}`,
  };
  return { dir, record, ...(exit ? { exit } : {}), unreadable: problem };
}

/** finalState of liveness.ts, here too so this module needs no process checks. */
function finalStateOf(exit: ExitInfo): RunStatus {
  if (exit.stopRequested) return 'stopped';
  return exit.exitCode === 0 ? 'succeeded' : 'failed';
}

/**
 * Reads every record under `recordsDir`, oldest first. A record whose run.json cannot be read is still listed, as an
 * `unreadable` entry (see unreadableEntry), and described in `problems` (when given): one broken folder never hides
 * itself or the others.
 */
export function listRuns(recordsDir: string, problems?: string[], now = Date.now()): RunEntry[] {
  if (!existsSync(recordsDir)) return [];
  const out: RunEntry[] = [];
  for (const d of readdirSync(recordsDir, { withFileTypes: true })) {
    if (!d.isDirectory() || d.name.startsWith('.')) continue;
    const dir = join(recordsDir, d.name);
    let record: RunRecord;
    try {
      record = readRecord(dir);
    } catch (e) {
      const problem = errText(e);
      problems?.push(problem);
      // A folder with nothing in it yet is a record being created (run.json comes first), not a run.
      const files = recordFiles(dir);
      if (existsSync(files.run) || existsSync(files.console) || existsSync(files.exit)) out.push(unreadableEntry(dir, problem, now));
      continue;
    }
    let exit: ExitInfo | undefined;
    try {
      exit = readExit(dir);
    } catch (e) {
      problems?.push(errText(e));
    }
    out.push(exit ? { dir, record, exit } : { dir, record });
  }
  return out.sort((a, b) => a.record.createdAt.localeCompare(b.record.createdAt) || a.record.id.localeCompare(b.record.id));
}

/** A record file (run.json, exit.json) read without throwing: its object, or missing, or why it cannot be used. */
export type RecordFileRead =
  | { value: Record<string, unknown>; missing?: undefined; error?: undefined }
  | { value?: undefined; missing: true; error?: undefined }
  | { value?: undefined; missing?: undefined; error: string };

/** Reads one JSON object file of a record folder; never throws (readers of runs live with broken records). */
export async function readRecordFile(path: string): Promise<RecordFileRead> {
  let text: string;
  try {
    text = await readRegularFile(path, RECORD_FILE_MAX_BYTES);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { missing: true } : { error: e instanceof UnreadableFileError ? e.message : `cannot read ${path}: ${errText(e)}` };
  }
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return { value: v as Record<string, unknown> };
    return { error: `${path}: not a JSON object` };
  } catch (e) {
    return { error: `${path}: ${errText(e)}` };
  }
}

/**
 * What readers of a run (the monitor, summarize) take from its run.json, leniently: every field is checked, none is
 * required (a record written by hand or by an old version still gives what it has).
 */
export interface LaunchFacts {
  id: string;
  script?: ScriptKind;
  argv: string[];
  /** The script's args from argv, typed by its table (argsFromArgv). */
  args: Record<string, ArgValue>;
  /** Absolute: run.json's outputDir, else --output_dir, resolved against the plan's cwd. */
  outputDir?: string;
  cwd: string;
  env: Record<string, string>;
  gpuIndices?: number[];
  /** accelerate's --num_processes, when given. */
  numProcesses?: number;
  /** startedAt (else createdAt), when it parses. */
  startedMs?: number;
  /** endedAt, when it parses. */
  endedMs?: number;
  state?: string;
  pid?: number;
  pgid?: number;
  exitCode?: number | null;
  signal?: string;
  note?: string;
  record: Partial<RunRecord>;
}

/** Decodes a run.json object read by readRecordFile (`recordDir` stands in for a missing id and cwd). */
export function launchFactsOf(run: Record<string, unknown>, recordDir: string): LaunchFacts {
  const plan = run.plan && typeof run.plan === 'object' ? (run.plan as Record<string, unknown>) : {};
  const argv = Array.isArray(plan.argv) ? plan.argv.filter((a): a is string => typeof a === 'string') : [];
  const cwd = typeof plan.cwd === 'string' ? plan.cwd : recordDir;
  const script = isScriptKind(run.script) ? run.script : isScriptKind(plan.script) ? plan.script : undefined;
  const args = script && argv.length ? argsFromArgv(argv, script) : {};
  const rawOut = typeof run.outputDir === 'string' ? run.outputDir : typeof args.output_dir === 'string' ? args.output_dir : undefined;
  const env: Record<string, string> = {};
  if (plan.env && typeof plan.env === 'object') {
    for (const [k, v] of Object.entries(plan.env as Record<string, unknown>)) if (typeof v === 'string') env[k] = v;
  }
  const gpus = run.gpus as { indices?: unknown } | undefined;
  const indices = Array.isArray(gpus?.indices) ? gpus.indices.filter((i): i is number => typeof i === 'number') : undefined;
  const si = scriptIndex(argv);
  const np = Number(si > 0 ? flagValue(argv, '--num_processes', 0, si) : undefined);
  const started = Date.parse(String(run.startedAt ?? run.createdAt ?? ''));
  const ended = Date.parse(String(run.endedAt ?? ''));
  const exitCode = run.exitCode;
  return {
    id: typeof run.id === 'string' && run.id ? run.id : basename(recordDir),
    ...(script ? { script } : {}),
    argv,
    args,
    ...(rawOut ? { outputDir: isAbsolute(rawOut) ? rawOut : resolve(cwd, rawOut) } : {}),
    cwd,
    env,
    ...(indices?.length ? { gpuIndices: indices } : {}),
    ...(Number.isInteger(np) && np > 0 ? { numProcesses: np } : {}),
    ...(Number.isFinite(started) ? { startedMs: started } : {}),
    ...(Number.isFinite(ended) ? { endedMs: ended } : {}),
    ...(typeof run.state === 'string' ? { state: run.state } : {}),
    ...(typeof run.pid === 'number' ? { pid: run.pid } : {}),
    ...(typeof run.pgid === 'number' ? { pgid: run.pgid } : {}),
    ...('exitCode' in run ? { exitCode: typeof exitCode === 'number' && Number.isFinite(exitCode) ? exitCode : null } : {}),
    ...(typeof run.signal === 'string' ? { signal: run.signal } : {}),
    ...(typeof run.note === 'string' && run.note ? { note: run.note } : {}),
    record: run as Partial<RunRecord>,
  };
}
