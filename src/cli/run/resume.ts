// `run resume ID [--checkpoint N] [--follow] [--json]`: a new run continuing ID from a complete checkpoint of its own
// lineage, picked the way the extension picks it (pickResumeCheckpoint).
import { reduceConsoleFile } from '../../core/monitor/summarize';
import { initialRunState, type RunState } from '../../core/run/state';
import { pickResumeCheckpoint } from '../../core/supervisor/ownership';
import { secretsOfConfig } from '../../core/supervisor/configSecrets';
import { recordFiles } from '../../core/supervisor/runRecord';
import type { RunMeta } from '../../core/supervisor/supervisor';
import type { LaunchPlan } from '../../core/supervisor/types';
import { parseFlags, UsageError, type CliIo } from '../io';
import { assertWrapper, onlyFlags, openWorkspace, resolveRunId, stringFlag, workspaceRoot, type RunsWorkspace } from './context';
import { reportStarted } from './started';

const USAGE = 'usage: run resume ID [--checkpoint N] [--follow] [--json] [--workspace DIR]';

/** A run's state from its console alone: which checkpoints it said it saved (and pruned), for pickResumeCheckpoint. */
async function consoleState(ws: RunsWorkspace, id: string): Promise<RunState | undefined> {
  try {
    return await reduceConsoleFile(recordFiles(ws.supervisor.dirOf(id)).console, initialRunState());
  } catch {
    return undefined; // no console (the run never started): no checkpoint of its own
  }
}

/**
 * Resumes run `id` in `ws` from checkpoint-`step`, or the newest complete checkpoint of its lineage (refused when it
 * is another run's, gone or incomplete), and reports it like a start. `start`: launch the current config instead.
 */
export async function resumeAndReport(
  ws: RunsWorkspace,
  id: string,
  step: number | undefined,
  io: CliIo,
  opts: { json: boolean; follow: boolean },
  start?: { plan: LaunchPlan; meta: RunMeta },
): Promise<number> {
  assertWrapper(io);
  const choice = await pickResumeCheckpoint({
    runId: id,
    runs: await ws.supervisor.list(),
    stateOf: (runId) => consoleState(ws, runId),
    ...(step !== undefined ? { want: `checkpoint-${step}` } : {}),
  });
  // The resume gets the config's secrets again (run.json keeps none): masked in what --follow prints, like a start's.
  ws.secrets.push(...Object.values(secretsOfConfig((await ws.supervisor.get(id)).record.configPath)));
  const resumed = await ws.supervisor.resume(id, () => choice.name, start?.meta ?? {}, start?.plan);
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
  const id = await resolveRunId(ws, positional[0]!);
  return resumeAndReport(ws, id, step, io, { json: flags.has('json'), follow: flags.has('follow') });
}
