// The job script of the `slurm` profile: `#SBATCH` options from launch.slurm, the plan's environment, the user's setup
// lines, and `srun` starting `accelerate launch` once per node with its rank from Slurm's environment. Pure: the
// launch command view shows exactly what is submitted. The script is shell by nature; every word of the plan is quoted
// (quoteBash), options are one line each (slurmJobOf), and nothing secret is written into it: secrets reach the job
// through sbatch's environment (Slurm's default `--export=ALL`), never the file.
import { quoteBash } from './shellQuote';
import { scriptIndex } from './planArgs';
import { ACCELERATE_DEFAULT_PORT } from './profileSettings';
import type { LaunchPlan, SlurmJob } from './launchPlan';

/** The file name of the job script inside the run's record folder. */
export const SBATCH_FILE = 'job.sbatch';

export interface SbatchOptions {
  /** Where Slurm writes the job's stdout and stderr (the record's console.log, on the shared filesystem). */
  outputFile: string;
  /** `#SBATCH --job-name`. */
  jobName: string;
  /** Environment written as `export` lines: the plan's without secrets (the caller leaves those out). Default: none. */
  exportEnv?: Record<string, string>;
}

/**
 * A path as an `#SBATCH` value. sbatch splits a directive's value at spaces unless it is in double quotes (checked on
 * Slurm 22.05.8: `--output=/a b/x` is refused as an invalid directive, `--output="/a b/x"` works); it has no escape
 * for a double quote or a newline, so such a path is refused. `--output` is a filename pattern: a `%` is doubled.
 */
export function sbatchPath(option: string, path: string, pattern = false): string {
  if (/["\n\r]/.test(path))
    throw new Error(`sbatchScript: ${option} ${JSON.stringify(path)} holds a double quote or a line break, which an #SBATCH line cannot carry`);
  const value = pattern ? path.replace(/%/g, '%%') : path;
  return /\s/.test(value) ? `"${value}"` : value;
}

/** `#SBATCH` lines take no quoting we can rely on: a job name is kept to safe characters. */
function safeJobName(name: string): string {
  return name.replace(/[^\w.+-]+/g, '-').slice(0, 64) || 'sdxl';
}

/**
 * accelerate's flags for one node of the job: multi-GPU when the job has more than one process, machine count, rank
 * and rendezvous when it has more than one node. Shell words: `$SLURM_*` references stay unquoted-expandable.
 */
export function distributedWords(job: SlurmJob): string[] {
  const words: string[] = [];
  const total = job.nodes * Math.max(1, job.gpusPerNode);
  if (total > 1 && job.gpusPerNode > 0) words.push('--multi_gpu');
  words.push('--num_processes', String(total));
  if (job.nodes > 1) {
    words.push('--num_machines', String(job.nodes), '--machine_rank', '"$SLURM_NODEID"');
    words.push('--main_process_ip', '"$SDXL_MAIN_PROCESS_IP"', '--main_process_port', String(job.mainProcessPort ?? ACCELERATE_DEFAULT_PORT));
  }
  return words;
}

/** The job script for `plan` (its `slurm` job must be set). */
export function sbatchScript(plan: LaunchPlan, opts: SbatchOptions): string {
  const job = plan.slurm;
  if (!job) throw new Error('sbatchScript: the plan has no Slurm job (launch profile "slurm")');
  const out: string[] = [
    '#!/bin/bash',
    '# Written by SDXL Trainer for VS Code (profile "slurm"); submitted with `sbatch --parsable` from the run\'s record folder.',
  ];
  const opt = (name: string, value: string | number | undefined) => {
    if (value !== undefined) out.push(`#SBATCH --${name}=${value}`);
  };
  opt('job-name', safeJobName(opts.jobName));
  opt('output', sbatchPath('--output', opts.outputFile, true));
  opt('open-mode', 'append');
  opt('chdir', sbatchPath('--chdir', plan.cwd));
  opt('nodes', job.nodes);
  opt('ntasks-per-node', 1);
  if (job.gpusPerNode > 0) opt('gpus-per-node', job.gpusPerNode);
  opt('cpus-per-task', job.cpusPerTask);
  opt('mem', job.memory);
  opt('time', job.time);
  opt('partition', job.partition);
  opt('account', job.account);
  opt('qos', job.qos);
  for (const a of job.sbatchArgs ?? []) out.push(`#SBATCH ${a}`);
  out.push('', 'set -eo pipefail');
  for (const [k, v] of Object.entries(opts.exportEnv ?? {})) if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) out.push(`export ${k}=${quoteBash(v)}`);
  if (job.setup?.length) out.push('', '# launch.slurm.setup', ...job.setup);
  out.push('', 'echo "SDXL_SLURM job=$SLURM_JOB_ID nodes=$SLURM_JOB_NODELIST"');
  // argv = [accelerate, 'launch', …launcher options, script.py, …script args]: the distributed flags go after `launch`.
  const si = scriptIndex(plan.argv);
  if (si < 2) throw new Error('sbatchScript: the plan has no `accelerate launch … script.py`');
  const quoted = plan.argv.map(quoteBash);
  const node = [quoted[0]!, quoted[1]!, ...distributedWords(job), ...quoted.slice(2)].join(' ');
  if (job.nodes > 1) {
    out.push('export SDXL_MAIN_PROCESS_IP="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"');
    // Each node's shell expands its own $SLURM_NODEID; the whole command is one quoted word for bash -c.
    out.push(`srun --ntasks-per-node=1 --kill-on-bad-exit=1 bash -c ${quoteBash(`exec ${node}`)}`);
  } else {
    out.push(`srun --ntasks=1 --kill-on-bad-exit=1 ${node}`);
  }
  return out.join('\n') + '\n';
}
