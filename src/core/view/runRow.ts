// What a run's row in the Runs tree shows, its checkpoint children included, as one string. The tree refreshes a row
// (and re-reads its children from the state) only when this changes, so a fast run does not flood the tree, and a
// checkpoint that was pruned, completed or grew on disk is never left showing what it was.
import { describeRun } from '../format';
import type { RunState } from '../run/state';

export function runRowKey(s: RunState): string {
  const checkpoints = s.checkpoints.map((c) => `${c.step}:${c.complete ? 'complete' : c.saving ? 'saving' : 'incomplete'}:${c.sizeBytes ?? ''}`);
  return `${describeRun(s)}|${checkpoints.join()}`;
}
