// A run of the `slurm` launch profile is an sbatch job, not a local process: its record names the job, Slurm's answers
// (squeue / scontrol) settle its state, scancel stops it, and Slurm itself writes its console into the record folder
// (`#SBATCH --output`, read through the shared filesystem). docs/scale-out.md says how the pieces fit.
import type { RunStatus } from './types';

/** `run.json`'s `slurm` field: the job this run is. Written at submit, then kept in line with Slurm by reconcile. */
export interface SlurmJobRecord {
  /** Slurm's job id (`sbatch --parsable` prints it, with `;cluster` on a federation, which is kept apart). */
  jobId: string;
  cluster?: string;
  /** The job script in the record folder (`job.sbatch`), as submitted. */
  script: string;
  submittedAt: string;
  /** Slurm's last known state word (PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, TIMEOUT, …). */
  state: string;
  /** Why a pending job waits (Resources, Priority, QOSMaxJobsPerUserLimit, …), or a failed one's reason; "None" left out. */
  reason?: string;
  /** The nodes it runs on (squeue's %N / scontrol's NodeList), once it has them. */
  nodes?: string;
  /** When Slurm last answered about the job (ISO): the views show how fresh the state is. */
  checkedAt?: string;
}

/** What Slurm says about one job. */
export interface SlurmJobInfo {
  jobId: string;
  state: string;
  reason?: string;
  nodes?: string;
  /** The batch script's exit code and the signal that ended it (scontrol's `ExitCode=1:0`), once the job ended. */
  exitCode?: number;
  signal?: number;
  startTime?: string;
  endTime?: string;
}

/** The Slurm commands, always spawned with argument arrays. Implementations: supervisor/slurmClient.ts; tests may fake it. */
export interface SlurmClient {
  /** `sbatch --parsable SCRIPT` in `cwd` with `env` (the secrets travel here, never in the script). Throws SlurmError. */
  submit(script: string, opts: { cwd: string; env: Record<string, string> }): Promise<{ jobId: string; cluster?: string }>;
  /** The job's state, or undefined when Slurm no longer knows it (past MinJobAge without accounting). Throws SlurmError when Slurm cannot be asked. */
  query(jobId: string): Promise<SlurmJobInfo | undefined>;
  /** `scancel [--signal SIG] JOBID`. Throws SlurmError. */
  cancel(jobId: string, opts?: { signal?: string }): Promise<void>;
}

/** A Slurm command failed: which one, and what it printed on stderr. */
export class SlurmError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
    message?: string,
  ) {
    super(message ?? `${command} failed${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
  }
}

const PENDING_STATES = ['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD'];
const RUNNING_STATES = ['RUNNING', 'COMPLETING', 'SIGNALING', 'STAGE_OUT', 'RESIZING', 'SUSPENDED', 'STOPPED'];

/**
 * The run state of a Slurm job state word (squeue's long form; "CANCELLED by 0" counts by its first word). Unknown
 * words count as running: the job is not known to have ended.
 */
export function runStatusOfSlurm(state: string): RunStatus {
  const word = state.trim().split(/\s+/)[0]!.toUpperCase().replace(/\+$/, '');
  if (PENDING_STATES.includes(word)) return 'starting';
  if (RUNNING_STATES.includes(word)) return 'running';
  if (word === 'COMPLETED') return 'succeeded';
  if (word === 'CANCELLED') return 'stopped';
  if (['FAILED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'OUT_OF_MEMORY', 'SPECIAL_EXIT', 'REVOKED'].includes(word)) return 'failed';
  return 'running';
}
