// Notices run records created or removed by another process: a second window on the workspace, the CLI, or a wrapper
// that created nothing but whose queue pump a window did not see. The window's own starts refresh at once; without
// this, a run another window started stayed out of this one's Runs view until a reload. The records folder's names
// are listed now and then and compared with the last listing (linear in the number of runs; no inotify watch to run
// out of, and a folder that does not exist yet simply lists as empty). Changes inside a record are the RunMonitors',
// except what a stamp file in the folder announces (`stamps`: a relabel of an ended run, whose monitor reads nothing
// more; runLabels.LABELS_STAMP): its content is compared too.
import { closeSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { openRegularSync } from '../util/regularFile';

export const RECORDS_POLL_MS = 2000;

export type ListNames = (dir: string) => string[];

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return []; // not created yet, or unreadable: no records to see
  }
}

/** A stamp is a short token; past this many bytes the rest is not read. */
const STAMP_MAX_BYTES = 256;

/** Its first STAMP_MAX_BYTES; a link is not followed, and a FIFO planted in the workspace never waited on. */
function readStamp(file: string): string {
  let fd: number | undefined;
  try {
    fd = openRegularSync(file, { followLinks: false });
    const buf = Buffer.alloc(STAMP_MAX_BYTES);
    return buf.toString('utf8', 0, readSync(fd, buf, 0, STAMP_MAX_BYTES, 0));
  } catch {
    return ''; // none yet, or unreadable: nothing announced
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export class RecordsFolderWatch {
  private last: Set<string> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly onChange: () => void,
    private readonly list: ListNames = listNames,
    /** Files in the folder whose content, when it changes, is a change too (not just their names). */
    private readonly stamps: readonly string[] = [],
  ) {}

  /** Lists the folder; calls onChange (and returns true) when its names differ from the last check's. */
  check(): boolean {
    const names = new Set(this.list(this.dir));
    // "\0" cannot be in a file name, so a stamp's entry never equals a record's.
    for (const stamp of this.stamps) names.add(`\0${stamp}\0${readStamp(join(this.dir, stamp))}`);
    const before = this.last;
    this.last = names;
    if (before === undefined) return false;
    let changed = before.size !== names.size;
    if (!changed) {
      for (const n of names) {
        if (!before.has(n)) {
          changed = true;
          break;
        }
      }
    }
    if (changed) this.onChange();
    return changed;
  }

  /** Checks every `intervalMs` until disposed; the first check only records what is there. */
  start(intervalMs = RECORDS_POLL_MS): void {
    this.dispose();
    this.check();
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
