// RunMonitor: follows ONE run from its files and turns everything into RunEvents folded by the one reducer. It is the
// scheduler: the reading is done by the sources under sources/ (run.json and the end, console.log, TensorBoard event
// files, wandb media, checkpoints, the hang check, nvidia-smi), each behind one interface (sources/types.ts) and
// called in the order of sources/index.ts. Nothing here throws at the caller: problems reading files become WARNING
// `log` events from the logger MONITOR_LOGGER (state.logTail, and state.notices, which users see).
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { MONITOR_LOGGER, type RunEvent } from '../run/events';
import { reduce } from '../run/reducer';
import { initialRunState, isEnded, type RunState } from '../run/state';
import { recordFiles, type LaunchFacts } from '../supervisor/runRecord';
import type { ProcessQuery } from '../supervisor/processTree';
import type { SlurmClient } from '../supervisor/slurmTypes';
import { passSources, type PassSources } from './sources/index';
import { GpuSource } from './sources/gpu';
import { RecordSource } from './sources/record';
import { errText, type EndInfo, type RunFacts, type SourceContext } from './sources/types';

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
  /** See SourceOptions.summary (summarize reads a record through readOnce with it). */
  summary?: boolean;
  /** See SourceOptions.slurm. */
  slurm?: SlurmClient;
}

type Listener = (state: RunState, events: RunEvent[]) => void;

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
  private passes = 0;
  /** Set once the backlog was read: later events are stamped with `at` (they are seen live). */
  private live = false;
  private oneShot = false;
  private readonly warned = new Set<string>();
  private readonly facts: RunFacts = {};
  private readonly record = new RecordSource();
  private readonly sources: PassSources;
  private gpu: GpuSource | undefined;
  private readonly ctx: SourceContext;

  constructor(opts: RunMonitorOptions) {
    this.opts = opts;
    this.recordDir = resolve(opts.recordDir);
    this.files = recordFiles(this.recordDir);
    this.now = opts.now ?? Date.now;
    this.sources = passSources(opts);
    this.gpu = this.gpuSource(opts.nvidiaSmi);
    this.endedPromise = new Promise((r) => (this.resolveEnded = r));
    // Getters, so sources always see the monitor's current values.
    const current = { options: () => this.opts, state: () => this.s, passes: () => this.passes, live: () => this.live, oneShot: () => this.oneShot };
    this.ctx = {
      recordDir: this.recordDir,
      files: this.files,
      get options() {
        return current.options();
      },
      facts: this.facts,
      get state() {
        return current.state();
      },
      get passes() {
        return current.passes();
      },
      get live() {
        return current.live();
      },
      get oneShot() {
        return current.oneShot();
      },
      now: () => this.now(),
      emit: (e) => this.emit(e),
      warn: (key, message) => this.warn(key, message),
      unwarn: (key) => void this.warned.delete(key),
      restart: () => this.restart(),
    };
  }

  get state(): RunState {
    return this.s;
  }

  /** run.json's launch facts, once read (undefined while it cannot be). */
  get launch(): LaunchFacts | undefined {
    return this.facts.launch;
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
    if (predicate !== 'failure') return this.sources.console.lineOfStep(predicate);
    const f = this.s.failure ?? this.s.warnings[0];
    if (!f) return undefined;
    if (f.class === 'nan_loss' && this.s.nanLossStep !== null) return this.sources.console.lineOfStep(this.s.nanLossStep);
    return this.sources.console.lineOfFailure(f.message);
  }

  /**
   * One complete pass over the files (used by readRunState): every file to its end, no process checks; finishes the
   * state when the run has ended.
   */
  async readOnce(): Promise<RunState> {
    this.oneShot = this.stopped || this.opts.summary === true;
    try {
      await this.exclusive(async () => {
        for (let i = 0; i < 1000 && !this.ended; i++) if (!(await this.pass())) break;
      });
    } finally {
      this.oneShot = false;
    }
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
    this.schedule(more ? 0 : (this.opts.pollMs ?? 500));
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

  /**
   * Reads labels.json again now (a rename made here, or seen by a refresh of the list): also after the run ended, when
   * the monitor reads nothing else any more.
   */
  async rereadLabels(): Promise<void> {
    await this.exclusive(() => this.record.readLabels(this.ctx));
    this.flush();
  }

  /** Settings changed while the run is followed (the nvidia-smi path, the hang factor): used from the next poll on. */
  updateOptions(patch: Pick<RunMonitorOptions, 'nvidiaSmi' | 'hangFactor'>): void {
    const exec = this.opts.nvidiaSmi;
    this.opts = { ...this.opts, ...patch };
    if (this.opts.nvidiaSmi !== exec) this.gpu = this.gpuSource(this.opts.nvidiaSmi);
    if (!exec && this.gpuTimer === undefined) this.scheduleGpu(0);
  }

  private gpuSource(exec: string | false | undefined): GpuSource | undefined {
    return exec ? new GpuSource(exec, () => !this.ended && !this.stopped) : undefined;
  }

  private scheduleGpu(ms: number): void {
    if (!this.gpu || this.stopped || this.ended) return;
    this.gpuTimer = setTimeout(() => void this.gpuTick(), ms);
    this.gpuTimer.unref();
  }

  private async gpuTick(): Promise<void> {
    this.gpuTimer = undefined;
    // A run on the CPU (accelerate's `Device: cpu`) has no GPU to sample: the dashboard says so, nothing to warn about.
    if (this.s.device === 'cpu') return;
    if (this.gpu && this.facts.launch && this.s.state !== 'queued' && !isEnded(this.s) && !this.ended) {
      try {
        await this.gpu.poll(this.ctx);
      } catch (e) {
        this.warn(`internal:${errText(e)}`, `run monitor: ${errText(e)}`);
      }
      if (!this.ended && !this.stopped) this.flush();
    }
    this.scheduleGpu(this.opts.gpuPollMs ?? 2000);
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

  /** The console was rewritten: a fresh state, and run.json's facts again when they had been read. */
  private async restart(): Promise<void> {
    const had = this.facts.launch !== undefined;
    this.s = initialRunState();
    this.facts.launch = undefined;
    if (had) await this.record.readLaunch(this.ctx);
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
    await this.record.poll(this.ctx);
    const end = this.facts.end;
    let more = false;
    for (const source of this.sources.all) more = (await source.poll(this.ctx)) === true || more;
    if (more) return true;
    if (end || this.opts.summary) for (const source of this.sources.all) source.drain?.(this.ctx);
    if (end) {
      this.finishRun(end);
      return false;
    }
    if (!this.oneShot) for (const source of this.sources.all) source.idle?.(this.ctx);
    this.live = true;
    return false;
  }

  private finishRun(end: EndInfo): void {
    if (end.stopRequested && !this.s.stopRequested) this.emit({ type: 'stopRequested' });
    const endedAt = end.endedMs ?? this.facts.endedMs;
    this.emit({ type: 'exit', code: end.code, signal: end.signal, ...(endedAt !== undefined ? { endedAt } : {}) });
    for (const source of this.sources.all) source.afterExit?.(this.ctx);
    this.finish();
  }

  private finish(): void {
    this.ended = true;
    this.stop();
    this.flush();
    this.resolveEnded(this.s);
  }
}

/** The state of a run from its files in one pass (for finished runs; a live run gives its state so far). */
export async function readRunState(recordDir: string, imageCacheDir: string): Promise<RunState> {
  return new RunMonitor({ recordDir, imageCacheDir }).readOnce();
}
