// RunMonitor: follows ONE run from its files and turns everything into RunEvents folded by the one reducer.
// Sources: `<record>/run.json` (launch facts), `<record>/console.log` (ConsoleParser, always from byte 0 so a new
// monitor after a window reload rebuilds exactly the same state), `<record>/exit.json` (the exit), the TensorBoard
// event files under `<output_dir>/<logging_dir>` (scalars, validation grids), the wandb media folder (fallback for
// images), checkpoint-N folders in output_dir, and nvidia-smi while the run lives. Nothing here throws at the
// caller: problems reading files become WARNING `log` events from the logger MONITOR_LOGGER (state.logTail, and
// state.notices, which users see).
import { open, readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { isScriptKind, type ArgValue, type ScriptKind } from '../scripts/scriptTables';
import { MONITOR_LOGGER, type GpuSample, type RunEvent, type TracebackInfo, type ValidationImage } from '../run/events';
import { reduce } from '../run/reducer';
import { initialRunState, isEnded, stepsPerEpoch, type RunState } from '../run/state';
import { argsFromArgv } from './summarize';
import { EventTailer } from '../events/eventDir';
import { flagValue, scriptIndex } from '../launch/planArgs';
import { trainerLiveness, wrapperLiveness } from '../supervisor/liveness';
import { recordFiles, unreadableEntry } from '../supervisor/runRecord';
import { outcomeWithoutExit } from '../supervisor/unknownExit';
import type { RunRecord } from '../supervisor/types';
import { ConsoleParser } from '../worker/consoleParser';
import { scanCheckpoints } from '../worker/checkpoints';
import { checkTensorboardLogs, detectHang } from '../run/failure';
import { logsDirOf } from '../worker/logsDir';
import { EditorLines } from './editorLines';
import { attributeRunMemory, queryComputeApps, queryGpuSample } from './gpuPoller';
import { processGroupOf, runProcesses, systemProcesses, type ProcessQuery } from '../supervisor/processTree';
import { isOwnEventFile, type RunWindow } from '../worker/eventAttribution';
import { extractGrid, extractSingle, findWandbImages, gridFolder } from '../worker/validationImages';

export { thumbPathOf } from '../worker/validationImages';

/** Logger name of the monitor's own WARNING records (unreadable files, deleted record, GPU poller failures). */
export { MONITOR_LOGGER };

export interface RunMonitorOptions {
  /** `.sdxl/runs/<id>` (run.json, console.log, exit.json). */
  recordDir: string;
  /** Validation images and thumbnails go to `<imageCacheDir>/<run id>/…` (layout: validationImages.ts). */
  imageCacheDir: string;
  /** Default 500. */
  pollMs?: number;
  /** nvidia-smi executable for GPU samples while the run lives; false = off (default off). */
  nvidiaSmi?: string | false;
  /** Default 2000. */
  gpuPollMs?: number;
  /** Passed to detectHang as `factor`. */
  hangFactor?: number;
  /** Passed to detectHang as `minSec`: the silence never called a hang below it (default 600 s; tests lower it). */
  hangMinSec?: number;
  /** Clock (ms), for tests. */
  now?: () => number;
  /** How processes are checked (the extension's spawns no tool in an untrusted workspace). */
  processes?: ProcessQuery;
  /**
   * Secret values the run may print (see ConsoleParser's `secrets`): run.json keeps none, so the caller says which it
   * knows (the plan it started, its own environment's HF_TOKEN). Hugging Face tokens are masked in any case.
   */
  secrets?: readonly string[];
}

type Listener = (state: RunState, events: RunEvent[]) => void;

interface LaunchInfo {
  id: string;
  script?: ScriptKind;
  args: Record<string, ArgValue>;
  outputDir?: string;
  cwd: string;
  env: Record<string, string>;
  gpuIndices?: number[];
  startedMs: number;
  /** The run's process group (for event-file attribution while it lives). */
  pgid?: number;
  record: Partial<RunRecord>;
}

interface EndInfo {
  code: number | null;
  signal: string | null;
  stopRequested: boolean;
  /** When the run ended, if recorded (ms). */
  endedMs?: number;
}

/** A console line that may be where the failure is: an exception line, an error line, or a traceback body. */
interface Evidence {
  line: number;
  text: string;
  launcher: boolean;
  /** Traceback lines and the console line of the first one (when no lines were dropped). */
  body?: { lines: string[]; firstLine: number };
}

const CONSOLE_BUDGET = 8 << 20; // bytes per pass, so a huge backlog never holds the host long
const EVENTS_ROUNDS = 4; // EventTailer reads (64 MiB each at most) per pass
const CHECKPOINT_EVERY = 4; // passes between checkpoint scans while live
const LIVENESS_EVERY = 10; // passes between checks for a run whose wrapper died without exit.json
const MAX_EVIDENCE = 200;
const MAX_STEP_LINES = 1_000_000;
const LAUNCHER_EXC = /CalledProcessError|ChildFailedError|SystemExit|KeyboardInterrupt/;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const endedAt = (v: unknown): { endedMs?: number } => {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? { endedMs: ms } : {};
};
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function readJsonObject(path: string): Promise<{ value?: Record<string, unknown>; missing?: boolean; error?: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { missing: true } : { error: `cannot read ${path}: ${errText(e)}` };
  }
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return { value: v as Record<string, unknown> };
    return { error: `${path}: not a JSON object` };
  } catch (e) {
    return { error: `${path}: ${errText(e)}` };
  }
}

export class RunMonitor {
  readonly recordDir: string;
  private opts: RunMonitorOptions;
  private readonly now: () => number;
  private readonly files: ReturnType<typeof recordFiles>;
  private s: RunState = initialRunState();
  private readonly listeners = new Set<Listener>();
  private pending: RunEvent[] = [];
  private stopped = true;
  private ended = false;
  private busy: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private gpuTimer: NodeJS.Timeout | undefined;
  private resolveEnded!: (s: RunState) => void;
  private readonly endedPromise: Promise<RunState>;
  private info: LaunchInfo | undefined;
  private passes = 0;
  /** Set once the backlog was read: later events are stamped with `at` (they are seen live). */
  private live = false;
  private readonly warned = new Set<string>();
  // console
  private parser: ConsoleParser;
  private offset = 0;
  private lines = new EditorLines();
  /** The console line the event being handled came from. */
  private line = 1;
  private lastStep: number | null = null;
  private stepLines: { steps: number[]; lines: number[] } = { steps: [], lines: [] };
  private evidence: Evidence[] = [];
  // output_dir
  private tailer: EventTailer | undefined;
  private logsDir: string | undefined;
  private readonly doneWandb = new Set<string>();
  private readonly wandbGroups = new Map<string, { tag: string; step: number; images: ValidationImage[] }>();
  private hangStep: number | null | undefined;
  private gpuFailed = false;
  /** When the run started and ended (ms), once known: event files written outside that time are another run's. */
  private startedMs: number | undefined;
  private endedMs: number | undefined;

  constructor(opts: RunMonitorOptions) {
    this.opts = opts;
    this.recordDir = resolve(opts.recordDir);
    this.files = recordFiles(this.recordDir);
    this.now = opts.now ?? Date.now;
    this.parser = this.newParser();
    this.endedPromise = new Promise((r) => (this.resolveEnded = r));
  }

  get state(): RunState {
    return this.s;
  }

  /** Called at most once per poll (and once per GPU sample) with the batch of new events. Returns unsubscribe. */
  onDidChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads all files from the start, then follows them. Idempotent; also resumes after stop(). */
  start(): void {
    if (this.ended || !this.stopped) return;
    this.stopped = false;
    this.schedule(0);
    this.scheduleGpu(0);
  }

  /** Stops timers (an in-flight read finishes); the state is kept and whenEnded() stays pending unless the run ended. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.gpuTimer) clearTimeout(this.gpuTimer);
    this.timer = this.gpuTimer = undefined;
  }

  /**
   * Resolves once the run has exited (exit.json, or a final state in run.json) and every file was read to the end,
   * or when the record folder disappeared (then a WARNING in logTail says so and the state is not ended).
   */
  whenEnded(): Promise<RunState> {
    return this.endedPromise;
  }

  /**
   * 1-based console.log line: for 'failure', the exception (or error) line the diagnosis quotes, else the failing
   * traceback's exception line (a NaN loss gives the line of its step); for a number, the line where the Steps bar
   * first showed that step (the latest attempt after a resume; the nearest earlier step when that one was not drawn).
   */
  consoleLineOf(predicate: 'failure' | number): number | undefined {
    if (predicate === 'failure') return this.failureLine();
    const { steps, lines } = this.stepLines;
    let best: number | undefined;
    let bestStep = -Infinity;
    for (let i = steps.length - 1; i >= 0; i--) {
      if (steps[i] === predicate) return lines[i];
      if (steps[i]! < predicate && steps[i]! > bestStep) {
        bestStep = steps[i]!;
        best = lines[i];
      }
    }
    return best;
  }

  /** One complete pass over the files (used by readRunState); finishes the state when the run has ended. */
  async readOnce(): Promise<RunState> {
    await this.exclusive(async () => {
      for (let i = 0; i < 1000 && !this.ended; i++) if (!(await this.pass())) break;
    });
    this.flush();
    return this.s;
  }

  // ------------------------------------------------------------------ scheduling

  private schedule(ms: number): void {
    if (this.stopped || this.ended) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    let more = false;
    await this.exclusive(async () => {
      more = await this.pass();
    });
    this.flush();
    this.schedule(more ? 0 : this.opts.pollMs ?? 500);
  }

  /** Runs `fn` when no other pass runs (tick and readOnce may overlap). */
  private async exclusive(fn: () => Promise<void>): Promise<void> {
    while (this.busy) await this.busy;
    const p = (async () => {
      try {
        await fn();
      } catch (e) {
        this.warn(`internal:${errText(e)}`, `run monitor: ${errText(e)}`);
      }
    })();
    this.busy = p;
    try {
      await p;
    } finally {
      this.busy = undefined;
    }
  }

  // ------------------------------------------------------------------ events

  private emit(e: RunEvent): void {
    const event = this.live && e.at === undefined ? { ...e, at: this.now() } : e;
    this.s = reduce(this.s, event);
    this.pending.push(event);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    for (const l of [...this.listeners]) {
      try {
        l(this.s, events);
      } catch {
        // A broken view must not stop the monitor.
      }
    }
  }

  /** A WARNING record, once per `key` (until cleared). */
  private warn(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.emit({ type: 'log', level: 'WARNING', logger: MONITOR_LOGGER, message });
  }

  // ------------------------------------------------------------------ one pass

  /** Reads what is new everywhere; returns true when more data is waiting (budget reached). */
  private async pass(): Promise<boolean> {
    if (this.ended) return false;
    this.passes++;
    try {
      await stat(this.recordDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.warn('deleted', `the run record folder ${this.recordDir} does not exist (deleted?); monitoring stopped`);
        this.finish();
        return false;
      }
    }
    if (!this.info) await this.readRunJson();
    // A stop request is known before the run's dying words (KeyboardInterrupt, the launcher's CalledProcessError)
    // are read, so they are taken for a stop and not for a failure.
    if (!this.s.stopRequested && (await stat(recordFiles(this.recordDir).stop).then(() => true, () => false))) {
      this.emit({ type: 'stopRequested' });
    }
    // Decide "ended" before reading, so the reads below catch everything the run wrote.
    const end = await this.endInfo();
    let more = await this.readConsole();
    more = (await this.readEvents()) || more;
    if (this.info?.args.report_to === 'wandb') await this.readWandb(end !== undefined);
    if (end || this.passes % CHECKPOINT_EVERY === 1) await this.scanCheckpoints();
    if (more) return true;
    if (end) {
      for (const e of this.parser.end()) this.consoleEvent(e);
      this.finishRun(end);
      return false;
    }
    if (this.live) this.checkHang();
    this.live = true;
    return false;
  }

  private async readRunJson(): Promise<void> {
    const r = await readJsonObject(this.files.run);
    if (!r.value) {
      if (r.error) this.warn('run.json', `${r.error}; launch facts unknown`);
      return;
    }
    const run = r.value;
    const plan = run.plan && typeof run.plan === 'object' ? (run.plan as Record<string, unknown>) : {};
    const argv = Array.isArray(plan.argv) ? plan.argv.filter((a): a is string => typeof a === 'string') : [];
    const cwd = typeof plan.cwd === 'string' ? plan.cwd : this.recordDir;
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
    // A queued run's start is not known yet (readEnd picks it up): until then no event file is taken for it.
    // A record that says nothing of its start (written by hand, or by an old version) takes every file by time.
    if (run.state !== 'queued') this.startedMs = Number.isFinite(started) ? started : 0;
    this.info = {
      id: typeof run.id === 'string' && run.id ? run.id : basename(this.recordDir),
      ...(script ? { script } : {}),
      args,
      ...(rawOut ? { outputDir: isAbsolute(rawOut) ? rawOut : resolve(cwd, rawOut) } : {}),
      cwd,
      env,
      ...(indices?.length ? { gpuIndices: indices } : {}),
      startedMs: Number.isFinite(started) ? started : 0,
      ...(typeof run.pgid === 'number' ? { pgid: run.pgid } : {}),
      record: run as Partial<RunRecord>,
    };
    this.emit({
      type: 'runInfo',
      ...(script ? { script } : {}),
      args,
      ...(this.info.outputDir ? { outputDir: this.info.outputDir } : {}),
      ...(Number.isInteger(np) && np > 0 ? { numProcesses: np } : {}),
    });
  }

  /** How the run ended, or undefined while it runs. */
  private async endInfo(): Promise<EndInfo | undefined> {
    const end = await this.readEnd();
    if (end && this.endedMs === undefined) this.endedMs = end.endedMs ?? (await this.consoleMtime());
    return end;
  }

  private async consoleMtime(): Promise<number | undefined> {
    try {
      return (await stat(this.files.console)).mtimeMs;
    } catch {
      return undefined;
    }
  }

  private async readEnd(): Promise<EndInfo | undefined> {
    const exit = await readJsonObject(this.files.exit);
    if (exit.value) {
      return { code: num(exit.value.exitCode), signal: typeof exit.value.signal === 'string' ? exit.value.signal : null, stopRequested: exit.value.stopRequested === true, ...endedAt(exit.value.endedAt) };
    }
    if (exit.error) this.warn('exit.json', exit.error);
    const run = await readJsonObject(this.files.run);
    const rec = run.value;
    if (!rec) return run.error ? this.unreadableEnd(run.error) : undefined;
    const state = rec.state;
    if (this.info && this.info.pgid === undefined && typeof rec.pgid === 'number') this.info.pgid = rec.pgid;
    if (this.startedMs === undefined && state !== 'queued') {
      const started = Date.parse(String(rec.startedAt ?? rec.createdAt ?? ''));
      this.startedMs = Number.isFinite(started) ? started : 0;
    }
    if (state === 'succeeded' || state === 'failed' || state === 'stopped') {
      // Settled without an exit status (reconcile): its note says how the outcome was decided.
      if (typeof rec.note === 'string' && rec.note && num(rec.exitCode) === null) this.warn('record-note', rec.note);
      const code = num(rec.exitCode) ?? (state === 'succeeded' ? 0 : null);
      return { code, signal: typeof rec.signal === 'string' ? rec.signal : null, stopRequested: state === 'stopped', ...endedAt(rec.endedAt) };
    }
    // A wrapper killed before it wrote exit.json leaves the record running forever: settle it as reconcile() does.
    if ((state === 'running' || state === 'starting') && this.passes % LIVENESS_EVERY === 0 && (rec.pid !== undefined || rec.wrapperPid !== undefined)) {
      const r = rec as unknown as RunRecord;
      const query = this.opts.processes ?? systemProcesses;
      const lives = await Promise.all([trainerLiveness(r, query), wrapperLiveness(r, query)]);
      if (lives.every((l) => l.state === 'gone' || l.state === 'notOurs') && (await readJsonObject(this.files.exit)).missing) {
        const outcome = outcomeWithoutExit({
          consolePath: this.files.console,
          ...(this.info?.outputDir ? { outputDir: this.info.outputDir } : {}),
          cwd: this.info?.cwd ?? this.recordDir,
          ...(this.info?.script ? { script: this.info.script } : {}),
          stopRequested: await stat(this.files.stop).then(() => true, () => false),
        });
        const notOurs = lives.flatMap((l) => (l.state === 'notOurs' ? [l.why] : []));
        this.warn('wrapper-gone', [outcome.note, ...notOurs].join('; '));
        return { code: outcome.state === 'succeeded' ? 0 : null, signal: null, stopRequested: outcome.state === 'stopped' };
      }
    }
    return undefined;
  }

  /** run.json cannot be read: ended once the console stops growing (as the Runs list decides, unreadableEntry). */
  private unreadableEnd(problem: string): EndInfo | undefined {
    if (this.passes % LIVENESS_EVERY !== 1) return undefined;
    const { record } = unreadableEntry(this.recordDir, problem, this.now());
    if (record.state === 'running') return undefined;
    this.warn('unreadable-end', record.note ?? `record unreadable: ${problem}`);
    return { code: null, signal: null, stopRequested: false };
  }

  private finishRun(end: EndInfo): void {
    if (end.stopRequested && !this.s.stopRequested) this.emit({ type: 'stopRequested' });
    this.emit({ type: 'exit', code: end.code, signal: end.signal });
    const args = this.info?.args;
    if (this.s.state === 'finished' && this.s.failure === null && args && this.info?.outputDir) {
      const d = checkTensorboardLogs({ reportTo: args.report_to, logsDirExists: this.logsDirSeen, step: this.s.step });
      if (d) this.emit({ type: 'failure', diagnosis: d, fatal: false });
    }
    this.finish();
  }

  private finish(): void {
    this.ended = true;
    this.stop();
    this.flush();
    this.resolveEnded(this.s);
  }

  // ------------------------------------------------------------------ console

  private async readConsole(): Promise<boolean> {
    let fh;
    try {
      fh = await open(this.files.console, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') this.warn('console', `cannot read ${this.files.console}: ${errText(e)}`);
      return false;
    }
    try {
      const size = (await fh.stat()).size;
      if (size < this.offset) {
        // Rewritten from scratch (not something the wrapper does): start over rather than mix two logs.
        this.warn(`console-shrunk-${size}`, `${this.files.console} shrank from ${this.offset} to ${size} bytes; reading it again from the start`);
        this.parser = this.newParser();
        this.offset = 0;
        this.lines = new EditorLines();
        this.line = 1;
        this.lastStep = null;
        this.stepLines = { steps: [], lines: [] };
        this.evidence = [];
        const info = this.info;
        this.s = initialRunState();
        this.info = undefined;
        if (info) await this.readRunJson();
      }
      const buf = Buffer.alloc(Math.min(1 << 20, Math.max(1, size - this.offset)));
      let budget = CONSOLE_BUDGET;
      while (this.offset < size && budget > 0) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - this.offset), this.offset);
        if (bytesRead <= 0) break;
        this.offset += bytesRead;
        budget -= bytesRead;
        this.consoleChunk(buf.subarray(0, bytesRead));
      }
      this.warned.delete('console');
      return this.offset < size;
    } catch (e) {
      this.warn('console', `cannot read ${this.files.console}: ${errText(e)}`);
      return false;
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  private newParser(): ConsoleParser {
    return new ConsoleParser(this.opts.secrets ? { secrets: this.opts.secrets } : {});
  }

  /** Feeds the parser one line at a time (as VS Code numbers lines, see EditorLines), so every event knows its line. */
  private consoleChunk(buf: Buffer): void {
    this.lines.feed(buf, (piece, line) => {
      this.line = line;
      for (const e of this.parser.push(piece)) this.consoleEvent(e);
    });
    this.line = this.lines.line;
  }

  private consoleEvent(e: RunEvent): void {
    this.emit(e);
    if (e.type === 'progress' && e.step !== this.lastStep) {
      this.lastStep = e.step;
      if (this.stepLines.steps.length < MAX_STEP_LINES) {
        this.stepLines.steps.push(e.step);
        this.stepLines.lines.push(this.line);
      }
    } else if (e.type === 'traceback') {
      this.addEvidence(e.traceback);
    } else if (e.type === 'errorLine') {
      this.pushEvidence({ line: this.line, text: e.text, launcher: LAUNCHER_EXC.test(e.text) });
    }
  }

  private addEvidence(tb: TracebackInfo): void {
    const complete = !tb.lines.some((l) => /^ {2}… \d+ lines not kept …$/.test(l));
    const lastLine = this.line;
    this.pushEvidence({
      line: lastLine,
      text: tb.exception ?? '',
      launcher: LAUNCHER_EXC.test(tb.exception ?? ''),
      ...(complete ? { body: { lines: tb.lines, firstLine: lastLine - tb.lines.length + 1 } } : {}),
    });
  }

  private pushEvidence(ev: Evidence): void {
    if (this.evidence.length >= MAX_EVIDENCE) this.evidence.shift();
    this.evidence.push(ev);
  }

  private failureLine(): number | undefined {
    const f = this.s.failure ?? this.s.warnings[0];
    if (!f) return undefined;
    if (f.class === 'nan_loss' && this.s.nanLossStep !== null) return this.consoleLineOf(this.s.nanLossStep);
    const quoted = (t: string) => t.trim().length > 0 && f.message.includes(t.trim());
    const own = this.evidence.filter((e) => !e.launcher);
    const hit = own.find((e) => quoted(e.text)) ?? this.evidence.find((e) => quoted(e.text));
    if (hit) return hit.line;
    for (const e of this.evidence) {
      const i = e.body?.lines.findIndex(quoted) ?? -1;
      if (i >= 0) return e.body!.firstLine + i;
    }
    const tb = own.find((e) => e.body) ?? own[0] ?? this.evidence[this.evidence.length - 1];
    return tb?.line;
  }

  // ------------------------------------------------------------------ output_dir

  /** The TensorBoard logs dir has appeared (for the missing-tensorboard check). */
  private logsDirSeen = false;
  /** output_dir existed at a checkpoint scan (so its disappearance is news). */
  private outputDirSeen = false;

  private async readEvents(): Promise<boolean> {
    const out = this.info?.outputDir;
    const startedMs = this.startedMs;
    if (!out || startedMs === undefined) return false;
    if (!this.tailer) {
      this.logsDir = logsDirOf(out, this.info!.args);
      // Only this run's own files: a continued run's, or an earlier run's in a shared folder, are not its curves.
      this.tailer = new EventTailer(this.logsDir, { accept: (file) => isOwnEventFile(file, this.window(startedMs), processGroupOf) });
    }
    if (!this.logsDirSeen) {
      try {
        this.logsDirSeen = (await stat(this.logsDir!)).isDirectory();
      } catch {
        return false;
      }
    }
    for (let round = 0; round < EVENTS_ROUNDS; round++) {
      const batch = await this.tailer.readNew();
      for (const p of batch.problems) this.emit({ type: 'log', level: 'WARNING', logger: MONITOR_LOGGER, message: p.message });
      for (const { file, offset, event } of batch.events) {
        for (const v of event.values) {
          if (v.kind === 'scalar') this.emit({ type: 'scalar', tag: v.tag, step: event.step, value: v.value, wallTime: event.wallTime });
          else if (v.kind === 'image') await this.gridImages(v.tag, event.step, v.encoded, file, offset);
        }
      }
      if (!batch.more) return false;
    }
    return true;
  }

  private get runCacheDir(): string {
    return join(this.opts.imageCacheDir, this.info?.id ?? basename(this.recordDir));
  }

  private get numImages(): number {
    const n = this.info?.args.num_validation_images;
    return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 4;
  }

  private async gridImages(tag: string, step: number, encoded: Uint8Array, file: string, offset: number): Promise<void> {
    const source = `'${tag}' image at step ${step} in ${file} (byte ${offset})`;
    try {
      const images = await extractGrid(encoded, gridFolder(this.runCacheDir, tag, step, file, offset), this.numImages, source);
      this.emit({ type: 'validationImages', tag, epoch: step, images });
    } catch (e) {
      this.warn(`grid:${file}#${offset}`, `cannot extract the validation images: ${errText(e)}`);
    }
  }

  private window(startMs: number): RunWindow {
    const pgid = this.info?.pgid;
    return { startMs, ...(this.endedMs !== undefined ? { endMs: this.endedMs } : {}), ...(pgid !== undefined ? { pgid } : {}) };
  }

  /** wandb fallback: media PNGs of this run's wandb folder, grouped by key and step. */
  private async readWandb(final: boolean): Promise<void> {
    const info = this.info!;
    const base = info.env.WANDB_DIR ? resolve(info.cwd, info.env.WANDB_DIR) : info.cwd;
    const endedMs = Date.parse(String(info.record.endedAt ?? ''));
    const found = await findWandbImages(base, info.startedMs, Number.isFinite(endedMs) ? endedMs : Infinity);
    const spe = stepsPerEpoch(this.s.banner);
    const changed = new Set<string>();
    for (const img of found) {
      if (this.doneWandb.has(img.path)) continue;
      // Images are filed under the global step; validation happens at the end of an epoch.
      if (!spe && !final) continue;
      let single: ValidationImage;
      try {
        single = await extractSingle(img.path, this.runCacheDir);
      } catch (e) {
        if (final) {
          this.doneWandb.add(img.path);
          this.warn(`wandb:${img.path}`, `cannot read the wandb image ${img.path}: ${errText(e)}`);
        }
        continue; // possibly still being written: next pass
      }
      this.doneWandb.add(img.path);
      const epoch = spe ? Math.max(0, Math.ceil(img.step / spe) - 1) : this.s.epoch ?? 0;
      const key = `${img.key}\0${epoch}`;
      const group = this.wandbGroups.get(key) ?? { tag: img.key, step: epoch, images: [] };
      group.images.push(single);
      this.wandbGroups.set(key, group);
      changed.add(key);
    }
    for (const key of changed) {
      const g = this.wandbGroups.get(key)!;
      this.emit({ type: 'validationImages', tag: g.tag, epoch: g.step, images: [...g.images] });
    }
  }

  private async scanCheckpoints(): Promise<void> {
    const out = this.info?.outputDir;
    if (!out) return;
    // output_dir deleted under a run (by hand, by a cleanup script): said once each time it goes; the scan below
    // drops its checkpoints from the state.
    if (await stat(out).then((st) => st.isDirectory(), () => false)) {
      this.outputDirSeen = true;
      this.warned.delete('output_dir-gone');
    } else if (this.outputDirSeen) {
      this.warn('output_dir-gone', `output_dir ${out} does not exist any more (deleted?): its checkpoints, event files and weights are gone`);
    }
    const saved = this.s.checkpoints.filter((c) => c.complete).map((c) => c.step);
    const scan = await scanCheckpoints(out, { script: this.s.script, savedSteps: saved });
    if (scan.stray.length) {
      this.warn(`stray:${scan.stray.join(',')}`, `${out}: entries ${scan.stray.join(', ')} start with "checkpoint" and break the script's resume and pruning`);
    }
    // Only news is sent: what the scan changes in the run's own checkpoints (the console announces which are its own,
    // so the same listing can mean a change after a new announcement).
    const event: RunEvent = { type: 'checkpointScan', checkpoints: scan.checkpoints };
    if (JSON.stringify(reduce(this.s, event).checkpoints) === JSON.stringify(this.s.checkpoints)) return;
    this.emit(event);
  }

  // ------------------------------------------------------------------ live-only checks

  private checkHang(): void {
    if (isEnded(this.s) || this.s.hang) return;
    const { hangFactor, hangMinSec } = this.opts;
    const h = detectHang(this.s.progressTimes, this.now(), { ...(hangFactor !== undefined ? { factor: hangFactor } : {}), ...(hangMinSec !== undefined ? { minSec: hangMinSec } : {}) });
    if (!h?.hung || this.hangStep === this.s.step) return;
    this.hangStep = this.s.step;
    this.emit({ type: 'hang', sinceSec: Math.round(h.sinceSec), typicalStepSec: h.typicalStepSec });
  }

  /** Settings changed while the run is followed (the nvidia-smi path, the hang factor): used from the next poll on. */
  updateOptions(patch: Pick<RunMonitorOptions, 'nvidiaSmi' | 'hangFactor'>): void {
    const polling = !!this.opts.nvidiaSmi;
    this.opts = { ...this.opts, ...patch };
    if (!polling && this.gpuTimer === undefined) this.scheduleGpu(0);
  }

  private scheduleGpu(ms: number): void {
    if (!this.opts.nvidiaSmi || this.stopped || this.ended) return;
    this.gpuTimer = setTimeout(() => void this.gpuTick(), ms);
    this.gpuTimer.unref();
  }

  /** Adds the memory of the run's own processes (the record's process group and its descendants), per GPU. */
  private async withRunMemory(exec: string, gpus: GpuSample[]): Promise<GpuSample[]> {
    if (gpus.length === 0) return gpus;
    let record: Partial<RunRecord>;
    try {
      record = JSON.parse(await readFile(recordFiles(this.recordDir).run, 'utf8')) as Partial<RunRecord>;
    } catch {
      return gpus;
    }
    if (typeof record.pid !== 'number' && typeof record.pgid !== 'number') return gpus;
    const apps = await queryComputeApps({ exec, env: { ...process.env, ...this.info?.env } });
    if (!apps) return gpus;
    const pids = new Set(await runProcesses(typeof record.pgid === 'number' ? record.pgid : undefined, typeof record.pid === 'number' ? [record.pid] : []));
    // No process of the run left (it is ending between two polls): no reading, rather than a false drop to 0.
    return pids.size ? attributeRunMemory(gpus, apps, pids) : gpus;
  }

  private async gpuTick(): Promise<void> {
    this.gpuTimer = undefined;
    const exec = this.opts.nvidiaSmi;
    // A run on the CPU (accelerate's `Device: cpu`) has no GPU to sample: the dashboard says so, nothing to warn about.
    if (this.s.device === 'cpu') return;
    if (exec && this.info && this.s.state !== 'queued' && !isEnded(this.s) && !this.ended) {
      const r = await queryGpuSample({ exec, env: { ...process.env, ...this.info.env } });
      if (!this.ended && !this.stopped) {
        if (r.ok) {
          this.gpuFailed = false;
          const want = this.info.gpuIndices;
          let gpus = want ? r.gpus.filter((g) => want.includes(g.index)) : r.gpus;
          gpus = await this.withRunMemory(exec, gpus);
          if (gpus.length) this.emit({ type: 'gpuSample', wallTime: this.now(), gpus });
        } else if (!this.gpuFailed && (this.s.device !== null || this.s.state !== 'starting')) {
          // Not while starting with no `Device:` line yet: a CPU run would be warned about a missing nvidia-smi.
          this.gpuFailed = true;
          this.emit({ type: 'log', level: 'WARNING', logger: MONITOR_LOGGER, message: `No GPU stats for this run: ${r.error}` });
        }
        this.flush();
      }
    }
    this.scheduleGpu(this.opts.gpuPollMs ?? 2000);
  }
}

/** The state of a run from its files in one pass (for finished runs; a live run gives its state so far). */
export async function readRunState(recordDir: string, imageCacheDir: string): Promise<RunState> {
  return new RunMonitor({ recordDir, imageCacheDir }).readOnce();
}
