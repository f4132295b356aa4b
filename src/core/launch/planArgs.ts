// Reading facts out of a launch plan's argv: where the script path is, its typed args, the script's output_dir, the
// GPUs it needs. The one argv reader of a recorded run (the monitor, summarize and the supervisor call it).
import { isAbsolute, resolve } from 'node:path';
import { profileOfRecorded } from '../scripts/profiles';
import { ENV_ARGS, type LaunchPlan } from './launchPlan';
import { gpuIdList } from './profileSettings';
import { SCRIPTS, scriptKindFromPath, type ArgValue, type ScriptKind } from '../scripts/scriptTables';
import { maskSecret } from '../util/redact';

/** GPUs a run needs: explicit indices (CUDA_VISIBLE_DEVICES / --gpu_ids) or just a count. */
export interface GpuNeed {
  indices?: number[];
  count: number;
}

/** Index of the training script (the first `*.py` after argv[0]); -1 when there is none. */
export function scriptIndex(argv: readonly string[]): number {
  for (let i = 1; i < argv.length; i++) if (/\.py$/i.test(argv[i]!)) return i;
  return -1;
}

/** Value of `--name value` or `--name=value` within argv[from, to); the last one wins, as with argparse. */
export function flagValue(argv: readonly string[], name: string, from = 0, to = argv.length): string | undefined {
  let value: string | undefined;
  for (let i = from; i < to; i++) {
    const a = argv[i]!;
    if (a === name) value = i + 1 < to ? argv[++i] : undefined;
    else if (a.startsWith(name + '=')) value = a.slice(name.length + 1);
  }
  return value;
}

/** Absolute output_dir the run will write, from `--output_dir` after the script or the script's default. */
export function outputDirOf(plan: LaunchPlan): string {
  const si = scriptIndex(plan.argv);
  const value = si >= 0 ? flagValue(plan.argv, '--output_dir', si + 1) : undefined;
  const dir = value ?? profileOfRecorded(plan.script)?.defaultOutputDir ?? 'output';
  return isAbsolute(dir) ? resolve(dir) : resolve(plan.cwd, dir);
}

/**
 * GPUs a plan needs. Explicit indices come from `CUDA_VISIBLE_DEVICES` in the plan env or accelerate's `--gpu_ids`
 * (before the script); otherwise the count is accelerate's `--num_processes` (1 when absent), of which a `multi-node`
 * plan runs its share (`--num_processes / --num_machines`) here.
 * `CUDA_VISIBLE_DEVICES=""` means CPU only: count 0. UUID-style device lists give a count only.
 */
export function gpuNeedOf(plan: LaunchPlan): GpuNeed {
  // A Slurm job's GPUs are the cluster's: it holds none of this machine's.
  if (plan.slurm) return { count: 0, indices: [] };
  const si = scriptIndex(plan.argv);
  const launcherEnd = si >= 0 ? si : plan.argv.length;
  const np = Number(flagValue(plan.argv, '--num_processes', 1, launcherEnd));
  let count = Number.isInteger(np) && np > 0 ? np : 1;
  if (plan.profile === 'multi-node') {
    // accelerate's --num_processes counts every machine's processes; this machine runs its share.
    const machines = Number(flagValue(plan.argv, '--num_machines', 1, launcherEnd));
    if (Number.isInteger(machines) && machines > 1) count = Math.max(1, Math.ceil(count / machines));
  }
  const cvd = plan.env['CUDA_VISIBLE_DEVICES'];
  if (cvd !== undefined) {
    if (cvd.trim() === '') return { count: 0, indices: [] };
    const idx = gpuIdList(cvd);
    if (idx) {
      // With CUDA_VISIBLE_DEVICES the launcher's --gpu_ids refer to the visible list; the physical set is cvd.
      return { indices: idx, count: idx.length };
    }
    return { count: cvd.split(',').filter((s) => s.trim()).length };
  }
  const ids = flagValue(plan.argv, '--gpu_ids', 1, launcherEnd);
  if (ids && ids !== 'all') {
    const idx = gpuIdList(ids);
    if (idx) return { indices: idx, count: idx.length };
  }
  return { count };
}

/** Script args from a launch argv (`… script.py --name value --flag …`), typed by the script's table. */
export function argsFromArgv(argv: readonly string[], script: ScriptKind): Record<string, ArgValue> {
  const info = SCRIPTS[script];
  const byName = new Map(info.args.map((a) => [a.name, a]));
  const start = argv.findIndex((a) => scriptKindFromPath(a) === script);
  const args: Record<string, ArgValue> = {};
  for (let i = start + 1; i > 0 && i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith('--')) continue;
    const eq = word.indexOf('=');
    const spec = byName.get(eq >= 0 ? word.slice(0, eq) : word);
    if (!spec) continue;
    if (spec.type === 'bool-flag') {
      args[spec.dest] = true;
      continue;
    }
    const raw = eq >= 0 ? word.slice(eq + 1) : argv[++i];
    if (raw === undefined) break;
    // A record written before the token went by environment (ENV_ARGS) has it in argv: never into a state.
    if (Object.prototype.hasOwnProperty.call(ENV_ARGS, spec.dest)) {
      args[spec.dest] = maskSecret(raw);
      continue;
    }
    args[spec.dest] = spec.type === 'int' || spec.type === 'float' ? (Number.isFinite(Number(raw)) ? Number(raw) : raw) : raw;
  }
  return args;
}
