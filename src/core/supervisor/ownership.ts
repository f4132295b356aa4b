// Which run owns which files. Runs may share an output_dir only along a lineage (a run that continues another):
// starting a run in a folder that already holds another run's checkpoints, weights or event files is a decision the
// user makes (continue that run, use a new folder, or cancel), and a resume only ever uses a checkpoint of the run
// or of a run it continues.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { checkpointStep, newestCompleteCheckpoint, scanCheckpoints } from '../worker/checkpoints';
import type { RunState } from '../run/state';
import type { ScriptKind } from '../scripts/scriptTables';
import { isEventFileName } from '../events/eventDir';
import { flagValue, outputDirOf, scriptIndex } from '../launch/planArgs';
import type { RunEntry } from './runRecord';
import { FINAL_STATES, type LaunchPlan } from './types';

export type OutputDirClaim =
  | { kind: 'free' }
  | {
      kind: 'taken';
      /** The newest recorded run that wrote this folder; absent when no record claims the files. */
      byRunId?: string;
      byRunName?: string;
      /** That run has not ended (queued, starting or running): it cannot be continued, only avoided. */
      live?: boolean;
      /**
       * What the folder holds, in words ("3 checkpoints (checkpoint-10 … checkpoint-30)", …); empty for a live run's
       * folder (not read: that run will write it whatever it holds now).
       */
      what: string[];
    };

/** Final weights the scripts write into output_dir (LoRA scripts; the full fine-tune's pipeline folder). */
const WEIGHT_FILES = ['pytorch_lora_weights.safetensors', 'model_index.json'];
const LOGS_DEPTH = 4;

function hasEventFiles(dir: string, depth: number): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    if (e.isFile() && isEventFileName(e.name)) return true;
    if (e.isDirectory() && depth < LOGS_DEPTH && !e.name.startsWith('checkpoint') && hasEventFiles(join(dir, e.name), depth + 1)) return true;
  }
  return false;
}

/**
 * What a run that writes `outputDir` would share with the runs before it. Reads one folder listing plus a shallow
 * walk for event files: cheap enough to call before every start.
 */
export function claimOutputDir(outputDir: string, runs: readonly RunEntry[]): OutputDirClaim {
  const dir = resolve(outputDir);
  const mine = runs.filter((e) => e.record.outputDir !== undefined && resolve(e.record.outputDir) === dir);
  // A run still queued or running will write here even when nothing is there yet.
  const live = mine.find((e) => !FINAL_STATES.includes(e.record.state));
  if (live) return { kind: 'taken', byRunId: live.record.id, byRunName: live.record.name, live: true, what: [] };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { kind: 'free' };
  }
  const what: string[] = [];
  const steps = names
    .map(checkpointStep)
    .filter((n): n is number => n !== undefined)
    .sort((a, b) => a - b);
  if (steps.length === 1) what.push(`checkpoint-${steps[0]}`);
  else if (steps.length > 1) what.push(`${steps.length} checkpoints (checkpoint-${steps[0]} … checkpoint-${steps[steps.length - 1]})`);
  const weights = WEIGHT_FILES.filter((f) => names.includes(f));
  if (weights.length) what.push(`final weights (${weights.join(', ')})`);
  if (names.some((n) => !n.startsWith('checkpoint') && isDir(join(dir, n)) && hasEventFiles(join(dir, n), 1))) what.push('TensorBoard event files');
  if (what.length === 0) return { kind: 'free' };
  const owner = mine[mine.length - 1];
  return { kind: 'taken', ...(owner ? { byRunId: owner.record.id, byRunName: owner.record.name } : {}), what };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The `--output_dir` value as the plan passes it (or the script's default), unresolved. */
function outputDirText(plan: LaunchPlan): string {
  const si = scriptIndex(plan.argv);
  const value = si >= 0 ? flagValue(plan.argv, '--output_dir', si + 1) : undefined;
  return value ?? relative(plan.cwd, outputDirOf(plan));
}

/**
 * `<output_dir>-2`, `-3`, …: the first that neither exists nor is any recorded run's output_dir. Returned as the
 * plan would write it (relative when the plan's value is relative) and resolved.
 */
export function nextFreeOutputDir(plan: LaunchPlan, runs: readonly RunEntry[] = []): { text: string; dir: string } {
  const base = outputDirText(plan).replace(/[\\/]+$/, '') || '.';
  const used = new Set(runs.map((e) => (e.record.outputDir ? resolve(e.record.outputDir) : '')));
  for (let n = 2; ; n++) {
    const text = `${base}-${n}`;
    const dir = isAbsolute(text) ? resolve(text) : resolve(plan.cwd, text);
    if (!existsSync(dir) && !used.has(dir)) return { text, dir };
  }
}

/** A copy of `plan` that writes `outputDirText` (`--output_dir` replaced, or added right after the script). */
export function withOutputDir(plan: LaunchPlan, outputDirText: string): LaunchPlan {
  const si = scriptIndex(plan.argv);
  if (si < 0) throw new Error('the launch plan has no training script (*.py) to pass --output_dir to');
  const tail: string[] = [];
  let replaced = false;
  for (let i = si + 1; i < plan.argv.length; i++) {
    const a = plan.argv[i]!;
    if (a === '--output_dir' || a.startsWith('--output_dir=')) {
      if (a === '--output_dir') i++;
      if (!replaced) tail.push(`--output_dir=${outputDirText}`);
      replaced = true;
      continue;
    }
    tail.push(a);
  }
  const argv = [...plan.argv.slice(0, si + 1), ...(replaced ? [] : [`--output_dir=${outputDirText}`]), ...tail];
  return { ...plan, argv, env: { ...plan.env } };
}

/** The run and the runs it continues, newest first (`continues` links; a cycle or a missing record ends the chain). */
export function lineageOf(id: string, runs: readonly RunEntry[]): RunEntry[] {
  const byId = new Map(runs.map((e) => [e.record.id, e]));
  const out: RunEntry[] = [];
  const seen = new Set<string>();
  for (let cur = byId.get(id); cur && !seen.has(cur.record.id); cur = cur.record.continues ? byId.get(cur.record.continues) : undefined) {
    seen.add(cur.record.id);
    out.push(cur);
  }
  return out;
}

export interface ResumeChoice {
  /** `checkpoint-N`, as the script takes it (looked up inside output_dir). */
  name: string;
  step: number;
  /** The run of the lineage whose console said it saved this checkpoint. */
  ownerId: string;
  outputDir: string;
}

export interface ResumePickOptions {
  /** The run to resume (or whose lineage a new start continues). */
  runId: string;
  runs: readonly RunEntry[];
  /** Each run's state (its checkpoints are those its console said it saved, still on disk). */
  stateOf: (id: string) => RunState | undefined | Promise<RunState | undefined>;
  /** A checkpoint the user picked (`checkpoint-N`); default: the newest complete one of the lineage. */
  want?: string;
}

/**
 * The checkpoint a resume of `runId` may use: one its own console or a continued run's console said was saved, that
 * still exists in output_dir and holds every file of a complete save. Throws with a sentence saying why not.
 */
export async function pickResumeCheckpoint(o: ResumePickOptions): Promise<ResumeChoice> {
  const lineage = lineageOf(o.runId, o.runs);
  const run = lineage[0];
  if (!run) throw new Error(`run ${o.runId} has no record`);
  const outputDir = resolve(run.record.outputDir ?? outputDirOf(run.record.plan));
  // Step → the run of the lineage whose console announced it (the newest run first); `saved`: it said the save ended.
  const owned = new Map<number, string>();
  const saved = new Set<number>();
  let script: ScriptKind | null = run.record.script;
  for (const e of lineage) {
    if (e.record.outputDir && resolve(e.record.outputDir) !== outputDir) continue;
    const st = await o.stateOf(e.record.id);
    script ??= st?.script ?? null;
    for (const c of st?.checkpoints ?? []) {
      if (owned.has(c.step)) continue;
      owned.set(c.step, e.record.id);
      if (c.complete) saved.add(c.step);
    }
  }
  const scan = await scanCheckpoints(outputDir, { script, savedSteps: saved, sizes: false });
  const ready = scan.checkpoints.filter((c) => owned.has(c.step));
  if (o.want !== undefined) {
    const step = checkpointStep(o.want);
    if (step === undefined) throw new Error(`'${o.want}' is not a checkpoint name like checkpoint-500`);
    const onDisk = scan.checkpoints.find((c) => c.step === step);
    if (!onDisk) {
      const have = ready.filter((c) => c.complete).map((c) => `checkpoint-${c.step}`);
      const others = have.length ? `its complete ones are ${have.join(', ')}` : 'it has no complete one left';
      throw new Error(
        owned.has(step)
          ? `${o.want} no longer exists in ${outputDir} (removed by checkpoints_total_limit or by hand; ${others}); nothing was started`
          : `run ${o.runId} has no ${o.want} in ${outputDir} (${others}); nothing was started`,
      );
    }
    if (!owned.has(step))
      throw new Error(`${o.want} in ${outputDir} was not saved by run ${o.runId}${lineage.length > 1 ? ' or a run it continues' : ''}; nothing was started`);
    if (!onDisk.complete) throw new Error(`${o.want} in ${outputDir} is incomplete (a save that did not finish); nothing was started`);
    return { name: o.want, step, ownerId: owned.get(step)!, outputDir };
  }
  const best = newestCompleteCheckpoint(ready);
  if (!best) throw new Error(`run ${o.runId} has no complete checkpoint of its own left in ${outputDir} to resume from`);
  return { name: `checkpoint-${best.step}`, step: best.step, ownerId: owned.get(best.step)!, outputDir };
}
