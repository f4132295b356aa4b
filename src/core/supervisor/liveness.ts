// Deciding from the files and the process table whether a run is alive, and settling runs whose wrapper died.
import { existsSync } from 'node:fs';
import { writeJsonAtomic } from './atomicFile';
import { isSameProcessAlive } from './processTree';
import { readExit, recordFiles, type RunEntry } from './runRecord';
import { removeSecretsFile } from './secrets';
import { FINAL_STATES, type ExitInfo, type RunRecord, type RunStatus } from './types';

/** The training process recorded in `record` is running: same pid AND same start time (a reused pid is not it). */
export function isAlive(record: RunRecord): boolean {
  return isSameProcessAlive(record.pid, record.procStartTime);
}

/** The wrapper that supervises the run is running. */
export function isWrapperAlive(record: RunRecord): boolean {
  return isSameProcessAlive(record.wrapperPid, record.wrapperStartTime);
}

export function isFinal(state: RunStatus): boolean {
  return FINAL_STATES.includes(state);
}

export function finalState(exit: ExitInfo): RunStatus {
  if (exit.stopRequested) return 'stopped';
  return exit.exitCode === 0 ? 'succeeded' : 'failed';
}

/** A run holds resources (GPUs, its output_dir) while starting or running and some process of it lives. */
export function holdsResources(record: RunRecord): boolean {
  if (record.state !== 'starting' && record.state !== 'running') return false;
  // Just launched: the wrapper has not written its pid yet (reconcile fails it if it never does).
  if (record.state === 'starting' && record.wrapperPid === undefined) return true;
  return isAlive(record) || isWrapperAlive(record);
}

/**
 * Brings a starting/running record in line with reality and writes the result (best effort: when the record
 * cannot be written the settled version is still returned). Cases:
 * - exit.json exists but run.json was not finalised (wrapper died in between): finalise from exit.json;
 * - training and wrapper both gone, no exit.json: the wrapper was killed (or could not write anywhere), the exit
 *   status is unknown → failed;
 * - 'starting' with no wrapper for longer than `startTimeoutMs`: the wrapper never came up → failed.
 */
export function reconcile(entry: RunEntry, startTimeoutMs = 60_000, now = Date.now()): RunEntry {
  const { dir, record } = entry;
  if (record.state !== 'starting' && record.state !== 'running') return entry;
  const exit = entry.exit ?? readExit(dir);
  let patch: Partial<RunRecord> | undefined;
  if (exit) {
    patch = { state: finalState(exit), exitCode: exit.exitCode, signal: exit.signal, endedAt: exit.endedAt };
  } else if (isAlive(record) || isWrapperAlive(record)) {
    return entry;
  } else if (record.pid !== undefined || record.wrapperPid !== undefined) {
    const stopped = existsSync(recordFiles(dir).stop);
    patch = {
      state: stopped ? 'stopped' : 'failed',
      exitCode: null,
      signal: null,
      endedAt: new Date(now).toISOString(),
      note: 'the run\'s processes are gone and its exit status is unknown: the supervising wrapper process was killed, or could not write exit.json',
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
    next.note = `${next.note ?? ''}${next.note ? '; ' : ''}${e instanceof Error ? e.message : String(e)}`;
  }
  return exit ? { dir, record: next, exit } : { dir, record: next };
}
