// Starting, listing, stopping and deleting generation jobs. A job is a supervised process like a training run — the
// same detached wrapper, record files and stop escalation — kept in its own records folder (`.sdxl/generations`) so
// the Runs view's runs and the queue never see it; its images go to a fresh folder of its own under `.sdxl/samples`.
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../supervisor/atomicFile';
import { makeRunId, readRecord } from '../supervisor/runRecord';
import { Supervisor, type SupervisorOptions } from '../supervisor/supervisor';
import type { RunEntry } from '../supervisor/runRecord';
import type { RunRecord } from '../supervisor/types';
import type { ScriptKind } from '../scripts/kinds';
import { isWithin } from '../util/pathContainment';
import { generationArgv } from './argv';
import { GENERATION_REQUEST_FILE, GENERATIONS_DIR, SAMPLES_DIR, type GenerationRequest, type GenerationSettings } from './types';

export function generationsDir(workspaceRoot: string): string {
  return join(resolve(workspaceRoot), ...GENERATIONS_DIR);
}

export function samplesDir(workspaceRoot: string): string {
  return join(resolve(workspaceRoot), ...SAMPLES_DIR);
}

/**
 * `outputDir` when it is one of the workspace's sample folders (`.sdxl/samples/<name>`), else undefined: a record that
 * names any other folder (planted, or edited by hand) gets nothing removed or revealed there.
 */
export function ownedSamplesFolder(workspaceRoot: string, outputDir: string | undefined): string | undefined {
  if (!outputDir) return undefined;
  const parent = samplesDir(workspaceRoot);
  const resolved = resolve(outputDir);
  return isWithin(parent, resolved) && resolved !== parent ? resolved : undefined;
}

/** The supervisor of a workspace's generation jobs: the runs' launcher options with the jobs' records folder. */
export function generationSupervisor(opts: Omit<SupervisorOptions, 'recordsDir'>, workspaceRoot: string): Supervisor {
  return new Supervisor({ ...opts, recordsDir: generationsDir(workspaceRoot) });
}

export interface StartGenerationOptions {
  /** The training run's interpreter (its plan's python, or the one next to its accelerate). */
  python: string;
  /** Absolute path of python/sdxl_generate.py. */
  script: string;
  settings: GenerationSettings;
  workspaceRoot: string;
  /** The job's name, e.g. `samples of <run name>`. */
  name: string;
  /** The script kind whose weights are used (the record's plan.script). */
  scriptKind: ScriptKind;
  runId?: string;
  runName?: string;
  /** Added to the job's environment (HF_HOME, HF_ENDPOINT… as the run had them; never secrets in run.json). */
  env?: Record<string, string>;
  /** Working folder of the script (default: the workspace). */
  cwd?: string;
  now?: Date;
}

/** A new, empty folder `<workspace>/.sdxl/samples/<time>-<slug>[-n]` that no other job uses. */
export function newSamplesFolder(workspaceRoot: string, name: string, at: Date = new Date()): string {
  const parent = samplesDir(workspaceRoot);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const base = makeRunId(name, at);
  for (let n = 1; n < 1000; n++) {
    const dir = join(parent, n === 1 ? base : `${base}-${n}`);
    try {
      mkdirSync(dir, { mode: 0o700 });
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new Error(`cannot create a samples folder in ${parent}: too many named ${base}`);
}

/**
 * Checks the settings (throws naming every problem, nothing created), makes the job's folder with request.json, and
 * starts the script through the supervisor; resolves with the job's record once its process runs (or failed to).
 */
export async function startGeneration(supervisor: Supervisor, o: StartGenerationOptions): Promise<RunEntry> {
  const at = o.now ?? new Date();
  // Checked before any folder exists: a bad prompt or size is the user's to fix, with nothing to clean up.
  generationArgv(o.python, o.script, o.settings, 'OUT');
  const outputDir = newSamplesFolder(o.workspaceRoot, o.name, at);
  const request: GenerationRequest = {
    version: 1,
    ...(o.runId ? { runId: o.runId } : {}),
    ...(o.runName ? { runName: o.runName } : {}),
    settings: o.settings,
    createdAt: at.toISOString(),
  };
  try {
    writeJsonAtomic(join(outputDir, GENERATION_REQUEST_FILE), request);
    const argv = generationArgv(o.python, o.script, o.settings, outputDir);
    return await supervisor.start({ argv, env: o.env ?? {}, cwd: o.cwd ?? resolve(o.workspaceRoot), script: o.scriptKind }, { name: o.name, outputDir });
  } catch (e) {
    // Nothing ran (preflight, records folder): the empty folder would only be clutter.
    rmSync(outputDir, { recursive: true, force: true });
    throw e;
  }
}

export function listGenerations(supervisor: Supervisor, problems?: string[]): Promise<RunEntry[]> {
  return supervisor.list(problems);
}

export function stopGeneration(supervisor: Supervisor, jobId: string): Promise<RunRecord> {
  return supervisor.stop(jobId);
}

/**
 * Deletes a job that is not running: its images folder (only when it lies under `.sdxl/samples`, so a hand-edited
 * record cannot point this at anything else) and its record folder.
 */
export async function deleteGeneration(supervisor: Supervisor, workspaceRoot: string, jobId: string): Promise<void> {
  const entry = await supervisor.get(jobId);
  if (entry.record.state === 'starting' || entry.record.state === 'running') throw new Error(`job ${jobId} is ${entry.record.state}: stop it first`);
  const out = ownedSamplesFolder(workspaceRoot, readRecord(entry.dir).outputDir);
  if (out) rmSync(out, { recursive: true, force: true });
  rmSync(entry.dir, { recursive: true, force: true });
}
