// What `generate RUN_ID|OUTPUT_DIR` generates with: the run (a workspace record, or the newest record of that
// output_dir, or a bare output_dir read as `summarize DIR` reads it), its weights, its arguments and its interpreter.
import { statSync } from 'node:fs';
import * as nodePath from 'node:path';
import { readLatestHparams } from '../core/events/hparams';
import { argsFromArgv, outputDirOf } from '../core/launch/planArgs';
import { readRunState } from '../core/monitor/runMonitor';
import { summarizePath } from '../core/monitor/summarize';
import type { CheckpointInfo } from '../core/run/events';
import { profileOfRecorded } from '../core/scripts/profiles';
import type { ArgValue, ScriptKind } from '../core/scripts/scriptTables';
import { finalWeightsExist } from '../core/generate/sources';
import { mergeSecrets } from '../core/supervisor/secrets';
import { runInterpreter } from '../core/supervisor/tensorboardServer';
import { resolveRunId, type RunsWorkspace } from './run/context';

export interface GenerateTarget {
  runId?: string;
  runName: string;
  script: ScriptKind | null;
  outputDir: string;
  args: Record<string, ArgValue> | null;
  /** The run's working folder (relative model paths in its args). */
  cwd: string;
  checkpoints: CheckpointInfo[];
  lastStep: number | null;
  finalExists: boolean;
  /** A recorded run's interpreter (runInterpreter: beside its accelerate, its #! line, else python3); none for a bare folder. */
  python?: string;
  /** The run's launch.env without its secrets (run.json keeps only placeholders of those; the job inherits ours). */
  env?: Record<string, string>;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** A recorded run, by id (or unique prefix). */
async function fromRecord(ws: RunsWorkspace, id: string): Promise<GenerateTarget> {
  const { dir, record } = await ws.supervisor.get(id);
  const state = await readRunState(dir, ws.imageCacheDir);
  const script = record.script;
  const outputDir = record.outputDir ?? outputDirOf(record.plan);
  // The interpreter the editor's Generate Samples and Open in TensorBoard use for the run too.
  const python = runInterpreter(record.plan);
  // HF_HOME, HF_ENDPOINT…: the model is found in the cache the training used. run.json keeps secrets as placeholders:
  // without values here they are left out.
  const { env } = mergeSecrets(record.plan.env, {});
  return {
    runId: record.id,
    runName: state.labels?.name ?? record.name,
    script,
    outputDir,
    args: argsFromArgv(record.plan.argv, script),
    cwd: record.plan.cwd,
    checkpoints: state.checkpoints,
    lastStep: state.step,
    finalExists: await finalWeightsExist(outputDir, script),
    python,
    ...(Object.keys(env).length ? { env } : {}),
  };
}

/** An output_dir no record of this workspace wrote: its checkpoints as found, its arguments from its hparams.yml. */
async function fromOutputDir(dir: string): Promise<GenerateTarget> {
  const { state } = await summarizePath(dir);
  const script = state.script;
  let args: Record<string, ArgValue> | null = null;
  for (const project of profileOfRecorded(script)?.trackerProjects ?? []) {
    const h = await readLatestHparams(nodePath.join(dir, 'logs', project));
    if (!h) continue;
    // hparams.yml holds the script's args as logged; lists (none of the args used here) are left out.
    args = {};
    for (const [k, v] of Object.entries(h.values)) if (!Array.isArray(v)) args[k] = v;
    break;
  }
  return {
    runName: nodePath.basename(dir),
    script,
    outputDir: dir,
    args,
    cwd: dir,
    checkpoints: state.checkpoints,
    lastStep: state.step,
    finalExists: await finalWeightsExist(dir, script),
  };
}

/** RUN_ID (or a unique prefix) of the workspace, else an existing folder: the newest run that wrote it, else the folder. */
export async function generateTarget(ws: RunsWorkspace, given: string, cwd: string): Promise<GenerateTarget> {
  const dir = nodePath.resolve(cwd, given);
  if (!isDir(dir)) return fromRecord(ws, await resolveRunId(ws, given));
  const runs = (await ws.supervisor.list()).filter((e) => (e.record.outputDir ?? (e.record.plan ? outputDirOf(e.record.plan) : '')) === dir);
  const newest = runs.sort((a, b) => (a.record.createdAt < b.record.createdAt ? 1 : -1))[0];
  return newest ? fromRecord(ws, newest.record.id) : fromOutputDir(dir);
}
