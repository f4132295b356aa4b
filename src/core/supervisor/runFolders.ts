// The folders that belong to a run, which what the user sees of it (the dashboard) may open: its output_dir and the
// checkpoint folders its state lists (a checkpoint may be a link to elsewhere, or saved outside output_dir).
import { isAbsolute, resolve } from 'node:path';
import { outputDirOf } from '../launch/planArgs';
import type { RunRecord } from './types';

export function runFolders(record: Pick<RunRecord, 'outputDir' | 'plan'>, checkpoints: ReadonlyArray<{ path: string }>): string[] {
  const cwd = record.plan.cwd;
  const out = record.outputDir ? resolve(cwd, record.outputDir) : outputDirOf(record.plan);
  // Checkpoint paths are as the script printed them: relative to its working directory.
  return [out, ...checkpoints.map((c) => (isAbsolute(c.path) ? c.path : resolve(cwd, c.path)))];
}
