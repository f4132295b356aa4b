// Process facts the supervisor needs: is a pid still *our* process (pid + start time), which processes belong
// to a run (its process group and descendants), and how to signal them all. Linux reads /proc; other Unix uses
// `ps`; Windows uses PowerShell for start times and taskkill for the tree. Where a question needs a tool and
// spawning is not allowed (an untrusted workspace), the answer is "unknown", never a guess.
// Every tool runs asynchronously (execFile, a timeout, an output cap): these are asked on every liveness check and
// GPU poll, on the extension host, which must never block on a child process.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive } from '../util/pidAlive';

/** How process facts are read: injectable, so tests can play another platform and see every tool spawned. */
export interface ProcessQuery {
  platform: NodeJS.Platform;
  /** Runs a tool (argument array, no shell): its stdout, or undefined when it failed. */
  run(cmd: string, args: string[]): Promise<string | undefined>;
  /** Whether a tool may be spawned now (false in an untrusted workspace: listing runs must start no process). */
  maySpawn(): boolean;
}

/** A tool's output beyond this is not a process listing any more: the call fails rather than fill memory. */
export const TOOL_OUTPUT_CAP = 16 * 1024 * 1024;

/**
 * Runs `cmd args` (no shell) without blocking: its stdout when it exits 0 within `timeoutMs` (then killed) and
 * prints no more than `maxBytes`; else undefined.
 */
export function runTool(cmd: string, args: string[], opts: { timeoutMs?: number; maxBytes?: number } = {}): Promise<string | undefined> {
  const { timeoutMs = 10_000, maxBytes = TOOL_OUTPUT_CAP } = opts;
  return new Promise((resolve) => {
    try {
      execFile(cmd, args, { encoding: 'utf8', windowsHide: true, timeout: timeoutMs, maxBuffer: maxBytes }, (err, stdout) => {
        resolve(err ? undefined : stdout);
      });
    } catch {
      // execFile throws at once on arguments the OS cannot take (a NUL byte): the tool did not run.
      resolve(undefined);
    }
  });
}

/** This machine, allowed to spawn. */
export const systemProcesses: ProcessQuery = { platform: process.platform, run: runTool, maySpawn: () => true };

/** This machine; tools only while `maySpawn()` says so. */
export function processQuery(maySpawn: () => boolean): ProcessQuery {
  return { ...systemProcesses, maySpawn };
}

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

const run = (cmd: string, args: string[]) => systemProcesses.run(cmd, args);

/** A start-time token, or why there is none: the process is gone, or it cannot be told without a tool not allowed. */
export type StartTimeAnswer = { startTime: string } | { unknown: string };

/** The opaque start-time token of `pid` (Linux: /proc; elsewhere a tool, only where spawning is allowed). */
export async function readStartTime(pid: number, query: ProcessQuery = systemProcesses): Promise<StartTimeAnswer> {
  if (query.platform === 'linux') {
    const start = readLinuxProc(pid)?.startTime;
    return start ? { startTime: start } : { unknown: `/proc/${pid}/stat is not readable` };
  }
  const tool = query.platform === 'win32' ? 'powershell.exe' : 'ps';
  if (!query.maySpawn()) return { unknown: `its start time is not checked here (that needs ${tool}, and no process is started in an untrusted workspace)` };
  const out =
    query.platform === 'win32'
      ? await query.run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', `(Get-Process -Id ${pid}).StartTime.ToUniversalTime().ToString('o')`])
      : await query.run('ps', ['-o', 'lstart=', '-p', String(pid)]);
  const start = out?.trim();
  return start ? { startTime: start } : { unknown: `${tool} could not read its start time` };
}

/** An opaque start-time token for `pid`, or undefined when the process does not exist or it cannot be read. */
export async function processStartTime(pid: number, query: ProcessQuery = systemProcesses): Promise<string | undefined> {
  const a = await readStartTime(pid, query);
  return 'startTime' in a ? a.startTime : undefined;
}

/** The process group of a live process (Linux only; elsewhere, or when it is gone, undefined). */
export function processGroupOf(pid: number): number | undefined {
  return process.platform === 'linux' && Number.isInteger(pid) && pid > 0 ? readLinuxProc(pid)?.pgid : undefined;
}

/** The process group of `pid` on Unix (ps only where spawning is allowed); undefined on Windows or when unknown. */
export async function groupOf(pid: number, query: ProcessQuery = systemProcesses): Promise<number | undefined> {
  if (query.platform === 'linux') return readLinuxProc(pid)?.pgid;
  if (query.platform === 'win32' || !query.maySpawn()) return undefined;
  const n = Number((await query.run('ps', ['-o', 'pgid=', '-p', String(pid)]))?.trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The process exists (a zombie does not count: it has finished and only waits to be reaped). */
export function pidExists(pid: number, query: ProcessQuery = systemProcesses): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) return false;
  if (query.platform === 'linux') {
    const info = readLinuxProc(pid);
    return !!info && info.state !== 'Z';
  }
  return true;
}

/**
 * Whether a recorded process is running: 'alive' only when the pid exists AND its start time is the recorded one.
 * A record without a start time names no process of ours (a planted or foreign record), and a start time that cannot
 * be read now leaves it 'unknown': neither is ever taken for the run, so neither is signalled.
 */
export type Liveness = { state: 'alive' } | { state: 'gone' | 'notOurs' | 'unknown'; why: string };

/**
 * What the wrapper records when the start time of a process it started cannot be read (a failing PowerShell or ps):
 * such a process can never be verified, so it is never signalled, but it is not taken for gone either.
 */
export const START_TIME_UNREADABLE = 'unreadable';

/** The start time to record for a process just started (START_TIME_UNREADABLE when it cannot be read). */
export async function recordedStartTime(pid: number): Promise<string> {
  return (await processStartTime(pid)) ?? START_TIME_UNREADABLE;
}

export async function sameProcess(pid: number | undefined, startTime: string | undefined, query: ProcessQuery = systemProcesses): Promise<Liveness> {
  if (pid === undefined) return { state: 'gone', why: 'no process recorded' };
  if (!pidExists(pid, query)) return { state: 'gone', why: `process ${pid} is gone` };
  if (startTime === undefined) {
    return { state: 'notOurs', why: `process ${pid} is alive, but the record has no start time for it, so it cannot be told to be the run's` };
  }
  if (startTime === START_TIME_UNREADABLE)
    return { state: 'unknown', why: `process ${pid} is alive, but its start time could not be read when it was recorded` };
  const now = await readStartTime(pid, query);
  if ('unknown' in now) {
    if (!pidExists(pid, query)) return { state: 'gone', why: `process ${pid} is gone` };
    return { state: 'unknown', why: `process ${pid} is alive, but ${now.unknown}` };
  }
  if (now.startTime !== startTime) {
    return {
      state: 'notOurs',
      why: `process ${pid} is alive, but it started at ${now.startTime}, not at the recorded ${startTime}: another process has its pid`,
    };
  }
  return { state: 'alive' };
}

/** The pid exists AND is the same process as recorded (start times match), so a reused pid is not mistaken. */
export async function isSameProcessAlive(pid: number | undefined, startTime: string | undefined, query: ProcessQuery = systemProcesses): Promise<boolean> {
  return (await sameProcess(pid, startTime, query)).state === 'alive';
}

/** All processes (Unix). Empty on Windows, where the tree is handled by taskkill. */
export async function listProcesses(): Promise<ProcInfo[]> {
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
  const text = (await run('ps', ['-A', '-o', 'pid=,ppid=,pgid='])) ?? '';
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
export async function runProcesses(pgid: number | undefined, roots: number[]): Promise<number[]> {
  const procs = await listProcesses();
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
export async function signalRun(pgid: number | undefined, extraPids: number[], signal: StopSignal): Promise<void> {
  if (process.platform === 'win32') {
    const root = pgid ?? extraPids[0];
    if (root !== undefined) await taskkillTree(root, signal === 'SIGKILL');
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
    if (pgid !== undefined && (await groupOf(pid)) === pgid) continue;
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
}

/** `taskkill [/F] /T /PID <pid>` by absolute path (no shell, no PATH lookup); errors ignored (already gone). */
export async function taskkillTree(pid: number, force: boolean): Promise<void> {
  const exe = join(process.env['SystemRoot'] ?? process.env['WINDIR'] ?? 'C:\\Windows', 'System32', 'taskkill.exe');
  await runTool(exe, [...(force ? ['/F'] : []), '/T', '/PID', String(pid)], { timeoutMs: 30_000 });
}
