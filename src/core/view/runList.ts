// How the run lists (Runs view, status bar, dashboard legend) name, order and count runs. Pure.
import { isEnded, type RunState } from '../run/state';
import { isFinal } from '../supervisor/liveness';
import type { RunStatus } from '../supervisor/types';
import { runDisplayName } from './format';

/**
 * A run that is running now, as both views of it agree: its record (reconciled with the processes when the list was
 * read) is not final, and its monitor has seen it start and not end. After a reload every monitor re-reads its run
 * from byte 0, so an old run looks like it trains until its exit is read: the record already knows it ended. A record
 * still read as queued counts once the run printed more than its start (the queue started it since the list was read).
 */
export function isLiveRun(recordState: RunStatus, state: RunState): boolean {
  if (isEnded(state) || state.state === 'queued') return false;
  if (recordState === 'starting' || recordState === 'running') return true;
  return recordState === 'queued' && state.state !== 'starting';
}

/**
 * The state every view shows for a run: its monitor's, except while the monitor is still re-reading an ended run from
 * byte 0 (after a reload, a long console takes several passes): then the record's final state, so no row offers Stop
 * or shows a spinner for a run that ended long ago. Once the monitor reads the exit, both say the same.
 */
export function shownRunState(recordState: RunStatus, state: RunState): RunState {
  if (isEnded(state) || !isFinal(recordState)) return state;
  return { ...state, state: recordState === 'succeeded' ? 'finished' : recordState };
}

/**
 * The Runs view's order: oldest first, so a new run (started, or resumed from a row) is added at the end and no row
 * moves. Newest first put a resumed run's row, with its inline Stop, where the Resume button of the row just clicked was.
 */
export function runsViewOrder<T extends { id: string; createdAt: string }>(runs: readonly T[]): T[] {
  return [...runs].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/**
 * A run's label in lists and legends: runDisplayName, marked `[simulation] ` for stand-in runs unless the name says
 * so already (the demo's config is called "squares LoRA (simulation)").
 */
export function runLabel(name: string, createdAt: string, shared: boolean, simulated: boolean, now = new Date()): string {
  const mark = simulated && !/simulat/i.test(name) ? '[simulation] ' : '';
  return `${mark}${runDisplayName(name, createdAt, shared, now)}`;
}

/** The run's name: the user's (labels.json) when given, else its record's (the config's). */
export function labelledName(recordName: string, state: Pick<RunState, 'labels'> | undefined): string {
  return state?.labels?.name ?? recordName;
}
