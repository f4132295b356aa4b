// The console lines around a line of a run's console.log (the failure the chat's `sdxl_explainFailure` explains),
// numbered as the editor numbers them (EditorLines), masked, and bounded in bytes however long the console or its lines.
import { redactorOf } from '../util/redact';
import type { RunState } from '../run/state';
import { EditorLines } from './editorLines';
import { RunMonitor } from './runMonitor';
import { openRegular } from '../util/regularFile';

export interface ConsoleExcerpt {
  /** 1-based line number of `lines[0]`. */
  firstLine: number;
  /** The line asked about. */
  line: number;
  lines: string[];
  /** Some lines were cut short or left out to stay within the byte cap. */
  truncated: boolean;
}

export interface ExcerptOptions {
  /** Lines either side of `line` (default 20). */
  radius?: number;
  /** Bytes of text kept in all (default 8 KiB); each line at most a quarter of it. */
  maxBytes?: number;
  secrets?: readonly string[];
}

const CHUNK = 64 * 1024;

/**
 * Lines `line - radius` … `line + radius` of the file at `path` (a lone `\r` ends a line, as in the editor, so each tqdm
 * redraw is a line), each masked (known secrets and Hugging Face tokens) and cut to the cap. Reads the file once, in
 * chunks, keeping only the bytes of the lines wanted. Undefined when the file cannot be read or has no such line.
 */
export async function consoleExcerpt(path: string, line: number, opts: ExcerptOptions = {}): Promise<ConsoleExcerpt | undefined> {
  const radius = opts.radius ?? 20;
  const maxBytes = opts.maxBytes ?? 8192;
  const perLine = Math.max(80, Math.floor(maxBytes / 4));
  const from = Math.max(1, line - radius);
  let to = line + radius;
  /** The last line that has text: the file may end before `to`. */
  let lastSeen = 0;
  const kept = new Map<number, Buffer[]>();
  const keptBytes = new Map<number, number>();
  const lines = new EditorLines();
  let fh;
  try {
    fh = await openRegular(path);
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      lines.feed(buf.subarray(0, bytesRead), (piece, n) => {
        if (n < from || n > to) return;
        lastSeen = n;
        // A line longer than the cap keeps its first bytes only (plus a few for the mark that it was cut).
        const have = keptBytes.get(n) ?? 0;
        if (have > perLine) return;
        const part = Buffer.from(piece.subarray(0, perLine + 1 - have));
        const parts = kept.get(n);
        if (parts) parts.push(part);
        else kept.set(n, [part]);
        keptBytes.set(n, have + part.length);
      });
      if (lines.line > to) break;
    }
  } finally {
    await fh.close();
  }
  if (!kept.has(line)) return undefined;
  to = Math.min(to, lastSeen);
  const redact = redactorOf(opts.secrets);
  const out: string[] = [];
  let truncated = false;
  let total = 0;
  let first = from;
  for (let n = from; n <= to; n++) {
    const raw = Buffer.concat(kept.get(n) ?? []);
    let text = raw.toString('utf8').replace(/[\r\n]+$/, '');
    const cut = raw.length > perLine;
    if (cut) {
      text = text.slice(0, perLine) + ' …';
      truncated = true;
    }
    text = redact(text, cut);
    out.push(text);
    total += Buffer.byteLength(text) + 1;
  }
  // Over the cap in all: drop lines from both ends, farthest from `line` first.
  while (total > maxBytes && out.length > 1) {
    const dropFirst = line - first >= first + out.length - 1 - line;
    const gone = dropFirst ? out.shift()! : out.pop()!;
    if (dropFirst) first++;
    total -= Buffer.byteLength(gone) + 1;
    truncated = true;
  }
  return { firstLine: first, line, lines: out, truncated };
}

/**
 * A record folder read once as the monitor reads it (RunMonitor.readOnce, as `summarize` does), with the console line
 * of its failure as the dashboard's failure banner finds it (RunMonitor.consoleLineOf('failure')).
 */
export async function readFailureLine(recordDir: string, secrets: readonly string[] = []): Promise<{ state: RunState; line: number | undefined }> {
  const monitor = new RunMonitor({ recordDir, imageCacheDir: '', secrets, summary: true });
  const state = await monitor.readOnce();
  return { state, line: monitor.consoleLineOf('failure') };
}
