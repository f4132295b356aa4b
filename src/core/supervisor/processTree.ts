// Process facts the supervisor needs: is a pid still *our* process (pid + start time), which processes belong
// to a run (its process group and descendants), and how to signal them all. Linux reads /proc; other Unix uses
// `ps`; Windows uses PowerShell for start times and taskkill for the tree.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Single-letter state on Linux ('Z' = zombie); '' elsewhere. */
  state: string;
  startTime?: string;
}

/** Parses /proc/<pid>/stat. The command name may hold spaces and ')' so fields are counted after the last ')'. */
export function parseProcStat(pid: number, text: string): ProcInfo | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state); field n is f[n - 3].
  const ppid = Number(f[1]);
  const pgid = Number(f[2]);
  const start = f[19];
  if (!Number.isInteger(ppid) || !Number.isInteger(pgid) || !start) return undefined;
  return { pid, ppid, pgid, state: f[0] ?? '', startTime: start };
}

function readLinuxProc(pid: number): ProcInfo | undefined {
  try {
    return parseProcStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

function run(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', windowsHide: true, timeout: 10_000 });
  return r.status === 0 ? r.stdout : undefined;
}

/** An opaque start-time token for `pid`, or undefined when the process does not exist or it cannot be read. */
export function processStartTime(pid: number): string | undefined {
  if (process.platform === 'linux') return readLinuxProc(pid)?.startTime;
  if (process.platform === 'win32') {
    const out = run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', `(Get-Process -Id ${pid}).StartTime.ToUniversalTime().ToString('o')`]);
    return out?.trim() || undefined;
  }
  return run('ps', ['-o', 'lstart=', '-p', String(pid)])?.trim() || undefined;
}

/** The process group of a live process (Linux only; elsewhere, or when it is gone, undefined). */
export function processGroupOf(pid: number): number | undefined {
  return process.platform === 'linux' && Number.isInteger(pid) && pid > 0 ? readLinuxProc(pid)?.pgid : undefined;
}

/** The process exists (a zombie does not count: it has finished and only waits to be reaped). */
export function pidExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform === 'linux') {
    const info = readLinuxProc(pid);
    return !!info && info.state !== 'Z';
  }
  return true;
}

/** The pid exists AND is the same process as recorded (its start time matches), so a reused pid is not mistaken. */
export function isSameProcessAlive(pid: number | undefined, startTime: string | undefined): boolean {
  if (pid === undefined || !pidExists(pid)) return false;
  if (startTime === undefined) return true;
  const now = processStartTime(pid);
  // If the start time cannot be read now (permissions, tool missing) the pid alone has to do.
  return now === undefined || now === startTime;
}

/** All processes (Unix). Empty on Windows, where the tree is handled by taskkill. */
export function listProcesses(): ProcInfo[] {
  if (process.platform === 'linux') {
    const out: ProcInfo[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const info = readLinuxProc(Number(name));
      if (info && info.state !== 'Z') out.push(info);
    }
    return out;
  }
  if (process.platform === 'win32') return [];
  const text = run('ps', ['-A', '-o', 'pid=,ppid=,pgid=']) ?? '';
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((n) => n.length === 3 && n.every(Number.isInteger))
    .map(([pid, ppid, pgid]) => ({ pid: pid!, ppid: ppid!, pgid: pgid!, state: '' }));
}

/**
 * Live processes of a run: members of its process group plus every descendant of the given roots (a child that
 * called setsid() leaves the group but not the ancestry). The roots themselves are included when alive.
 */
export function runProcesses(pgid: number | undefined, roots: number[]): number[] {
  const procs = listProcesses();
  const children = new Map<number, number[]>();
  for (const p of procs) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const found = new Set<number>();
  if (pgid !== undefined) for (const p of procs) if (p.pgid === pgid) found.add(p.pid);
  const alive = new Set(procs.map((p) => p.pid));
  const seen = new Set<number>();
  const stack = roots.filter((r) => alive.has(r));
  while (stack.length) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    found.add(pid);
    for (const child of children.get(pid) ?? []) stack.push(child);
  }
  return [...found].sort((a, b) => a - b);
}

export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGKILL';

/**
 * Sends `signal` to a whole process group (Unix) and, for stragglers that left the group, to each listed pid.
 * On Windows there are no groups or signals: SIGKILL (and anything after a failed polite stop) uses
 * `taskkill /T /F`, the polite signals `taskkill /T` without /F.
 */
export function signalRun(pgid: number | undefined, extraPids: number[], signal: StopSignal): void {
  if (process.platform === 'win32') {
    const root = pgid ?? extraPids[0];
    if (root !== undefined) taskkillTree(root, signal === 'SIGKILL');
    return;
  }
  if (pgid !== undefined && pgid > 1) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // ESRCH: the group is already gone
    }
  }
  for (const pid of extraPids) {
    // Members of the group already got the signal; a second SIGINT would interrupt Python's own cleanup.
    if (pgid !== undefined && pgidOf(pid) === pgid) continue;
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
}

function pgidOf(pid: number): number | undefined {
  if (process.platform === 'linux') return readLinuxProc(pid)?.pgid;
  const n = Number(run('ps', ['-o', 'pgid=', '-p', String(pid)])?.trim());
  return Number.isInteger(n) ? n : undefined;
}

/** `taskkill [/F] /T /PID <pid>` by absolute path (no shell, no PATH lookup); errors ignored (already gone). */
export function taskkillTree(pid: number, force: boolean): void {
  const exe = join(process.env['SystemRoot'] ?? process.env['WINDIR'] ?? 'C:\\Windows', 'System32', 'taskkill.exe');
  spawnSync(exe, [...(force ? ['/F'] : []), '/T', '/PID', String(pid)], { windowsHide: true, timeout: 30_000 });
}
