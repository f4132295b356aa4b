// The run's CLIP scores file (`<run image folder>/clip-scores.jsonl`, worker/clipScoreFile.ts), read incrementally:
// whole new lines each pass, at most READ_BUDGET bytes. A bad line is a notice (never a throw); a file truncated or
// replaced is read again from its start, and a deleted one takes its scores from the state (`reset`).
import { stat } from 'node:fs/promises';
import type { ClipImageScore } from '../../run/events';
import { join } from 'node:path';
import { CLIP_SCORES_FILE, parseClipScoreLine } from '../../worker/clipScoreFile';
import { runCacheDir } from './images';
import { errText, type RunSource, type SourceContext } from './types';
import { openRegular } from '../../util/regularFile';

const READ_BUDGET = 4 * 1024 * 1024; // bytes per pass
/** A line longer than this is no score line: skipped to its newline without being kept. */
const MAX_LINE = 64 * 1024;

export class ClipScoresSource implements RunSource {
  readonly name = 'clipScores';
  /** Bytes of the file consumed (whole lines, and a too-long line's skipped part). */
  private offset = 0;
  /** The identity of the file read (dev:ino), to see it replaced. */
  private identity: string | undefined;
  /** Lines consumed, for the notices' line numbers. */
  private lineNo = 0;
  /** Inside a too-long line, skipping to its end. */
  private skipping = false;

  async poll(ctx: SourceContext): Promise<boolean> {
    // A summary that was given no image folder (a bare output_dir or console) has no scores to read.
    if (!ctx.options.imageCacheDir) return false;
    const path = join(runCacheDir(ctx), CLIP_SCORES_FILE);
    let st;
    try {
      st = await stat(path);
    } catch {
      if (this.identity !== undefined) this.restart(ctx); // deleted while followed: its scores go
      return false;
    }
    if (!st.isFile()) return false;
    const identity = `${st.dev}:${st.ino}`;
    if ((this.identity !== undefined && identity !== this.identity) || st.size < this.offset) this.restart(ctx);
    this.identity = identity;
    if (st.size === this.offset) return false;
    const length = Math.min(READ_BUDGET, st.size - this.offset);
    const buf = Buffer.alloc(length);
    let read = 0;
    try {
      const fh = await openRegular(path);
      try {
        read = (await fh.read(buf, 0, length, this.offset)).bytesRead;
      } finally {
        await fh.close();
      }
    } catch (e) {
      ctx.warn(`clip-read:${path}`, `cannot read the CLIP scores ${path}: ${errText(e)}`);
      return false;
    }
    ctx.unwarn(`clip-read:${path}`);
    const scores: ClipImageScore[] = [];
    const bad: string[] = [];
    let badCount = 0;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0 || nl >= read) break;
      this.takeLine(buf.subarray(start, nl), scores, (why) => {
        badCount++;
        if (bad.length < 3) bad.push(`line ${this.lineNo}: ${why}`);
      });
      start = nl + 1;
    }
    // An unfinished last line waits for its newline (the writer appends whole lines; a summary takes it as it is).
    const rest = read - start;
    const atEnd = this.offset + read >= st.size;
    if (rest > 0 && atEnd && ctx.oneShot && ctx.facts.end !== undefined) {
      // Nothing more will be written: the fragment is read as a line.
      this.takeLine(buf.subarray(start, read), scores, (why) => {
        badCount++;
        if (bad.length < 3) bad.push(`line ${this.lineNo}: ${why}`);
      });
      start = read;
    } else if (rest >= MAX_LINE || (rest > 0 && start === 0 && read === READ_BUDGET)) {
      // A line longer than any score line: skipped up to its newline.
      this.skipping = true;
      start = read;
    }
    this.offset += start;
    if (badCount > 0) {
      ctx.warn(
        `clip-bad:${path}:${this.lineNo}`,
        `${path}: ${badCount} line${badCount === 1 ? '' : 's'} that ${badCount === 1 ? 'is' : 'are'} no CLIP score skipped (${bad.join('; ')})`,
      );
    }
    if (scores.length > 0) ctx.emit({ type: 'clipScores', scores });
    // More is waiting when the budget was read and whole lines came of it.
    return length === READ_BUDGET && start > 0 && this.offset < st.size;
  }

  private takeLine(bytes: Buffer, scores: ClipImageScore[], bad: (why: string) => void): void {
    this.lineNo++;
    if (this.skipping) {
      this.skipping = false;
      bad(`longer than ${MAX_LINE} bytes`);
      return;
    }
    const text = bytes.toString('utf8').trim();
    if (text === '') return;
    const parsed = parseClipScoreLine(text);
    if ('error' in parsed) bad(parsed.error);
    else scores.push(parsed);
  }

  /** Reads the file again from its start; the state forgets the scores read so far. */
  private restart(ctx: SourceContext): void {
    this.offset = 0;
    this.lineNo = 0;
    this.skipping = false;
    this.identity = undefined;
    ctx.emit({ type: 'clipScores', scores: [], reset: true });
  }
}
