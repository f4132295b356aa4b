// `run start FILE [--follow] [--json] [--on-existing continue|new|fail]`: starts a config's training the way the
// extension's Start does (same launch plan, same Supervisor, queued when another run is going), after the same gate:
// a config with error diagnostics is not started. `--profile` overrides launch.profile (`slurm`: submitted with sbatch).
import { basename, dirname, resolve } from 'node:path';
import { parseConfigText } from '../../core/config/config';
import { validateConfig } from '../../core/diagnostics';
import { queryGpus } from '../../core/gpu/gpuQuery';
import { buildLaunchPlan } from '../../core/launch/launchPlan';
import { isLaunchProfile, LAUNCH_PROFILES } from '../../core/config/config';
import { redactText, secretsOf } from '../../core/util/redact';
import { claimOutputDir, nextFreeOutputDir, withOutputDir, type OutputDirClaim } from '../../core/supervisor/ownership';
import { outputDirOf } from '../../core/launch/planArgs';
import type { RunEntry } from '../../core/supervisor/runRecord';
import type { RunMeta } from '../../core/supervisor/supervisor';
import type { LaunchPlan } from '../../core/supervisor/types';
import { parseFlags, UsageError, type CliIo } from '../io';
import { listDir, readConfigFile } from '../validate';
import { assertWrapper, onlyFlags, openWorkspace, stringFlag, workspaceRoot, type RunsWorkspace } from './context';
import { resumeAndReport } from './resume';
import { reportStarted } from './started';
import { errText } from '../../core/util/errText';
import { isSlurmRun } from '../../core/supervisor/slurmRuns';

const USAGE = `usage: run start FILE [--follow] [--json] [--on-existing continue|new|fail] [--profile ${LAUNCH_PROFILES.join('|')}] [--workspace DIR] [--nvidia-smi PATH]`;
const ON_EXISTING = ['continue', 'new', 'fail'] as const;
type OnExisting = (typeof ON_EXISTING)[number];

type Taken = Extract<OutputDirClaim, { kind: 'taken' }>;

/** `is being written by run X (name)` for a live owner (its `what` is empty: not read), else what the folder holds. */
function holdsText(claim: Taken): string {
  const owner = claim.byRunId ? `run ${claim.byRunId}${claim.byRunName ? ` (${claim.byRunName})` : ''}` : 'a run not recorded in this workspace';
  return claim.live ? `is being written by ${owner}` : `already holds ${claim.what.join(' and ')} of ${owner}`;
}

function takenMessage(outputDir: string, claim: Taken, next: string): string {
  const choices = !claim.byRunId
    ? `Pass --on-existing new to write to ${next}, or change output_dir in the config.`
    : claim.live
      ? `That run has not ended: stop it first (sdxl-trainer run stop ${claim.byRunId}), or pass --on-existing new to write to ${next}.`
      : `Pass --on-existing continue to resume ${claim.byRunId} from its newest complete checkpoint, or --on-existing new to write to ${next}.`;
  return `not started: output_dir ${outputDir} ${holdsText(claim)}${claim.live ? ', which has not ended' : ''}.\n${choices}`;
}

export async function runStart(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json', 'follow']);
  onlyFlags(flags, ['json', 'follow', 'on-existing', 'workspace', 'nvidia-smi', 'profile']);
  if (positional.length !== 1) throw new UsageError(USAGE);
  const onExisting = (stringFlag(flags, 'on-existing') ?? 'fail') as OnExisting;
  if (!ON_EXISTING.includes(onExisting)) throw new UsageError(`--on-existing must be one of ${ON_EXISTING.join(', ')}`);
  const profile = stringFlag(flags, 'profile');
  if (profile !== undefined && !isLaunchProfile(profile)) throw new UsageError(`--profile must be one of ${LAUNCH_PROFILES.join(', ')}`);
  const opts = { json: flags.has('json'), follow: flags.has('follow') };
  const file = resolve(io.cwd, positional[0]!);
  const root = workspaceRoot(flags, io, dirname(file));

  const read = readConfigFile(file);
  if ('error' in read) {
    io.err(`${file}: error: ${file} ${read.error}.\n`);
    return 1;
  }
  const smi = stringFlag(flags, 'nvidia-smi');
  const gpus = await queryGpus(smi);
  // The queue places runs on the GPUs it knows of; unknown, queued runs go one at a time.
  const ws = openWorkspace(root, io, gpus && gpus.length > 0 ? gpus.length : undefined, smi);
  // The gate: what the Problems panel shows as errors would make the run fail or train the wrong thing.
  const diagnostics = validateConfig(read.text, { configPath: file, listDir, ...(gpus ? { gpus } : {}), ...(profile ? { profile } : {}) });
  for (const d of diagnostics) {
    if (d.severity !== 'info')
      io.err(`${file}:${d.line}:${d.column}: ${d.severity}: ${redactText(d.message, ws.secrets).replace(/\r?\n/g, '\\n')} [${d.code}]\n`);
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) {
    io.err(`sdxl-trainer run start: not started: ${file} has ${errors} error(s), listed above (\`sdxl-trainer validate\` shows their fixes)\n`);
    return 1;
  }
  const parsed = parseConfigText(read.text);
  if (!parsed.config) throw new Error(`${file}: ${parsed.problems[0]?.message ?? 'not a valid training config'}`);
  let plan: LaunchPlan = buildLaunchPlan(parsed.config, file, profile ? { profile } : {});
  ws.secrets.push(...secretsOf(plan.argv, plan.env));
  const meta: RunMeta = { name: parsed.config.name ?? basename(file).replace(/\.sdxl\.json$/, ''), configPath: file };
  assertWrapper(io);

  const sup = ws.supervisor;
  const outputDir = outputDirOf(plan);
  const runs = await sup.list();
  const claim = claimOutputDir(outputDir, runs);
  if (claim.kind === 'taken') {
    const next = nextFreeOutputDir(plan, runs);
    if (onExisting === 'fail' || (onExisting === 'continue' && (!claim.byRunId || claim.live))) {
      io.err(`sdxl-trainer run start: ${takenMessage(outputDir, claim, next.text)}\n`);
      return 1;
    }
    if (onExisting === 'continue') {
      // The config as it is now, resumed from the newest complete checkpoint of that run's lineage (as the editor does).
      return resumeAndReport(ws, claim.byRunId!, undefined, io, opts, { plan, meta });
    }
    // new: the next free folder goes into the launch only; the config file is left as it is.
    plan = withOutputDir(plan, next.text);
    meta.outputDir = next.dir;
    io.err(`note: output_dir ${outputDir} ${holdsText(claim)}; this run writes to ${next.dir}\n`);
  }
  return reportStarted(ws, await startOrQueue(ws, plan, meta), io, opts);
}

/** As the extension does: queued when another local run is starting or running, else started now (a Slurm job: Slurm queues it). */
async function startOrQueue(ws: RunsWorkspace, plan: LaunchPlan, meta: RunMeta): Promise<RunEntry> {
  const sup = ws.supervisor;
  try {
    const live = (await sup.live()).filter((e) => (e.record.state === 'running' || e.record.state === 'starting') && !isSlurmRun(e.record));
    return live.length > 0 && !plan.slurm ? (await sup.enqueue(plan, meta)).entry : await sup.start(plan, meta);
  } catch (e) {
    // Error messages may quote the command line; the Hub token must not reach the terminal.
    throw new Error(redactText(errText(e), secretsOf(plan.argv, plan.env)));
  }
}
