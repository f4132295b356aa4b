// `run resume ID [--checkpoint N] [--follow] [--json]`: a new run continuing ID from a complete checkpoint, picked the
// way the extension picks it (the checkpoint scanner, with the console's "Saved state to" as proof of completeness).
import { scanCheckpoints, newestCompleteCheckpoint } from '../../core/monitor/checkpoints';
import { reduceConsoleFile } from '../../core/run/summarize';
import { initialRunState } from '../../core/run/state';
import { recordFiles, type RunEntry } from '../../core/supervisor/runRecord';
import type { NewestCheckpoint } from '../../core/supervisor/supervisor';
import { parseFlags, UsageError, type CliIo } from '../io';
import { assertWrapper, onlyFlags, openWorkspace, resolveRunId, stringFlag, workspaceRoot, type RunsWorkspace } from './context';
import { reportStarted } from './started';

const USAGE = 'usage: run resume ID [--checkpoint N] [--follow] [--json] [--workspace DIR]';

/** Steps whose save the run's console reported as done. */
async function savedSteps(entry: RunEntry): Promise<number[]> {
  try {
    const s = await reduceConsoleFile(recordFiles(entry.dir).console, initialRunState());
    return s.checkpoints.filter((c) => c.complete).map((c) => c.step);
  } catch {
    return []; // no console (the run never started): completeness from the files alone
  }
}

/**
 * The checkpoint picker handed to Supervisor.resume: checkpoint-`step` when given (refused when it does not exist or
 * is incomplete), else the newest complete one.
 */
export function checkpointPicker(entry: RunEntry, step?: number): NewestCheckpoint {
  const id = entry.record.id;
  return async (outputDir) => {
    const scan = await scanCheckpoints(outputDir, { script: entry.record.script, savedSteps: await savedSteps(entry), sizes: false });
    const newest = newestCompleteCheckpoint(scan.checkpoints);
    if (step === undefined) {
      if (!newest) throw new Error(`run ${id} has no complete checkpoint in ${outputDir} to resume from`);
      return `checkpoint-${newest.step}`;
    }
    const found = scan.checkpoints.find((c) => c.step === step);
    const alternative = newest ? `; the newest complete one is checkpoint-${newest.step}` : '; it has no complete checkpoint';
    if (!found) {
      const have = scan.checkpoints.map((c) => `checkpoint-${c.step}`).join(', ');
      throw new Error(`run ${id} has no checkpoint-${step} in ${outputDir} (${have ? `there are ${have}` : 'there are none'})`);
    }
    if (!found.complete) throw new Error(`checkpoint-${step} of run ${id} is incomplete (its save did not finish: weights, optimizer or scheduler state missing)${alternative}`);
    return `checkpoint-${step}`;
  };
}

/** Resumes run `id` in `ws` and reports it like a start. */
export async function resumeAndReport(ws: RunsWorkspace, id: string, step: number | undefined, io: CliIo, opts: { json: boolean; follow: boolean }): Promise<number> {
  assertWrapper(io);
  const entry = ws.supervisor.get(id);
  const resumed = await ws.supervisor.resume(id, checkpointPicker(entry, step));
  return reportStarted(ws, resumed, io, opts);
}

export async function runResume(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json', 'follow']);
  onlyFlags(flags, ['json', 'follow', 'checkpoint', 'workspace']);
  if (positional.length !== 1) throw new UsageError(USAGE);
  const given = stringFlag(flags, 'checkpoint');
  let step: number | undefined;
  if (given !== undefined) {
    const m = /^(?:checkpoint-)?(\d+)$/.exec(given);
    if (!m) throw new UsageError(`--checkpoint must be a step number (500) or a folder name (checkpoint-500), not '${given}'`);
    step = Number(m[1]);
  }
  const ws = openWorkspace(workspaceRoot(flags, io, io.cwd), io);
  const id = resolveRunId(ws, positional[0]!);
  return resumeAndReport(ws, id, step, io, { json: flags.has('json'), follow: flags.has('follow') });
}
