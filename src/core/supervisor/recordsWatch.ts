// Notices run records created or removed by another process: a second window on the workspace, the CLI, or a wrapper
// that created nothing but whose queue pump a window did not see. The window's own starts refresh at once; without
// this, a run another window started stayed out of this one's Runs view until a reload. The records folder's names
// are listed now and then and compared with the last listing (linear in the number of runs; no inotify watch to run
// out of, and a folder that does not exist yet simply lists as empty). Changes inside a record are the RunMonitors'.
import { readdirSync } from 'node:fs';

export const RECORDS_POLL_MS = 2000;

export type ListNames = (dir: string) => string[];

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return []; // not created yet, or unreadable: no records to see
  }
}

export class RecordsFolderWatch {
  private last: Set<string> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly onChange: () => void,
    private readonly list: ListNames = listNames,
  ) {}

  /** Lists the folder; calls onChange (and returns true) when its names differ from the last check's. */
  check(): boolean {
    const names = new Set(this.list(this.dir));
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
