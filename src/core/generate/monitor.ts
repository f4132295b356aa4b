// Follows one generation job's files — run.json/exit.json (settled by reconcile), request.json, console.log's progress
// lines, and generation.json once it ended — and folds them with reduceGeneration. Always from byte 0, so a monitor
// made after a window reload reaches exactly the state the old one had. Never throws; timers are unref'd.
import { basename } from 'node:path';
import { isFinal, reconcile } from '../supervisor/liveness';
import { systemProcesses, type ProcessQuery } from '../supervisor/processTree';
import { readExit, readRecord, recordFiles } from '../supervisor/runRecord';
import type { RunRecord } from '../supervisor/types';
import { errText } from '../util/errText';
import { readGenerationRequest, readGenerationResult } from './files';
import { parseGenerationLine } from './lines';
import { initialGenerationState, reduceGeneration, type GenerationEvent } from './state';
import { GENERATE_LINE_PREFIX, type GenerationState } from './types';
import { openRegular } from '../util/regularFile';

export interface GenerationMonitorOptions {
  /** Between passes while the job lives (default 500 ms). */
  pollMs?: number;
  processes?: ProcessQuery;
  /** A record still `starting` after this long without a wrapper is failed by reconcile (default 60 s). */
  startTimeoutMs?: number;
}

/** Passes between process checks of a live job without exit.json. */
const LIVENESS_EVERY = 10;
/** Bytes of console.log read per pass, so a flood never holds the host long. */
const PASS_BUDGET = 4 << 20;
/** A line longer than this is cut (the parser would refuse it anyway); the rest up to its newline is skipped. */
const MAX_LINE = 256 * 1024;
/** `ValueError: …`, `torch.cuda.OutOfMemoryError: …`, `KeyboardInterrupt`: the last such console line is the failure. */
const EXCEPTION = /^(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Interrupt|Exit)(?::\s.*)?$/;

export class GenerationMonitor {
  state: GenerationState;
  private listeners = new Set<(s: GenerationState) => void>();
  private offset = 0;
  private partial = '';
  private skipping = false;
  private lastException: string | undefined;
  private requestRead = false;
  private passes = 0;
  private lastRecord = '';
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;
  private running: Promise<boolean> | undefined;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly pollMs: number;
  private readonly query: ProcessQuery;
  private readonly startTimeoutMs: number;

  constructor(
    readonly recordDir: string,
    opts: GenerationMonitorOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 500;
    this.query = opts.processes ?? systemProcesses;
    this.startTimeoutMs = opts.startTimeoutMs ?? 60_000;
    this.state = initialGenerationState(basename(recordDir), basename(recordDir), '');
  }

  get jobId(): string {
    return this.state.jobId;
  }

  /** true once the job ended and every file was read to its end: no further pass changes anything. */
  get done(): boolean {
    return this.finished;
  }

  onChange(listener: (s: GenerationState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Polls until the job ended and its files were read (then stops by itself). */
  start(): void {
    if (this.timer || this.disposed || this.finished) return;
    const tick = async () => {
      this.timer = undefined;
      const more = await this.poll();
      if (this.disposed || this.finished) return;
      this.timer = setTimeout(() => void tick(), more ? 0 : this.pollMs);
      this.timer.unref();
    };
    this.timer = setTimeout(() => void tick(), 0);
    this.timer.unref();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  /** One pass; true when console.log has more to read right away. Passes never overlap. */
  poll(): Promise<boolean> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private apply(events: GenerationEvent[]): void {
    const before = this.state;
    for (const e of events) this.state = reduceGeneration(this.state, e);
    if (this.state !== before) for (const l of [...this.listeners]) l(this.state);
  }

  private async pass(): Promise<boolean> {
    if (this.finished || this.disposed) return false;
    const events: GenerationEvent[] = [];
    let record: RunRecord | undefined;
    try {
      const raw = readRecord(this.recordDir);
      const exit = readExit(this.recordDir);
      const entry = exit ? { dir: this.recordDir, record: raw, exit } : { dir: this.recordDir, record: raw };
      // The processes are asked (a wrapper that died without exit.json) on the first pass and then every few, as
      // RunMonitor does: not twice a second for as long as a job runs.
      const settled = exit || this.passes++ % LIVENESS_EVERY === 0 ? await reconcile(entry, this.startTimeoutMs, undefined, this.query) : entry;
      record = settled.record;
      if (this.state.outputDir === '' && record.outputDir) this.state = { ...this.state, outputDir: record.outputDir, name: record.name };
      const key = JSON.stringify([record.state, record.startedAt, record.endedAt, record.note]);
      if (key !== this.lastRecord) {
        this.lastRecord = key;
        events.push(settled.exit ? { type: 'record', record, exit: settled.exit } : { type: 'record', record });
      }
    } catch (e) {
      // A record being written for the first time, or broken: tell once, keep looking.
      if (!this.state.error) events.push({ type: 'exception', message: `job record unreadable: ${errText(e)}` });
    }
    const ended = record !== undefined && isFinal(record.state);
    if (!this.requestRead && this.state.outputDir) {
      const req = await readGenerationRequest(this.state.outputDir);
      if ('value' in req) {
        this.requestRead = true;
        events.push({ type: 'request', request: req.value });
      } else if ('error' in req) {
        this.requestRead = true;
        events.push({ type: 'exception', message: req.error });
      }
    }
    const more = await this.readConsole(events, ended);
    if (ended && !more) {
      if (this.state.outputDir) {
        const result = await readGenerationResult(this.state.outputDir);
        if ('value' in result) events.push({ type: 'result', result: result.value });
      }
      if (record?.state === 'failed' && this.lastException) events.push({ type: 'exception', message: this.lastException });
      this.finished = true;
    }
    this.apply(events);
    return more;
  }

  /** New console bytes → line events; at the end of an ended job the last line without its newline too. */
  private async readConsole(events: GenerationEvent[], ended: boolean): Promise<boolean> {
    const path = recordFiles(this.recordDir).console;
    let fh;
    try {
      fh = await openRegular(path);
    } catch {
      return false;
    }
    try {
      const size = (await fh.stat()).size;
      if (size < this.offset) {
        // Rewritten (never by the wrapper): read again from the start rather than mix two logs.
        this.offset = 0;
        this.partial = '';
        this.skipping = false;
      }
      const buf = Buffer.alloc(Math.min(1 << 20, Math.max(1, size - this.offset)));
      let budget = PASS_BUDGET;
      while (this.offset < size && budget > 0) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - this.offset), this.offset);
        if (bytesRead <= 0) break;
        this.offset += bytesRead;
        budget -= bytesRead;
        this.chunk(this.decoder.decode(buf.subarray(0, bytesRead), { stream: true }), events);
      }
      const more = this.offset < size;
      if (ended && !more) {
        this.chunk(this.decoder.decode(), events);
        if (this.partial) this.line(this.partial, events);
        this.partial = '';
      }
      return more;
    } catch {
      return false;
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  private chunk(text: string, events: GenerationEvent[]): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const piece = text.slice(start, nl);
      start = nl + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      this.line(this.partial + piece, events);
      this.partial = '';
    }
    if (this.skipping) return;
    this.partial += text.slice(start);
    if (this.partial.length > MAX_LINE) {
      this.line(this.partial.slice(0, MAX_LINE), events);
      this.partial = '';
      this.skipping = true;
    }
  }

  private line(raw: string, events: GenerationEvent[]): void {
    // tqdm redraws with \r: the text after the last one is what the terminal shows.
    const text = raw.replace(/\r+$/, '');
    const cr = text.lastIndexOf('\r');
    const shown = cr >= 0 ? text.slice(cr + 1) : text;
    // A progress bar on stderr (no newline of its own) can sit in front of our line on the same console line.
    const at = shown.indexOf(GENERATE_LINE_PREFIX);
    const parsed = parseGenerationLine(at > 0 ? shown.slice(at) : shown);
    if (parsed && 'event' in parsed) events.push({ type: 'line', line: parsed });
    else if (!parsed && EXCEPTION.test(shown.trim())) this.lastException = shown.trim().slice(0, 500);
  }
}

/** A job's state from its files as they are now (one pass to the end of console.log; the job may still run). */
export async function readGenerationState(recordDir: string, opts: GenerationMonitorOptions = {}): Promise<GenerationState> {
  const m = new GenerationMonitor(recordDir, opts);
  try {
    while (await m.poll());
    return m.state;
  } finally {
    m.dispose();
  }
}
