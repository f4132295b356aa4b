// What a run's row in the Runs tree shows, its checkpoint children included, as one string. The tree refreshes a row
// (and re-reads its children from the state) only when this changes, so a fast run does not flood the tree, and a
// checkpoint that was pruned, completed or grew on disk is never left showing what it was.
import { describeRun, type SpeedUnit } from './format';
import type { RunState } from '../run/state';
import type { RunEntry } from '../supervisor/runRecord';

export function runRowKey(s: RunState, unit: SpeedUnit = 'auto'): string {
  const checkpoints = s.checkpoints.map((c) => `${c.step}:${c.complete ? 'complete' : c.saving ? 'saving' : 'incomplete'}:${c.sizeBytes ?? ''}`);
  // The labels too: a rename, note or tag shows in the row's label and tooltip.
  const labels = s.labels ? JSON.stringify(s.labels) : '';
  // A Slurm run's job: its state, reason, nodes and when Slurm last answered show in the row and tooltip.
  const slurm = s.slurm ? JSON.stringify(s.slurm) : '';
  return `${describeRun(s, unit)}|${checkpoints.join()}|${labels}|${slurm}`;
}

/** The row's description: the run's progress or outcome, marked where its record is unreadable or from elsewhere. */
export function runDescription(entry: Pick<RunEntry, 'unreadable' | 'foreign'>, s: RunState, unit: SpeedUnit = 'auto'): string {
  if (entry.foreign && s.state === 'queued') return 'queued elsewhere · not started';
  return entry.unreadable ? `record unreadable · ${describeRun(s, unit)}` : describeRun(s, unit);
}
