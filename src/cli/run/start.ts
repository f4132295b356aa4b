// `run start FILE [--follow] [--json] [--on-existing continue|new|fail]`: starts a config's training the way the
// extension's Start does (same launch plan, same Supervisor, queued when another run is going), after the same gate:
// a config with error diagnostics is not started.
import { basename, dirname, resolve } from 'node:path';
import { parseConfigText } from '../../core/config';
import { validateConfig } from '../../core/diagnostics';
import { queryGpus } from '../../core/gpuQuery';
import { buildLaunchPlan } from '../../core/launchPlan';
import { redactText, secretsOf } from '../../core/redact';
import { claimOutputDir, nextFreeOutputDir, type OutputDirClaim } from '../../core/supervisor/ownership';
import { outputDirOf, withOutputDir } from '../../core/supervisor/planArgs';
import type { RunEntry } from '../../core/supervisor/runRecord';
import type { RunMeta } from '../../core/supervisor/supervisor';
import type { LaunchPlan } from '../../core/supervisor/types';
import { parseFlags, UsageError, type CliIo } from '../io';
import { listDir, readConfigFile } from '../validate';
import { assertWrapper, onlyFlags, openWorkspace, stringFlag, workspaceRoot, type RunsWorkspace } from './context';
import { resumeAndReport } from './resume';
import { reportStarted } from './started';

const USAGE = 'usage: run start FILE [--follow] [--json] [--on-existing continue|new|fail] [--workspace DIR] [--nvidia-smi PATH]';
const ON_EXISTING = ['continue', 'new', 'fail'] as const;
type OnExisting = (typeof ON_EXISTING)[number];
const FINAL = ['succeeded', 'failed', 'stopped'];

/** At most `max` names, then how many more. */
function some(names: readonly string[], max = 3): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/** What the claim found, grouped: `checkpoint-2, checkpoint-4, pytorch_lora_weights.safetensors, 3 event file(s) under logs/`. */
function listed(what: readonly string[]): string {
  const events = what.filter((w) => w.includes('events.out.tfevents'));
  const rest = what.filter((w) => !w.includes('events.out.tfevents'));
  const parts = [...(rest.length ? [some(rest)] : []), ...(events.length ? [`${events.length} TensorBoard event file(s) under logs/`] : [])];
  return parts.join(', ');
}

function takenMessage(outputDir: string, claim: Extract<OutputDirClaim, { kind: 'taken' }>, ownerState: string | undefined): string {
  const owner = claim.byRunId ? `run ${claim.byRunId}${claim.byRunName ? ` (${claim.byRunName})` : ''}` : 'a run not recorded in this workspace';
  const next = nextFreeOutputDir(outputDir);
  const choices = !claim.byRunId
    ? `Pass --on-existing new to write to ${next}, or change output_dir in the config.`
    : ownerState && !FINAL.includes(ownerState)
      ? `That run is still ${ownerState}: stop it first (sdxl-trainer run stop ${claim.byRunId}), or pass --on-existing new to write to ${next}.`
      : `Pass --on-existing continue to resume ${claim.byRunId} from its newest complete checkpoint, or --on-existing new to write to ${next}.`;
  return `not started: output_dir ${outputDir} already holds the work of ${owner}:\n  ${listed(claim.what)}\n${choices}`;
}

export async function runStart(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json', 'follow']);
  onlyFlags(flags, ['json', 'follow', 'on-existing', 'workspace', 'nvidia-smi']);
  if (positional.length !== 1) throw new UsageError(USAGE);
  const onExisting = (stringFlag(flags, 'on-existing') ?? 'fail') as OnExisting;
  if (!ON_EXISTING.includes(onExisting)) throw new UsageError(`--on-existing must be one of ${ON_EXISTING.join(', ')}`);
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
  const ws = openWorkspace(root, io, gpus && gpus.length > 0 ? gpus.length : undefined);
  // The gate: what the Problems panel shows as errors would make the run fail or train the wrong thing.
  const diagnostics = validateConfig(read.text, { configPath: file, listDir, ...(gpus ? { gpus } : {}) });
  for (const d of diagnostics) {
    if (d.severity !== 'info') io.err(`${file}:${d.line}:${d.column}: ${d.severity}: ${d.message.replace(/\r?\n/g, '\\n')} [${d.code}]\n`);
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) {
    io.err(`sdxl-trainer run start: not started: ${file} has ${errors} error(s), listed above (\`sdxl-trainer validate\` shows their fixes)\n`);
    return 1;
  }
  const parsed = parseConfigText(read.text);
  if (!parsed.config) throw new Error(`${file}: ${parsed.problems[0]?.message ?? 'not a valid training config'}`);
  let plan: LaunchPlan = buildLaunchPlan(parsed.config, file);
  const meta: RunMeta = { name: parsed.config.name ?? basename(file).replace(/\.sdxl\.json$/, ''), configPath: file };
  assertWrapper(io);

  const sup = ws.supervisor;
  const outputDir = outputDirOf(plan);
  const claim = claimOutputDir(outputDir, sup.list());
  if (claim.kind === 'taken') {
    if (onExisting === 'fail') {
      const ownerState = claim.byRunId ? sup.get(claim.byRunId).record.state : undefined;
      io.err(`sdxl-trainer run start: ${takenMessage(outputDir, claim, ownerState)}\n`);
      return 1;
    }
    if (onExisting === 'continue') {
      if (!claim.byRunId) {
        io.err(`sdxl-trainer run start: output_dir ${outputDir} holds ${listed(claim.what)} of no run recorded in ${ws.recordsDir}, so there is no run to continue; pass --on-existing new to write to ${nextFreeOutputDir(outputDir)}\n`);
        return 1;
      }
      io.err(`note: continuing run ${claim.byRunId} with its own launch (as Resume does): changes to the config since then are not used\n`);
      return resumeAndReport(ws, claim.byRunId, undefined, io, opts);
    }
    // new: the next free folder goes into the launch only; the config file is left as it is.
    const fresh = nextFreeOutputDir(outputDir);
    plan = withOutputDir(plan, fresh);
    meta.outputDir = fresh;
    io.err(`note: output_dir ${outputDir} already holds ${listed(claim.what)}; this run writes to ${fresh}\n`);
  }
  return reportStarted(ws, await startOrQueue(ws, plan, meta), io, opts);
}

/** As the extension does: queued when another run is starting or running, else started now. */
async function startOrQueue(ws: RunsWorkspace, plan: LaunchPlan, meta: RunMeta): Promise<RunEntry> {
  const sup = ws.supervisor;
  try {
    const live = sup.live().filter((e) => e.record.state === 'running' || e.record.state === 'starting');
    return live.length > 0 ? (await sup.enqueue(plan, meta)).entry : await sup.start(plan, meta);
  } catch (e) {
    // Error messages may quote the command line; the Hub token must not reach the terminal.
    throw new Error(redactText(e instanceof Error ? e.message : String(e), secretsOf(plan.argv, plan.env)));
  }
}
