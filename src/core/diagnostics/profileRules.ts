// Diagnostics of the launch profiles (launch.profile): launch.slurm's settings, what multi-gpu and multi-node need
// from launch.accelerateArgs (the same checks buildLaunchPlan makes: core/launch/profileSettings.ts), the GPUs
// nvidia-smi found (ValidateContext.gpus), accelerate options a Slurm job sets itself, and the total batch per
// optimizer step when several processes train.
import { pathToPointer, SLURM_KEYS, type LaunchProfile, type SdxlConfig } from '../config/config';
import { checkSlurmSettings, distributedLaunch, gpuIdList, type SettingProblem } from '../launch/profileSettings';
import { SCRIPTS } from '../scripts/scriptTables';
import type { DiagnosticSink, Fix, ValidateContext } from './types';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** accelerate options the job script writes from launch.slurm (sbatchScript.ts distributedWords), and from where. */
const SET_BY_SLURM: Record<string, string> = {
  num_processes: 'nodes × gpusPerNode',
  num_machines: 'nodes',
  machine_rank: "each node's SLURM_NODEID",
  main_process_ip: 'the first node of the job',
  main_process_port: 'mainProcessPort',
  multi_gpu: 'more than one process',
};

const removeFix = (path: string[], title: string): Fix => ({ title, edits: [{ op: 'remove', path: pathToPointer(path) }] });

function checkSlurm(slurm: Record<string, unknown>, profile: LaunchProfile, sink: DiagnosticSink): void {
  // Only a slurm plan reads launch.slurm (slurmJobOf): elsewhere its problems cannot stop a run.
  const severity = profile === 'slurm' ? 'error' : 'warning';
  for (const p of checkSlurmSettings(slurm).problems) {
    const ptr = pathToPointer(p.path);
    if (p.kind === 'unknown-key' && p.key !== undefined) {
      const near = sink.suggest.closest(p.key, SLURM_KEYS);
      const fix: Fix =
        near && !(near in slurm)
          ? { title: `Rename "${p.key}" to "${near}"`, edits: [{ op: 'rename', path: ptr, newKey: near }] }
          : removeFix(p.path, `Remove "${p.key}"`);
      sink.add(
        severity,
        'unknown-key',
        ptr,
        `Unknown key "launch.slurm.${p.key}" ${near ? `(did you mean "${near}"?)` : `(expected ${SLURM_KEYS.join(', ')})`}${profile === 'slurm' ? ': the job is not submitted with it' : ''}.`,
        fix,
        true,
      );
      continue;
    }
    sink.add(severity, p.kind === 'line-break' ? 'slurm-line-break' : p.kind === 'range' ? 'range' : 'type', ptr, `${p.message}.`);
  }
}

/** `--export=…` / `--export …` in one sbatchArgs line (not `--export-file`): its value. */
const EXPORT_ARG = /^\s*--export(?:=|\s+)(\S*)/;

/**
 * sbatchArgs that keep sbatch's environment from the job: the secrets (HF_TOKEN, WANDB_API_KEY, …) reach the job
 * only that way, since the job script leaves them out (slurmRuns.sbatchEnv), so a gated model or --push_to_hub
 * would fail on the cluster with an authentication error far from its cause.
 */
function checkSlurmExport(slurm: Record<string, unknown>, sink: DiagnosticSink): void {
  if (!Array.isArray(slurm.sbatchArgs)) return;
  slurm.sbatchArgs.forEach((line: unknown, i) => {
    if (typeof line !== 'string') return;
    const value = EXPORT_ARG.exec(line)?.[1];
    if (value === undefined || value.split(',').some((v) => v.toUpperCase() === 'ALL')) return;
    const none = value === '' || value.toUpperCase() === 'NONE';
    const fixed = `--export=ALL${none ? '' : `,${value}`}`;
    const ptr = pathToPointer(['launch', 'slurm', 'sbatchArgs', String(i)]);
    sink.add(
      'warning',
      'slurm-export',
      ptr,
      `sbatch ${line.trim()}: the job gets ${none ? 'none' : 'only the named variables'} of sbatch's environment, and secrets such as HF_TOKEN reach the job only that way (the job script leaves them out), so a gated model or --push_to_hub fails on the cluster. Add ALL (${fixed}) or leave --export out (sbatch exports everything by default).`,
      { title: "Export sbatch's environment (--export=ALL)", edits: [{ op: 'set', path: ptr, value: fixed }] },
    );
  });
}

/** Where a problem of a missing setting is shown: the key itself when written, else the profile that needs it. */
function problemPointer(p: SettingProblem, acc: Record<string, unknown>): string {
  const key = p.path[p.path.length - 1]!;
  return p.kind === 'missing' && !(key in acc) ? '/launch/profile' : pathToPointer(p.path);
}

function checkMultiGpu(acc: Record<string, unknown>, ctx: ValidateContext, sink: DiagnosticSink): void {
  const np = acc.num_processes;
  const npPtr = '/launch/accelerateArgs/num_processes';
  if (np === 1) {
    sink.add(
      'warning',
      'multi-gpu-one-process',
      npPtr,
      'Profile "multi-gpu" with num_processes 1 is not multi-GPU: one process trains on one GPU. Set num_processes to the number of GPUs, or use profile "local".',
    );
  }
  const gpus = ctx.gpus;
  if (!gpus) return; // nvidia-smi not asked (untrusted workspace, CLI without --gpus)
  if (gpus.length === 0) {
    sink.add(
      'warning',
      'multi-gpu-no-gpus',
      '/launch/profile',
      'Profile "multi-gpu": nvidia-smi found no GPU on this machine, so there is nothing to train on.',
    );
    return;
  }
  const known = new Set(gpus.map((g) => g.index));
  const ids = gpuIdList(acc.gpu_ids);
  const missing = (ids ?? []).filter((i) => !known.has(i));
  if (missing.length > 0) {
    sink.add(
      'error',
      'gpu-id-missing',
      '/launch/accelerateArgs/gpu_ids',
      `gpu_ids names GPU ${missing.join(', ')}, which this machine does not have (nvidia-smi lists ${gpus.map((g) => g.index).join(', ')}): CUDA fails with "invalid device ordinal".`,
    );
  }
  if (typeof np === 'number' && Number.isInteger(np) && np > gpus.length) {
    sink.add(
      'warning',
      'multi-gpu-too-many-processes',
      npPtr,
      `num_processes ${np} is more than the ${gpus.length} GPU(s) nvidia-smi found: processes would share a GPU (or fail to start).`,
      { title: `Set num_processes to ${gpus.length}`, edits: [{ op: 'set', path: npPtr, value: gpus.length }] },
    );
  }
}

function checkSlurmAccelerateArgs(acc: Record<string, unknown>, sink: DiagnosticSink): void {
  for (const [key, from] of Object.entries(SET_BY_SLURM)) {
    if (acc[key] === undefined || acc[key] === null) continue;
    const path = ['launch', 'accelerateArgs', key];
    sink.add(
      'warning',
      'slurm-sets-accelerate-arg',
      pathToPointer(path),
      `Profile "slurm": the job script sets ${key} itself (from launch.slurm: ${from}), so this value would clash with it; set the job's size in launch.slurm instead.`,
      removeFix(path, `Remove "${key}" (the job script sets it)`),
    );
  }
}

/** Processes over the whole job for the profile, when known. */
function totalProcesses(profile: LaunchProfile, launch: Record<string, unknown>, acc: Record<string, unknown>): number | undefined {
  if (profile === 'slurm') {
    const { job } = checkSlurmSettings(launch.slurm);
    return job.nodes * Math.max(1, job.gpusPerNode);
  }
  return distributedLaunch(profile, acc).totalProcesses;
}

function batchInfo(config: SdxlConfig, total: number, sink: DiagnosticSink): void {
  const spec = SCRIPTS[config.script].byDest;
  const value = (dest: string): number => {
    const v: unknown = config.args[dest];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1) return v;
    const d: unknown = spec.get(dest)?.default;
    return typeof d === 'number' && d >= 1 ? d : 1;
  };
  const b = value('train_batch_size');
  const g = value('gradient_accumulation_steps');
  const path = 'train_batch_size' in config.args ? '/args/train_batch_size' : '/launch';
  sink.add(
    'info',
    'batch-per-process',
    path,
    `train_batch_size is per process: the total batch per optimizer step is ${b} × ${total} processes × ${g} accumulation = ${b * total * g}.`,
  );
}

export function checkLaunchProfile(config: SdxlConfig, sink: DiagnosticSink, ctx: ValidateContext): void {
  // A profile given from outside (the CLI's --profile) is checked even for a file that has no "launch".
  const launch: unknown = config.launch ?? (ctx.profile ? {} : undefined);
  if (!isObject(launch)) return;
  const rawProfile: unknown = ctx.profile ?? launch.profile ?? 'local';
  if (typeof rawProfile !== 'string' || !['local', 'multi-gpu', 'multi-node', 'slurm'].includes(rawProfile)) return; // argChecks says so
  const profile = rawProfile as LaunchProfile;
  const acc: Record<string, unknown> = isObject(launch.accelerateArgs) ? launch.accelerateArgs : {};
  if (isObject(launch.slurm)) {
    checkSlurm(launch.slurm, profile, sink);
    if (profile === 'slurm') checkSlurmExport(launch.slurm, sink);
    if (profile !== 'slurm') {
      sink.add(
        'info',
        'slurm-ignored',
        '/launch/slurm',
        `launch.slurm is used only by profile "slurm"; with profile "${profile}" it is ignored.`,
        { title: 'Use profile "slurm"', edits: [{ op: 'set', path: '/launch/profile', value: 'slurm' }] },
        true,
      );
    }
  }
  if (profile === 'multi-gpu' || profile === 'multi-node') {
    // The type of each option is argChecks' to report; the rest are what buildLaunchPlan would refuse.
    for (const p of distributedLaunch(profile, acc).problems)
      if (p.kind !== 'type') sink.add('error', 'profile-setting', problemPointer(p, acc), `${p.message}.`);
  }
  if (profile === 'multi-gpu') checkMultiGpu(acc, ctx, sink);
  if (profile === 'slurm') checkSlurmAccelerateArgs(acc, sink);
  const total = totalProcesses(profile, launch, acc);
  if (total !== undefined && total > 1) batchInfo(config, total, sink);
}
