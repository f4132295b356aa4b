// Incremental parser of a training run's merged console (stdout + stderr of `accelerate launch`) into RunEvents.
// Formats (docs/worker-formats.md#console): tqdm redraws with `\r` and log records are glued onto the bar's line, so the stream is split
// on both `\r` and `\n` and records are searched anywhere in a segment; accelerate >= 1.13 adds `[RANK n] ` to messages;
// torch.distributed.run prefixes child lines with `[rankN]: ` (its tee: `[defaultN]:`), and a failed child ends with
// its ChildFailedError table (docs/worker-formats.md#rank-prefixes). Memory stays bounded whatever the input.
import { StringDecoder } from 'node:string_decoder';
import { SCRIPT_KINDS, type ScriptKind } from '../scripts/scriptTables';
import { SCRIPT_PROFILES } from '../scripts/profiles';
import { redactorOf } from '../util/redact';
import { WRAPPER_LOGGER, WRAPPER_PREFIX, type RunEvent, type RunPhase, type TracebackInfo } from '../run/events';
import { rankLineText } from '../run/ranks';
import { countOf, parseTqdmBar, parseTqdmNumber, type TqdmBar } from './tqdm';

export interface ConsoleParserOptions {
  /** Longest kept segment; the rest of a longer line is dropped and the line counted in `truncatedLines`. */
  maxLineChars?: number;
  /** Longest kept traceback (first lines + last lines). */
  maxTracebackLines?: number;
  /**
   * The run's known secret values (its HF_TOKEN, …), masked in every line before it is parsed, as is any Hugging Face
   * token: no event, so no state, view or summary, ever carries one (the launcher's CalledProcessError quotes argv).
   */
  secrets?: readonly string[];
}

const MAX_OPEN_TRACEBACKS = 64;
const RECORD_RE = /(\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}) - (DEBUG|INFO|WARNING|ERROR|CRITICAL) - (\S+) - /;
const RANK_MSG_RE = /^\[RANK (\d+)\] /;
const RANK_LINE_RE = /^\[(?:rank|default)(\d+)\]:\s?/;
const ANSI_RE = /\x1b\[[0-9;?]*[A-Za-z]/g;
/** Another rank's prefix glued into a line (its tail thread wrote between our rank's partial line and its end). */
const RANK_GLUED_RE = /\[(?:rank|default)\d+\]:/;
/** Lines of a ChildFailedError table read after the exception line (a real table has ~10 per failed rank). */
const MAX_TABLE_LINES = 400;
const CHECKPOINT_STEP_RE = /checkpoint-(\d+)[\\/]?\s*$/;

// A script's file name as a whole path component or word, e.g. in accelerate's `Command '[…, 'train_….py', …]'`.
const SCRIPT_FILES: Array<[ScriptKind, RegExp]> = SCRIPT_KINDS.map((kind) => [
  kind,
  new RegExp(`(?:^|[\\\\/\\s'"])${SCRIPT_PROFILES[kind].fileName.replace(/[.]/g, '\\.')}`),
]);
/** Banner fields only one script logs: seeing one says whose console it is. */
const OWN_BANNER_FIELDS = new Map<string, ScriptKind>(
  SCRIPT_KINDS.flatMap((kind) => {
    const field = SCRIPT_PROFILES[kind].console.ownBannerField;
    return field ? [[field, kind] as const] : [];
  }),
);
/** Scripts whose Steps bar shows `loss=` rather than `step_loss=`. */
const PLAIN_LOSS_KINDS = SCRIPT_KINDS.filter((kind) => SCRIPT_PROFILES[kind].console.lossPostfix === 'loss');

// Lines outside tracebacks that say something went wrong; kept for the failure classifier.
const ERROR_LINE_RES: RegExp[] = [
  /\.py: error: /,
  /died with <Signals\.\w+: \d+>/,
  /CUDA out of memory/,
  /No space left on device|\[Errno 28\]/,
  /NCCL|Watchdog caught collective operation timeout|DistNetworkError|EADDRINUSE|address already in use/i,
  /exitcode\s*:\s*-?\d+/,
  /ChildFailedError/,
  /^Killed\b/,
  /^[A-Za-z_][\w.]*(?:Error|Exception): /,
];

const BANNER_FIELDS: Array<[RegExp, string]> = [
  [/^\s*Num examples = (\d+)/, 'numExamples'],
  [/^\s*Num batches each epoch = (\d+)/, 'numBatchesEachEpoch'],
  [/^\s*Num Epochs = (\d+)/, 'numEpochs'],
  [/^\s*Instantaneous batch size per device = (\d+)/, 'batchSize'],
  [/^\s*Total train batch size \(w\. parallel, distributed & accumulation\) = (\d+)/, 'totalBatchSize'],
  [/^\s*Gradient Accumulation steps = (\d+)/, 'gradAccum'],
  [/^\s*Total optimization steps = (\d+)/, 'totalSteps'],
];

interface TbCollector {
  head: string[];
  tail: string[];
  dropped: number;
  rank?: number;
}

export class ConsoleParser {
  private readonly decoder = new StringDecoder('utf8');
  private readonly maxLine: number;
  private readonly maxTb: number;
  private readonly redact: (text: string, truncated?: boolean) => string;
  private pending = '';
  private pendingTruncated = false;
  /** Length of `pending` already parsed eagerly as a complete bar (tqdm leaves the bar unterminated until the next `\r`). */
  private pendingConsumed = 0;
  private readonly tracebacks = new Map<number, TbCollector>();
  private phase: RunPhase | undefined;
  private sawSteps = false;
  private lastStep = 0;
  private lastTotal: number | undefined;
  private scriptStrength = 0;
  private script: ScriptKind | undefined;
  /**
   * The final weights were saved after the loop (`Model weights saved in <output_dir>/pytorch_lora_weights…`, not in a
   * checkpoint): what follows is the final test-image generation, part of finishing, not a validation.
   */
  private finalSaved = false;
  private out: RunEvent[] = [];
  /** Inside torch.distributed's ChildFailedError table: its section, the entry being read, lines left to look at. */
  private table: { section: 'failures' | 'root'; rank?: number; exitCode?: number; left: number } | undefined;
  /** Segments longer than `maxLineChars` (only their beginning was parsed). */
  truncatedLines = 0;
  /** Bytes decoded as UTF-8 so far: the rest of an over-long line is skipped undecoded (the tests count this). */
  decodedBytes = 0;

  constructor(options: ConsoleParserOptions = {}) {
    this.maxLine = options.maxLineChars ?? 64 * 1024;
    this.maxTb = options.maxTracebackLines ?? 200;
    this.redact = redactorOf(options.secrets);
  }

  /** Feeds more console output; returns the events it completes. UTF-8 split across chunks is handled. */
  push(chunk: string | Buffer): RunEvent[] {
    if (typeof chunk === 'string') this.split(chunk);
    else this.pushBytes(chunk);
    this.eagerBar();
    return this.take();
  }

  /**
   * Decodes only what can be kept: at most enough bytes to fill the line at a time, and past a line's limit nothing
   * up to its end (a line break is one byte that no UTF-8 sequence contains, found without decoding). A console of
   * megabytes without a line break (a flood of `\0`, a progress bar drawn with `\b`) then costs a byte search.
   */
  private pushBytes(buf: Buffer): void {
    let at = 0;
    // The next \n and \r at or after `at`, each searched for again only once passed (-1: none left in buf), so a
    // chunk of many long lines is searched once, not once per line.
    let lf = -2; // -2: not searched yet
    let cr = -2;
    while (at < buf.length) {
      if (this.pendingTruncated) {
        if (lf !== -1 && lf < at) lf = buf.indexOf(0x0a, at);
        if (cr !== -1 && cr < at) cr = buf.indexOf(0x0d, at);
        const next = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
        // A character cut between chunks belongs to the line skipped: dropped with it.
        this.decoder.end();
        if (next < 0) return;
        at = next;
      }
      // A UTF-16 unit comes from at most 3 bytes (a lone byte of a broken sequence gives one U+FFFD per byte).
      const end = Math.min(buf.length, at + Math.max(4096, 3 * (this.maxLine - this.pending.length) + 4));
      this.decodedBytes += end - at;
      this.split(this.decoder.write(buf.subarray(at, end)));
      at = end;
    }
  }

  /** End of input (or end of the file for now is NOT this: call only when no more output will come). */
  end(): RunEvent[] {
    this.split(this.decoder.end());
    if (this.pending.length > 0) this.finishSegment();
    for (const key of [...this.tracebacks.keys()]) this.finishTraceback(key, undefined);
    return this.take();
  }

  private take(): RunEvent[] {
    const events = this.out;
    this.out = [];
    return events;
  }

  private split(text: string): void {
    let start = 0;
    // A character loop, not a regex: a `\r` storm has a match per byte, and a match object each cost 4× as much.
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // A break right after a break ends an empty segment: nothing to do (a `\r` storm is mostly these).
      if (i > start || this.pending.length > 0 || this.pendingTruncated) {
        this.append(text.slice(start, i));
        this.finishSegment();
      }
      start = i + 1;
    }
    this.append(text.slice(start));
  }

  private append(piece: string): void {
    if (!piece) return;
    const room = this.maxLine - this.pending.length;
    if (piece.length > room) {
      if (room > 0) this.pending += piece.slice(0, room);
      this.pendingTruncated = true;
    } else this.pending += piece;
  }

  private finishSegment(): void {
    const segment = this.pending.slice(this.pendingConsumed);
    const truncated = this.pendingTruncated;
    this.pending = '';
    this.pendingTruncated = false;
    this.pendingConsumed = 0;
    if (truncated) this.truncatedLines++;
    if (segment.length > 0) this.line(segment, truncated);
  }

  /** A redrawn bar sits unterminated in `pending` until tqdm's next write: report it now rather than one redraw late. */
  private eagerBar(): void {
    if (this.pendingConsumed > 0 || this.pendingTruncated || !this.pending.includes(']')) return;
    const rm = RANK_LINE_RE.exec(this.pending);
    const text = rm ? this.pending.slice(rm[0].length) : this.pending;
    const bar = parseTqdmBar(text.replace(ANSI_RE, ''));
    if (!bar || text.replace(ANSI_RE, '').length !== bar.end) return;
    if (rm) this.rankLine(countOf(rm[1]!), text.replace(ANSI_RE, ''));
    this.onBar(bar);
    this.pendingConsumed = this.pending.length;
  }

  private emit(e: RunEvent): void {
    this.out.push(e);
  }

  private setPhase(p: RunPhase): void {
    if (this.phase === p) return;
    this.phase = p;
    this.emit({ type: 'phase', phase: p });
  }

  private hint(script: ScriptKind, strength: 1 | 2 | 3, reason: string): void {
    if (strength <= this.scriptStrength) return;
    this.scriptStrength = strength;
    this.script = script;
    this.emit({ type: 'scriptHint', script, strength, reason });
  }

  private line(raw: string, truncated: boolean): void {
    // A blank segment gives nothing (see below); said before any regular expression runs, as a flood of ` \r` has
    // one every two bytes.
    if (isBlank(raw)) return;
    let text = this.redact(raw.replace(ANSI_RE, ''), truncated);
    let rank: number | undefined;
    const rm = RANK_LINE_RE.exec(text);
    if (rm) {
      rank = countOf(rm[1]!);
      text = text.slice(rm[0].length);
      this.rankLine(rank, text);
    } else if (this.table) this.tableLine(text);
    if (text.trim().length === 0) {
      // Blank lines belong to a traceback only as separators of chained exceptions; nothing to do otherwise.
      return;
    }
    if (text.startsWith(WRAPPER_PREFIX)) {
      this.emit({ type: 'log', level: 'WARNING', logger: WRAPPER_LOGGER, message: text.slice(WRAPPER_PREFIX.length).trim() });
      return;
    }
    this.scriptFromText(text);
    if (text.includes('ChildFailedError')) this.table = { section: 'failures', left: MAX_TABLE_LINES };
    const rec = RECORD_RE.exec(text);
    if (rec) {
      if (rec.index > 0) this.plain(text.slice(0, rec.index), rank, truncated);
      let message = text.slice(rec.index + rec[0].length);
      let recRank: number | undefined;
      const rr = RANK_MSG_RE.exec(message);
      if (rr) {
        recRank = countOf(rr[1]!);
        message = message.slice(rr[0].length);
      }
      this.record(rec[2]!, rec[3]!, message, recRank ?? rank);
      return;
    }
    this.plain(text, rank, truncated);
  }

  /** What a rank printed last: the line up to another rank's glued prefix, cut by rankLineText. */
  private rankLine(rank: number | undefined, text: string): void {
    if (rank === undefined) return;
    const glued = text.search(RANK_GLUED_RE);
    const own = (glued >= 0 ? text.slice(0, glued) : text).trim();
    if (own.length === 0) return;
    this.emit({ type: 'rankLine', rank, text: rankLineText(own) });
  }

  /**
   * A line of torch.distributed's ChildFailedError table: `Failures:` lists other failed ranks, `Root Cause (first
   * observed failure):` the one it saw first; each entry has `rank : N (local_rank: M)`, `exitcode : C (pid: P)` and
   * `traceback : …` (`Signal 9 (SIGKILL) received by PID P` for a killed process), in that order.
   */
  private tableLine(text: string): void {
    const t = this.table!;
    if (--t.left <= 0) {
      this.table = undefined;
      return;
    }
    let m: RegExpExecArray | null;
    if (/^Root Cause \(first observed failure\):/.test(text)) t.section = 'root';
    else if ((m = /^\s*rank\s*:\s*(\d+)/.exec(text))) {
      t.rank = countOf(m[1]!);
      delete t.exitCode;
    } else if ((m = /^\s*exitcode\s*:\s*(-?\d+)/.exec(text))) t.exitCode = Number(m[1]);
    else if ((m = /^\s*traceback\s*:\s*(.*?)\s*$/.exec(text)) && t.rank !== undefined) {
      const sig = /^Signal (\d+) \((\w+)\) received/.exec(m[1]!);
      this.emit({
        type: 'rankFailure',
        rank: t.rank,
        ...(t.exitCode !== undefined && Number.isSafeInteger(t.exitCode) ? { exitCode: t.exitCode } : {}),
        ...(sig ? { signal: sig[2]! } : {}),
        rootCause: t.section === 'root',
      });
      delete t.rank;
      delete t.exitCode;
      if (t.section === 'root') this.table = undefined;
    }
  }

  private scriptFromText(text: string): void {
    if (this.scriptStrength >= 3) return;
    for (const [kind, re] of SCRIPT_FILES) if (re.test(text)) return this.hint(kind, 3, 'script file name in the output');
  }

  /** A `date - LEVEL - logger - message` record (message without the `[RANK n] ` prefix). */
  private record(level: string, logger: string, message: string, rank: number | undefined): void {
    this.emit({ type: 'log', level, logger, message, ...(rank !== undefined ? { rank } : {}) });
    let m: RegExpExecArray | null;
    if (/^\*{5} Running training \*{5}/.test(message)) return this.setPhase('training');
    for (const [re, key] of BANNER_FIELDS) {
      if ((m = re.exec(message))) {
        const owner = OWN_BANNER_FIELDS.get(key);
        if (owner) this.hint(owner, 2, '`Num batches each epoch` banner line');
        const n = countOf(m[1]!);
        if (n !== undefined) this.emit({ type: 'banner', [key]: n } as RunEvent);
        return;
      }
    }
    if ((m = /^Saving current state to (.+?)\s*$/.exec(message))) {
      const step = CHECKPOINT_STEP_RE.exec(m[1]!);
      const n = step ? countOf(step[1]!) : undefined;
      if (n !== undefined) this.emit({ type: 'checkpointSaving', step: n, path: m[1]! });
      return this.setPhase('saving');
    }
    if ((m = /^Saved state to (.+?)\s*$/.exec(message))) {
      const step = CHECKPOINT_STEP_RE.exec(m[1]!);
      const n = step ? countOf(step[1]!) : undefined;
      if (n !== undefined) this.emit({ type: 'checkpointSaved', step: n, path: m[1]! });
      return this.setPhase(this.sawSteps ? 'training' : 'saving');
    }
    if (/^Running validation\.\.\./.test(message)) {
      // DreamBooth logs the final test images with the same message as a validation.
      this.setPhase(this.finalSaved ? 'finishing' : 'validating');
      this.emit({ type: 'validationStarted', ...(this.finalSaved ? { final: true } : {}) });
      return;
    }
    if ((m = /^removing checkpoints: (.+)$/.exec(message))) {
      this.emit({
        type: 'checkpointsRemoved',
        names: m[1]!
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      });
      return;
    }
    this.weightsSaved(message);
    this.common(message);
    if (level === 'ERROR' || level === 'CRITICAL') this.emit({ type: 'errorLine', text: message });
  }

  /** Patterns that appear both as record messages and as plain continuation lines. */
  private common(text: string): boolean {
    let m: RegExpExecArray | null;
    if ((m = /^Distributed environment: (\S+)/.exec(text))) {
      this.emit({ type: 'accelerateState', distributedType: m[1]!.replace(/^DistributedType\./, '') });
      return true;
    }
    if ((m = /^Num processes: (\d+)/.exec(text))) {
      const n = countOf(m[1]!);
      if (n !== undefined) this.emit({ type: 'accelerateState', numProcesses: n });
      return true;
    }
    if ((m = /^Device: (\S+)/.exec(text))) {
      // `cpu`, `cuda`, `cuda:1`, `mps`: the GPU view says "training on CPU" rather than that nvidia-smi is missing.
      this.emit({ type: 'accelerateState', device: m[1]! });
      return true;
    }
    if ((m = /^Mixed precision type: (\w+)/.exec(text))) {
      this.emit({ type: 'accelerateState', mixedPrecision: m[1]! });
      return true;
    }
    return false;
  }

  /** Anything that is not a log record: bars, prints (resume), diffusers messages, tracebacks. */
  private plain(text: string, rank: number | undefined, truncated: boolean): void {
    const key = rank ?? -1;
    const tb = this.tracebacks.get(key);
    if (tb && !truncated) {
      if (
        /^\s/.test(text) ||
        /^Traceback \(most recent call last\):/.test(text) ||
        /^(During handling of the above exception|The above exception was the direct cause)/.test(text)
      ) {
        this.tbPush(tb, text);
        return;
      }
      // Another process's progress bar, drawn between the traceback's lines, is not its exception line.
      if (this.bar(text, truncated)) return;
      this.tbPush(tb, text);
      this.finishTraceback(key, text.trim());
      return;
    }
    if (!truncated && (/^Traceback \(most recent call last\):/.test(text) || /^ {2}File ".*", line \d+/.test(text))) {
      // A log that starts mid-traceback still yields one, from its first `File` line.
      const c: TbCollector = { head: [], tail: [], dropped: 0, ...(rank !== undefined ? { rank } : {}) };
      // One open traceback per rank; past MAX_OPEN_TRACEBACKS ranks (garbage, not a real job) the oldest is closed
      // as it stands, so memory stays bounded.
      if (this.tracebacks.size >= MAX_OPEN_TRACEBACKS) this.finishTraceback(this.tracebacks.keys().next().value!, undefined);
      this.tracebacks.set(key, c);
      this.tbPush(c, text);
      return;
    }
    if (this.bar(text, truncated)) return;
    let m: RegExpExecArray | null;
    if ((m = /^Resuming from checkpoint (.+?)\s*$/.exec(text))) {
      const name = m[1]!;
      const step = /-(\d+)[\\/]?$/.exec(name);
      const n = step ? countOf(step[1]!) : undefined;
      if (n !== undefined) this.emit({ type: 'resumed', fromStep: n, checkpoint: name });
      return;
    }
    if ((m = /^Checkpoint '(.*)' does not exist\. Starting a new training run\./.exec(text))) {
      this.emit({ type: 'resumeNotFound', checkpoint: m[1]! });
      return;
    }
    if ((m = /^\s?Generating (\d+) images with prompt: (.*?)\.?\s*$/.exec(text))) {
      const n = countOf(m[1]!);
      this.emit({ type: 'validationStarted', ...(n !== undefined ? { numImages: n } : {}), prompt: m[2]!, ...(this.finalSaved ? { final: true } : {}) });
      return;
    }
    if (this.common(text)) return;
    this.weightsSaved(text);
    for (const re of ERROR_LINE_RES) {
      if (re.test(text)) {
        this.emit({ type: 'errorLine', text: text.trim() });
        return;
      }
    }
  }

  /** `… saved in …` lines: script hints, and the final weights saved after the loop (finishing from here on). */
  private weightsSaved(text: string): void {
    if (/saved in .*pytorch_lora_weights/i.test(text)) {
      this.hint('lora', 1, '`pytorch_lora_weights` saved');
      if (this.sawSteps && !/checkpoint-\d+[\\/]pytorch_lora_weights/i.test(text)) {
        this.finalSaved = true;
        this.setPhase('finishing');
      }
    }
    if (/saved in .*checkpoint-\d+[\\/]unet[\\/]/i.test(text)) this.hint('full', 2, 'UNet saved inside a checkpoint');
  }

  /** Handles `text` if it holds a tqdm bar; false if it does not. */
  private bar(text: string, truncated: boolean): boolean {
    const barText = this.barStart(text);
    if (barText === undefined) return false;
    const bar = parseTqdmBar(barText);
    if (!bar) return false;
    this.onBar(bar);
    // Whatever follows the bar on the same physical line (another rank's output, a print) is a line of its own.
    const rest = barText.slice(bar.end);
    if (rest.trim()) this.line(rest, truncated);
    return true;
  }

  /** Where a bar starts in `text`: at the beginning, or at an unanchored `Steps:` (text glued before it). */
  private barStart(text: string): string | undefined {
    if (/^\s*(?:[^%|]{0,200}?:)?\s*\d+(?:%|[A-Za-z ]{1,20}\[)/.test(text)) return text;
    const i = text.search(/Steps:\s*\d+(?:%|it \[)/);
    return i > 0 ? text.slice(i) : undefined;
  }

  private onBar(bar: TqdmBar): void {
    const desc = bar.desc ?? '';
    if (desc === 'Steps') {
      this.sawSteps = true;
      const total = bar.total ?? this.lastTotal;
      this.lastTotal = total;
      // A redraw at the same step (tqdm's refresh, its close at the very end) does not end a validation or the finish.
      const held = (this.phase === 'validating' || this.phase === 'finishing') && bar.n === this.lastStep;
      if (!this.finalSaved && !held) this.setPhase('training');
      this.lastStep = bar.n;
      this.emit({
        type: 'progress',
        step: bar.n,
        ...(total !== undefined ? { total } : {}),
        ...(bar.ratePerSec !== undefined ? { rateItPerSec: bar.ratePerSec } : {}),
        ...(bar.elapsedSec !== undefined ? { elapsedSec: bar.elapsedSec } : {}),
        ...(bar.remainingSec !== undefined ? { remainingSec: bar.remainingSec } : {}),
      });
      const lossText = bar.postfix.get('step_loss') ?? bar.postfix.get('loss');
      if (bar.postfix.has('loss') && !bar.postfix.has('step_loss')) for (const kind of PLAIN_LOSS_KINDS) this.hint(kind, 2, '`loss=` in the Steps postfix');
      const stepLoss = lossText !== undefined ? parseTqdmNumber(lossText) : undefined;
      const lrText = bar.postfix.get('lr');
      const lr = lrText !== undefined ? parseTqdmNumber(lrText) : undefined;
      if (stepLoss !== undefined || lr !== undefined) {
        this.emit({ type: 'postfix', step: bar.n, ...(stepLoss !== undefined ? { stepLoss } : {}), ...(lr !== undefined ? { lr } : {}) });
      }
      return;
    }
    if (!this.sawSteps) {
      if (/^(Map\b|Generating class images)/.test(desc)) this.setPhase('pre-computing');
      return;
    }
    if (!bar.desc) {
      // Final test inference: bars with no desc after training (validation-time bars are disabled).
      this.setPhase('finishing');
      if (bar.total !== undefined) this.emit({ type: 'finalInference', step: bar.n, total: bar.total });
      return;
    }
    if (/^Loading pipeline components/.test(desc) && this.phase !== 'validating' && this.phase !== 'finishing') {
      // The pipeline is loaded for a validation or for the final test images. DreamBooth (v0.27.2 at least) loads it
      // before it logs "Running validation...", so a load before the final weights are saved is a validation there;
      // the other scripts log first, so a load outside a validation is their finish, once the steps are done.
      const stepsLeft = this.lastTotal === undefined || this.lastStep < this.lastTotal;
      const loadsFirst = this.script !== undefined && SCRIPT_PROFILES[this.script].console.loadsPipelineBeforeValidationLog;
      this.setPhase(!this.finalSaved && (loadsFirst || stepsLeft) ? 'validating' : 'finishing');
    }
  }

  private tbPush(c: TbCollector, text: string): void {
    const half = Math.floor(this.maxTb / 4);
    if (c.head.length < half) c.head.push(text);
    else {
      c.tail.push(text);
      if (c.tail.length > this.maxTb - half) {
        c.tail.shift();
        c.dropped++;
      }
    }
  }

  private finishTraceback(key: number, exception: string | undefined): void {
    const c = this.tracebacks.get(key);
    if (!c) return;
    this.tracebacks.delete(key);
    const lines = c.dropped > 0 ? [...c.head, `  … ${c.dropped} lines not kept …`, ...c.tail] : [...c.head, ...c.tail];
    const traceback: TracebackInfo = {
      lines,
      ...(exception !== undefined ? { exception } : {}),
      ...(c.rank !== undefined ? { rank: c.rank } : {}),
    };
    this.emit({ type: 'traceback', traceback });
  }
}

/** Parses a whole console text at once (tests, `summarize`). */
export function parseConsole(text: string | Buffer, options?: ConsoleParserOptions): RunEvent[] {
  const p = new ConsoleParser(options);
  return [...p.push(text), ...p.end()];
}

/** Only spaces and tabs (the common blank segments), checked without making a trimmed copy. */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}
