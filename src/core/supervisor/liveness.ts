// Deciding from the files and the process table whether a run is alive, and settling runs whose wrapper died.
// A process counts as the run's only with its recorded start time (processTree.sameProcess); where that cannot be
// checked (no tool may be spawned) the run is left as it is, never settled on a guess.
import { existsSync } from 'node:fs';
import { writeJsonAtomic } from './atomicFile';
import { outputDirOf } from '../launch/planArgs';
import { sameProcess, systemProcesses, type Liveness, type ProcessQuery } from './processTree';
import { readExit, recordFiles, type RunEntry } from './runRecord';
import { removeSecretsFile } from './secrets';
import { isSlurmRun, reconcileSlurm } from './slurmRuns';
import type { SlurmClient } from './slurmTypes';
import { FINAL_STATES, type ExitInfo, type RunRecord, type RunStatus } from './types';
import { outcomeWithoutExit } from './unknownExit';
import { errText } from '../util/errText';

/** The training process recorded in `record`: alive only with the same pid AND start time (a reused pid is not it). */
export function trainerLiveness(record: RunRecord, query: ProcessQuery = systemProcesses): Promise<Liveness> {
  return sameProcess(record.pid, record.procStartTime, query);
}

/** The wrapper that supervises the run, likewise. */
export function wrapperLiveness(record: RunRecord, query: ProcessQuery = systemProcesses): Promise<Liveness> {
  return sameProcess(record.wrapperPid, record.wrapperStartTime, query);
}

export async function isAlive(record: RunRecord, query: ProcessQuery = systemProcesses): Promise<boolean> {
  return (await trainerLiveness(record, query)).state === 'alive';
}

export async function isWrapperAlive(record: RunRecord, query: ProcessQuery = systemProcesses): Promise<boolean> {
  return (await wrapperLiveness(record, query)).state === 'alive';
}

/** The training process's liveness and the wrapper's, asked together. */
export function bothLiveness(record: RunRecord, query: ProcessQuery = systemProcesses): Promise<Liveness[]> {
  return Promise.all([trainerLiveness(record, query), wrapperLiveness(record, query)]);
}

export function isFinal(state: RunStatus): state is 'succeeded' | 'failed' | 'stopped' {
  return FINAL_STATES.includes(state);
}

export function finalState(exit: ExitInfo): RunStatus {
  if (exit.stopRequested) return 'stopped';
  return exit.exitCode === 0 ? 'succeeded' : 'failed';
}

/** A run holds resources (GPUs, its output_dir) while starting or running and some process of it lives. */
export async function holdsResources(record: RunRecord, query: ProcessQuery = systemProcesses): Promise<boolean> {
  if (record.state !== 'starting' && record.state !== 'running') return false;
  // A Slurm job has no local process: it holds its output_dir until Slurm says it ended (reconcile).
  if (isSlurmRun(record)) return true;
  // Just launched: the wrapper has not written its pid yet (reconcile fails it if it never does).
  if (record.state === 'starting' && record.wrapperPid === undefined) return true;
  // A process that cannot be checked here may be the run's: it keeps its GPUs and folder until known.
  return (await bothLiveness(record, query)).some((l) => l.state === 'alive' || l.state === 'unknown');
}

/**
 * Brings a starting/running record in line with reality and writes the result (best effort: when the record
 * cannot be written the settled version is still returned). Cases:
 * - exit.json exists but run.json was not finalised (wrapper died in between): finalise from exit.json;
 * - training and wrapper both gone (or not the run's), no exit.json: the wrapper was killed (or could not write
 *   anywhere), the exit status is unknown → outcomeWithoutExit (succeeded only with the last step and final weights);
 * - 'starting' with no wrapper for longer than `startTimeoutMs`: the wrapper never came up → failed.
 * A process whose liveness is unknown here (no tool may run) leaves the record as it is. An unreadable record is
 * never rewritten. A Slurm run is settled by Slurm's answers instead (slurmRuns.ts; without `slurm` it is left as it is).
 */
export async function reconcile(
  entry: RunEntry,
  startTimeoutMs = 60_000,
  now = Date.now(),
  query: ProcessQuery = systemProcesses,
  slurm?: SlurmClient,
): Promise<RunEntry> {
  const { dir, record } = entry;
  if (entry.unreadable || (record.state !== 'starting' && record.state !== 'running')) return entry;
  if (isSlurmRun(record)) return reconcileSlurm(entry, slurm, startTimeoutMs, now);
  const exit = entry.exit ?? readExit(dir);
  let patch: Partial<RunRecord> | undefined;
  if (exit) {
    patch = { state: finalState(exit), exitCode: exit.exitCode, signal: exit.signal, endedAt: exit.endedAt };
  } else if (record.pid !== undefined || record.wrapperPid !== undefined) {
    const lives = await bothLiveness(record, query);
    if (lives.some((l) => l.state === 'alive' || l.state === 'unknown')) return entry;
    const outcome = endedWithoutExit(entry);
    // A live process the record names without its start time is not the run's: said, so nobody takes it for the run.
    const notOurs = lives.flatMap((l) => (l.state === 'notOurs' ? [l.why] : []));
    patch = {
      state: outcome.state,
      exitCode: null,
      signal: null,
      endedAt: new Date(now).toISOString(),
      note: [outcome.note, ...notOurs].join('; '),
    };
  } else if (now - Date.parse(record.startedAt ?? record.createdAt) > startTimeoutMs) {
    patch = { state: 'failed', endedAt: new Date(now).toISOString(), note: 'the supervising wrapper process never started' };
  } else {
    return entry;
  }
  const next: RunRecord = { ...record, ...patch };
  // A run settled here never starts again: a queued run's secrets file, if its wrapper never took it, goes.
  removeSecretsFile(dir);
  try {
    writeJsonAtomic(recordFiles(dir).run, next);
  } catch (e) {
    next.note = `${next.note ?? ''}${next.note ? '; ' : ''}${errText(e)}`;
  }
  return exit ? { dir, record: next, exit } : { dir, record: next };
}

/** outcomeWithoutExit for a record: its console, output_dir, script and stop request. */
export function endedWithoutExit(entry: Pick<RunEntry, 'dir' | 'record'>): ReturnType<typeof outcomeWithoutExit> {
  const { dir, record } = entry;
  const files = recordFiles(dir);
  return outcomeWithoutExit({
    consolePath: files.console,
    outputDir: record.outputDir ?? outputDirOf(record.plan),
    cwd: record.plan.cwd,
    script: record.script,
    stopRequested: existsSync(files.stop),
  });
}
