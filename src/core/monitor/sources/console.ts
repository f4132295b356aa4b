// console.log through the ConsoleParser, always from byte 0 (a new monitor after a window reload rebuilds exactly
// the same state), one line at a time so every event knows its console line: the Steps bar's line per step, and the
// lines that may be where a failure is (for "go to the failure").
import type { RunEvent, TracebackInfo } from '../../run/events';
import { isLauncherExceptionLine } from '../../run/failure';
import { ConsoleParser } from '../../worker/consoleParser';
import { EditorLines } from '../editorLines';
import { errText, type RunSource, type SourceContext } from './types';
import { openRegular } from '../../util/regularFile';

/** A console line that may be where the failure is: an exception line, an error line, or a traceback body. */
interface Evidence {
  line: number;
  text: string;
  launcher: boolean;
  /** Traceback lines and the console line of the first one (when no lines were dropped). */
  body?: { lines: string[]; firstLine: number };
}

const CONSOLE_BUDGET = 8 << 20; // bytes per pass, so a huge backlog never holds the host long
const MAX_EVIDENCE = 200;
const MAX_STEP_LINES = 1_000_000;

export class ConsoleSource implements RunSource {
  readonly name = 'console';
  private parser: ConsoleParser;
  private offset = 0;
  private lines = new EditorLines();
  /** The console line the event being handled came from. */
  private line = 1;
  private lastStep: number | null = null;
  private stepLines: { steps: number[]; lines: number[] } = { steps: [], lines: [] };
  private evidence: Evidence[] = [];

  constructor(private readonly secrets: readonly string[] | undefined) {
    this.parser = this.newParser();
  }

  async poll(ctx: SourceContext): Promise<boolean> {
    const path = ctx.files.console;
    let fh;
    try {
      fh = await openRegular(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') ctx.warn('console', `cannot read ${path}: ${errText(e)}`);
      return false;
    }
    try {
      const size = (await fh.stat()).size;
      if (size < this.offset) {
        // Rewritten from scratch (not something the wrapper does): start over rather than mix two logs.
        ctx.warn(`console-shrunk-${size}`, `${path} shrank from ${this.offset} to ${size} bytes; reading it again from the start`);
        this.reset();
        await ctx.restart();
      }
      const buf = Buffer.alloc(Math.min(1 << 20, Math.max(1, size - this.offset)));
      let budget = CONSOLE_BUDGET;
      while (this.offset < size && budget > 0) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - this.offset), this.offset);
        if (bytesRead <= 0) break;
        this.offset += bytesRead;
        budget -= bytesRead;
        this.chunk(ctx, buf.subarray(0, bytesRead));
      }
      ctx.unwarn('console');
      return this.offset < size;
    } catch (e) {
      ctx.warn('console', `cannot read ${path}: ${errText(e)}`);
      return false;
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  /** The parser's last words (a line without its newline, an open traceback). */
  drain(ctx: SourceContext): void {
    for (const e of this.parser.end()) this.event(ctx, e);
  }

  /** The console line where the Steps bar first showed `step` (see RunMonitor.consoleLineOf). */
  lineOfStep(step: number): number | undefined {
    const { steps, lines } = this.stepLines;
    let best: number | undefined;
    let bestStep = -Infinity;
    for (let i = steps.length - 1; i >= 0; i--) {
      if (steps[i] === step) return lines[i];
      if (steps[i]! < step && steps[i]! > bestStep) {
        bestStep = steps[i]!;
        best = lines[i];
      }
    }
    return best;
  }

  /** The console line of the evidence that best matches the failure's message (see RunMonitor.consoleLineOf). */
  lineOfFailure(message: string): number | undefined {
    const quoted = (t: string) => t.trim().length > 0 && message.includes(t.trim());
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

  private newParser(): ConsoleParser {
    return new ConsoleParser(this.secrets ? { secrets: this.secrets } : {});
  }

  private reset(): void {
    this.parser = this.newParser();
    this.offset = 0;
    this.lines = new EditorLines();
    this.line = 1;
    this.lastStep = null;
    this.stepLines = { steps: [], lines: [] };
    this.evidence = [];
  }

  /** Feeds the parser one line at a time (as VS Code numbers lines, see EditorLines), so every event knows its line. */
  private chunk(ctx: SourceContext, buf: Buffer): void {
    this.lines.feed(buf, (piece, line) => {
      this.line = line;
      for (const e of this.parser.push(piece)) this.event(ctx, e);
    });
    this.line = this.lines.line;
  }

  private event(ctx: SourceContext, e: RunEvent): void {
    ctx.emit(e);
    if (e.type === 'progress' && e.step !== this.lastStep) {
      this.lastStep = e.step;
      if (this.stepLines.steps.length < MAX_STEP_LINES) {
        this.stepLines.steps.push(e.step);
        this.stepLines.lines.push(this.line);
      }
    } else if (e.type === 'traceback') {
      this.addTraceback(e.traceback);
    } else if (e.type === 'errorLine') {
      this.push({ line: this.line, text: e.text, launcher: isLauncherExceptionLine(e.text) });
    }
  }

  private addTraceback(tb: TracebackInfo): void {
    const complete = !tb.lines.some((l) => /^ {2}… \d+ lines not kept …$/.test(l));
    const lastLine = this.line;
    this.push({
      line: lastLine,
      text: tb.exception ?? '',
      launcher: isLauncherExceptionLine(tb.exception ?? ''),
      ...(complete ? { body: { lines: tb.lines, firstLine: lastLine - tb.lines.length + 1 } } : {}),
    });
  }

  private push(ev: Evidence): void {
    if (this.evidence.length >= MAX_EVIDENCE) this.evidence.shift();
    this.evidence.push(ev);
  }
}
