// Finding a run's TensorBoard event files and following them as they grow. A run dir holds one main events file per
// process start (resumes add more, with overlapping steps) plus hparams files in `<run dir>/<time.time()>/` subdirs.
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { decodeEvent, type TbEvent } from './event';
import { addSkips, DEFAULT_MAX_GARBAGE_BYTES, noSkips, scanRecords, START, withFileSource, type FrameState, type GaveUp, type SkipCounts } from './tfrecord';
import { findFilesUnder } from '../util/fsWalk';
import { errText } from '../util/errText';

const PREFIX = 'events.out.tfevents.';
const MAX_DEPTH = 6;

export interface EventFileName {
  /** Unix seconds from the name (when the writer started). */
  timestamp: number;
  host: string;
  pid: number;
  /** Per-process writer counter; the main writer is normally 0 and add_hparams' writer 1. */
  uid: number;
  /** Whatever follows (PyTorch's filename_suffix), or ''. */
  suffix: string;
}

/** Parses `events.out.tfevents.<%010d secs>.<hostname>.<pid>.<uid><suffix>`; hostnames may contain dots. */
export function parseEventFileName(name: string): EventFileName | undefined {
  if (!name.startsWith(PREFIX)) return undefined;
  const m = /^(\d+)\.(.+)\.(\d+)\.(\d+)(.*)$/.exec(name.slice(PREFIX.length));
  if (!m) {
    const t = /^(\d+)/.exec(name.slice(PREFIX.length));
    return t ? { timestamp: Number(t[1]), host: '', pid: 0, uid: 0, suffix: '' } : undefined;
  }
  return { timestamp: Number(m[1]), host: m[2]!, pid: Number(m[3]), uid: Number(m[4]), suffix: m[5]! };
}

export function isEventFileName(name: string): boolean {
  return name.startsWith(PREFIX);
}

/** Orders event files by the timestamp in their name, then by name: the order the writers started in. */
export function compareEventFiles(a: string, b: string): number {
  const na = basename(a);
  const nb = basename(b);
  const ta = parseEventFileName(na)?.timestamp ?? 0;
  const tb = parseEventFileName(nb)?.timestamp ?? 0;
  if (ta !== tb) return ta - tb;
  if (na !== nb) return na < nb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * All `events.out.tfevents.*` files under `path` (a run dir, logs dir or output_dir), searched a few levels deep without
 * following symlinked dirs, ordered by `compareEventFiles`. A file path is returned as itself. Unreadable subdirs are
 * skipped; a missing `path` gives [].
 */
export async function findEventFiles(path: string): Promise<string[]> {
  let st;
  try {
    st = await stat(path);
  } catch {
    return [];
  }
  if (st.isFile()) return [path];
  return (await findFilesUnder(path, isEventFileName, MAX_DEPTH)).sort(compareEventFiles);
}

export interface TailedEvent {
  file: string;
  /** Byte offset of the record in the file. */
  offset: number;
  event: TbEvent;
}

export interface TailProblem {
  file: string;
  /** `corrupt`: a corrupt region longer than `maxGarbageBytes` was given up on (reported each time). */
  kind: 'missing' | 'unreadable' | 'shrunk' | 'decode' | 'corrupt';
  message: string;
}

export interface TailBatch {
  /**
   * New events in file order (files in `compareEventFiles` order). Steps may repeat across files after a resume: every
   * point is kept with its wallTime so the reducer can decide (the latest wallTime for a step is the live one).
   */
  events: TailedEvent[];
  problems: TailProblem[];
  /** Skipped data found in this call, summed over files. */
  skipped: SkipCounts;
  /** Framed records read in this call (events plus records that failed to decode). */
  records: number;
  /** The per-call byte budget was reached: call again soon for the rest. */
  more: boolean;
}

export interface TailerOptions {
  maxRecordBytes?: number;
  /** Bytes to consume per readNew() over all files (default 64 MiB), so one poll never holds the host for long. */
  maxBytesPerRead?: number;
  /** Corrupt bytes scanned in one file without a valid record before the rest of it is skipped (default 64 MiB). */
  maxGarbageBytes?: number;
  /**
   * Whether a file found under the root is followed; asked once per file, when it is first seen (a run's monitor
   * passes its attribution, see eventAttribution.ts). Default: every file.
   */
  accept?: (file: string) => boolean;
}

interface Tracked {
  state: FrameState;
  size: number;
  ino: number;
  /** A problem was reported and not yet cleared, so it is not reported on every poll. */
  reported?: TailProblem['kind'];
}

/**
 * Follows every event file under `root` incrementally (poll with `readNew()`). Files that appear later are picked up;
 * files that disappear, become unreadable, or shrink (replaced) are reported once in `problems`, never thrown.
 * Image bytes in returned events are copies, safe to keep.
 */
export class EventTailer {
  private readonly files = new Map<string, Tracked>();
  /** Files found but not accepted: never read, never reported. */
  private readonly ignored = new Set<string>();

  constructor(
    readonly root: string,
    private readonly opts: TailerOptions = {},
  ) {}

  /** Files currently followed, with their resume offsets. */
  get positions(): ReadonlyMap<string, number> {
    return new Map([...this.files].map(([f, t]) => [f, t.state.offset]));
  }

  async readNew(): Promise<TailBatch> {
    const batch: TailBatch = { events: [], problems: [], skipped: noSkips(), records: 0, more: false };
    const found: string[] = [];
    for (const file of await findEventFiles(this.root)) {
      if (this.ignored.has(file)) continue;
      if (!this.files.has(file) && this.opts.accept && !this.opts.accept(file)) {
        this.ignored.add(file);
        continue;
      }
      found.push(file);
    }
    const present = new Set(found);
    for (const [file, t] of this.files) {
      if (!present.has(file) && t.reported !== 'missing') {
        t.reported = 'missing';
        batch.problems.push({ file, kind: 'missing', message: `event file ${file} disappeared` });
      }
    }
    let budget = this.opts.maxBytesPerRead ?? 64 * 1024 * 1024;
    for (const file of found) {
      if (budget <= 0) {
        batch.more = true;
        break;
      }
      let t = this.files.get(file);
      if (!t) {
        t = { state: START, size: 0, ino: 0 };
        this.files.set(file, t);
      }
      if (t.reported === 'missing') t.reported = undefined;
      budget -= await this.readFile(file, t, budget, batch);
    }
    return batch;
  }

  /** Reads one file's new records into `batch`; returns the bytes consumed. */
  private async readFile(file: string, t: Tracked, budget: number, batch: TailBatch): Promise<number> {
    const report = (kind: TailProblem['kind'], message: string) => {
      if (t.reported === kind) return;
      t.reported = kind;
      batch.problems.push({ file, kind, message });
    };
    try {
      const st = await stat(file);
      if ((t.ino && st.ino !== t.ino) || st.size < t.state.offset) {
        report('shrunk', `event file ${file} was replaced or truncated; reading it again from the start`);
        t.state = START;
      }
      t.ino = st.ino;
      t.size = st.size;
      if (st.size === t.state.offset) return 0;
      const before = t.state.offset;
      const r = await withFileSource(file, (src) =>
        scanRecords(
          src,
          t.state,
          { maxRecordBytes: this.opts.maxRecordBytes, maxBytes: budget, maxGarbageBytes: this.opts.maxGarbageBytes },
          (payload, offset) => {
            const d = decodeEvent(payload);
            if (!d.ok) {
              batch.problems.push({ file, kind: 'decode', message: `${file} at byte ${offset}: ${d.error}` });
              return;
            }
            for (const v of d.event.values) if (v.kind === 'image') v.encoded = v.encoded.slice();
            batch.events.push({ file, offset, event: d.event });
          },
        ),
      );
      t.state = r.state;
      t.reported = undefined; // a later problem of the same kind is news again
      addSkips(batch.skipped, r.skipped);
      batch.records += r.records;
      batch.more ||= r.more;
      if (r.gaveUp) batch.problems.push({ file, kind: 'corrupt', message: gaveUpMessage(file, r.gaveUp, this.opts.maxGarbageBytes, false) });
      // Bytes skipped unread after giving up cost nothing: they do not count against the budget.
      return r.state.offset - before - (r.gaveUp ? r.gaveUp.to - r.gaveUp.at : 0);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') report('missing', `event file ${file} disappeared`);
      else report('unreadable', `cannot read event file ${file}: ${errText(e)}`);
      return 0;
    }
  }
}

/** The notice for a corrupt region given up on; `final`: the file was read once (the CLI), not followed. */
export function gaveUpMessage(file: string, g: GaveUp, maxGarbageBytes = DEFAULT_MAX_GARBAGE_BYTES, final: boolean): string {
  const mib = Math.round((maxGarbageBytes / (1024 * 1024)) * 100) / 100;
  const rest = g.to > g.at ? `skipped the rest (to byte ${g.to})` : 'skipped it';
  return `event file ${file}: no valid record in the ${mib} MiB from byte ${g.from}; ${rest}${final ? '' : ' until it grows'}`;
}
