// Resuming a run: the same plan with `--resume_from_checkpoint checkpoint-N` right after the script path.
// The name must be a checkpoint the extension knows to be complete: `latest` would take a half-written one.
import { scriptIndex } from '../launch/planArgs';
import type { LaunchPlan } from './types';

const FLAG = '--resume_from_checkpoint';

/** A copy of `plan` whose script arguments resume from `checkpointName` (replacing any earlier resume flag). */
export function withResume(plan: LaunchPlan, checkpointName: string): LaunchPlan {
  if (!/^checkpoint-\d+$/.test(checkpointName)) {
    throw new Error(`cannot resume from '${checkpointName}': expected a checkpoint folder name like checkpoint-500 (the script looks it up inside output_dir)`);
  }
  const si = scriptIndex(plan.argv);
  if (si < 0) throw new Error('cannot resume: the launch plan has no training script (*.py) in its arguments');
  const head = plan.argv.slice(0, si + 1);
  const rest: string[] = [];
  const tail = plan.argv.slice(si + 1);
  for (let i = 0; i < tail.length; i++) {
    const a = tail[i]!;
    if (a === FLAG) {
      i++; // drop its value too
      continue;
    }
    if (a.startsWith(FLAG + '=')) continue;
    rest.push(a);
  }
  return { ...plan, argv: [...head, FLAG, checkpointName, ...rest], env: { ...plan.env } };
}
