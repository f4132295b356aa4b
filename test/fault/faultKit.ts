// Shared parts of the fault suite (test/fault/*.fault.ts): real runs through the real Supervisor and its detached
// wrapper, followed by a RunMonitor as the extension follows them, and one check that every place a user reads a
// run's outcome agrees: the record, `summarize`, the live monitor, a fresh monitor (a reload), `run list` and
// `run show` (the CLI in-process), the resume pick, and no process of the run left.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunListItem } from '../../src/cli/run/list';
import { RunMonitor, readRunState, type RunMonitorOptions } from '../../src/core/monitor/runMonitor';
import { summarizePath, type RunSummary } from '../../src/core/monitor/summarize';
import type { RunState } from '../../src/core/run/state';
import { pickResumeCheckpoint } from '../../src/core/supervisor/ownership';
import { listProcesses } from '../../src/core/supervisor/processTree';
import { Supervisor, type SupervisorOptions } from '../../src/core/supervisor/supervisor';
import type { LaunchPlan, RunRecord, RunStatus } from '../../src/core/supervisor/types';
import type { ReliabilityLog } from '../reliabilityReport';
import { dataset, lora } from '../unit/standinRuns';
import { cliInProcess, runProcessCount, workspace, wrapperJs, type CliResult, type Workspace } from '../unit/supervisorTestKit';

export { dataset, lora } from '../unit/standinRuns';
export { repoRoot, runProcessCount, waitFor, workspace, wrapperJs, type Workspace } from '../unit/supervisorTestKit';

export const unixOnly = (timeout: number) => ({ skip: process.platform === 'win32' ? 'process groups, signals and /proc are Unix-only' : false, timeout });

export async function supervisor(ws: Workspace, opts: Partial<SupervisorOptions> = {}): Promise<Supervisor> {
  return new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: await wrapperJs(), execPath: process.execPath, graceMs: 2000, ...opts });
}

/** A started run, its workspace (removed after the test), the Supervisor that started it and the monitor following it. */
export interface StartedRun {
  ws: Workspace;
  sup: Supervisor;
  dir: string;
  record: RunRecord;
  monitor: RunMonitor;
}

type TestContext = { after(fn: () => void): void };

/** A fresh workspace and Supervisor, a run of `plan(ws)` started and followed: the start of every fault test. */
export async function startRun(
  t: TestContext,
  plan: (ws: Workspace) => LaunchPlan | Promise<LaunchPlan>,
  monitorOpts: Partial<RunMonitorOptions> = {},
): Promise<StartedRun> {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws);
  const { dir, record } = await sup.start(await plan(ws));
  return { ws, sup, dir, record, monitor: follow(t, ws, dir, monitorOpts) };
}

/** `startRun` of a stand-in LoRA run on a 4-image dataset with the given script arguments and environment. */
export function startStandinRun(
  t: TestContext,
  args: string[],
  env: Record<string, string> = {},
  monitorOpts: Partial<RunMonitorOptions> = {},
): Promise<StartedRun> {
  return startRun(t, async (ws) => lora(ws, await dataset(ws, 4), args, env), monitorOpts);
}

/**
 * The verdict on one run in a fault file's log: every disagreement of the views with what is expected (when given),
 * plus the test's own findings, recorded with the views' description; any of them counts the run as lost and fails.
 */
export function viewsVerdict(log: ReliabilityLog, name: string, v: Views, expected: Expected | undefined, extra: string[] = []): void {
  log.verdict(name, describe(v), [...(expected ? disagreements(v, expected) : []), ...extra], describe(v));
}

/** A RunMonitor following the run as the extension does (stopped by the test's `after`). */
export function follow(t: TestContext, ws: Workspace, dir: string, opts: Partial<RunMonitorOptions> = {}): RunMonitor {
  const monitor = new RunMonitor({ recordDir: dir, imageCacheDir: join(ws.root, '.sdxl', 'images'), pollMs: 50, ...opts });
  monitor.start();
  t.after(() => monitor.stop());
  return monitor;
}

/** The CLI in-process, in the workspace (`--workspace` is added). */
export function cli(ws: Workspace, argv: string[]): Promise<CliResult> {
  return cliInProcess(ws, [...argv, '--workspace', ws.root], { onInterrupt: () => () => undefined });
}

/** The command line of a live process ('' when gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** The descendant of `root` whose command line matches (the training script under `accelerate launch`). */
export async function descendant(root: number, match: RegExp): Promise<number | undefined> {
  const procs = await listProcesses();
  const below = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) {
      if (below.has(p.ppid) && !below.has(p.pid)) {
        below.add(p.pid);
        grew = true;
      }
    }
  }
  return [...below].find((pid) => pid !== root && match.test(cmdline(pid)));
}

/** The last `N/M` of the console's Steps bar, read here independently of the product's parser. */
export function lastConsoleStep(consolePath: string): number | null {
  const text = readFileSync(consolePath, 'latin1');
  let step: number | null = null;
  for (const m of text.matchAll(/Steps:\s+\d+%\|[^|]*\|\s*(\d+)\/(\d+)/g)) step = Number(m[1]);
  return step;
}

export interface Expected {
  state: Extract<RunStatus, 'succeeded' | 'failed' | 'stopped'>;
  /** The step the run reached (the console's last bar). */
  step: number | null;
  /** Its checkpoints, complete or not, as on disk. */
  checkpoints?: Array<{ step: number; complete: boolean }>;
  /** The checkpoint a resume would use (`checkpoint-N`), or null when none qualifies. */
  resume?: string | null;
}

export interface Views {
  record: RunRecord;
  summary: RunSummary;
  monitor?: RunState;
  reloaded: RunState;
  list?: RunListItem;
  show?: { state: string; step: number | null; checkpoints: Array<{ step: number; complete: boolean }> };
  resume: string | null;
  processes: number;
}

const MONITOR_STATE: Record<Expected['state'], RunState['state']> = { succeeded: 'finished', failed: 'failed', stopped: 'stopped' };

/** Everything a user could read about run `id`, gathered once the run has ended. */
export async function views(ws: Workspace, sup: Supervisor, id: string, monitor?: RunMonitor): Promise<Views> {
  const { dir, record } = await sup.get(id);
  const summary = (await summarizePath(dir)).summary;
  const reloaded = await readRunState(dir, join(ws.root, '.sdxl', 'images-reload'));
  const listed = await cli(ws, ['run', 'list', '--json']);
  const list = listed.code === 0 ? (JSON.parse(listed.out) as RunListItem[]).find((r) => r.id === id) : undefined;
  const shown = await cli(ws, ['run', 'show', id, '--json']);
  const show = shown.code === 0 ? (JSON.parse(shown.out) as NonNullable<Views['show']>) : undefined;
  let resume: string | null;
  try {
    resume = (
      await pickResumeCheckpoint({ runId: id, runs: await sup.list(), stateOf: (rid) => readRunState(sup.dirOf(rid), join(ws.root, '.sdxl', 'images-pick')) })
    ).name;
  } catch {
    resume = null;
  }
  return {
    record,
    summary,
    ...(monitor ? { monitor: monitor.state } : {}),
    reloaded,
    ...(list ? { list } : {}),
    ...(show ? { show } : {}),
    resume,
    processes: await runProcessCount(record),
  };
}

const cps = (list: ReadonlyArray<{ step: number; complete: boolean }>) => JSON.stringify(list.map((c) => ({ step: c.step, complete: c.complete })));

/** What disagrees with the expected outcome, in words (empty: the run was neither lost nor misreported). */
export function disagreements(v: Views, e: Expected): string[] {
  const bad: string[] = [];
  const same = (what: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) bad.push(`${what}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  };
  same('record state', v.record.state, e.state);
  same('summarize state', v.summary.state, e.state);
  same('summarize step', v.summary.step, e.step);
  if (v.monitor) {
    same('monitor state', v.monitor.state, MONITOR_STATE[e.state]);
    same('monitor step', v.monitor.step, e.step);
  }
  same('reloaded monitor state', v.reloaded.state, MONITOR_STATE[e.state]);
  same('reloaded monitor step', v.reloaded.step, e.step);
  if (!v.list) bad.push('run list: the run is not listed');
  else {
    same('run list state', v.list.state, e.state);
    same('run list step', v.list.step, e.step);
  }
  if (!v.show) bad.push('run show: failed');
  else {
    same('run show state', v.show.state, e.state);
    same('run show step', v.show.step, e.step);
  }
  if (e.checkpoints) {
    const want = cps(e.checkpoints);
    same('summarize checkpoints', cps(v.summary.checkpoints), want);
    if (v.monitor) same('monitor checkpoints', cps(v.monitor.checkpoints), want);
    same('reloaded checkpoints', cps(v.reloaded.checkpoints), want);
    if (v.show) same('run show checkpoints', cps(v.show.checkpoints), want);
  }
  if (e.resume !== undefined) same('resume pick', v.resume, e.resume);
  same('processes left', v.processes, 0);
  return bad;
}

/** One line for the report: what was seen. */
export function describe(v: Views): string {
  const cp = v.summary.checkpoints.map((c) => `checkpoint-${c.step}${c.complete ? '' : ' (incomplete)'}`).join(', ') || 'none';
  const exit = v.record.exitCode === undefined ? '' : `, exit ${v.record.exitCode ?? 'unknown'}`;
  return (
    `${v.record.state}${exit}, step ${v.summary.step ?? '-'}/${v.summary.totalSteps ?? '-'}, checkpoints: ${cp}; resume: ${v.resume ?? 'none'}; ` +
    `failure: ${v.summary.failure?.class ?? 'none'}; processes left: ${v.processes}`
  );
}

/**
 * The monitor's end, awaited: its timers do not hold the process open (unref'd, as in the extension host), so a
 * referenced timer keeps the test alive meanwhile; fails after `ms`.
 */
export async function ended(monitor: RunMonitor, ms = 60_000): Promise<RunState> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the monitor did not see the run end within ${ms} ms`)), ms)));
  try {
    return await Promise.race([monitor.whenEnded(), late]);
  } finally {
    clearTimeout(timer);
  }
}
