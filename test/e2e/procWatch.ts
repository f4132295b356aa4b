// Watches the process table (/proc) while a spec runs, so a process that lives for a few milliseconds (an nvidia-smi
// poll, a wrapper that exits at once) is still seen: one `ps` at the end would miss it.
import { readdirSync, readFileSync } from 'node:fs';

export interface SeenProcess {
  pid: number;
  ppid: number;
  cmd: string;
}

/** Every process now: pid, parent pid and command line (arguments joined by spaces). */
export function processTable(): SeenProcess[] {
  const out: SeenProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the command name in parentheses, which may itself hold spaces or parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.push({ pid: Number(entry), ppid, cmd });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** The processes of `table` that descend from `root` (root itself excluded). */
export function descendants(table: SeenProcess[], root: number): SeenProcess[] {
  const children = new Map<number, SeenProcess[]>();
  for (const p of table) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const out: SeenProcess[] = [];
  const stack = (children.get(root) ?? []).slice();
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    for (const c of children.get(p.pid) ?? []) stack.push(c);
  }
  return out;
}

/**
 * Samples the process table every `intervalMs`: keeps each process `select` picks from a sample (first sighting per
 * pid), and the highest `count` of one sample.
 */
export class ProcWatch {
  readonly seen = new Map<number, SeenProcess>();
  peak = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly select: (table: SeenProcess[]) => SeenProcess[],
    private readonly count: (table: SeenProcess[]) => number = () => 0,
    intervalMs = 40,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const table = processTable();
    for (const p of this.select(table)) if (!this.seen.has(p.pid)) this.seen.set(p.pid, p);
    this.peak = Math.max(this.peak, this.count(table));
  }

  stop(): SeenProcess[] {
    clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    return [...this.seen.values()];
  }
}
