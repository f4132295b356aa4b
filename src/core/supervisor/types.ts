// Shapes shared by the supervisor, the detached wrapper and the readers of run records.
import type { ScriptKind } from '../scripts/scriptTables';

/** What to run: the plan built by launch/launchPlan.ts (one type, declared there). */
import type { LaunchPlan } from '../launch/launchPlan';
import type { GpuNeed } from '../launch/planArgs';
import type { SlurmJobRecord } from './slurmTypes';
export type { GpuNeed, LaunchPlan, SlurmJobRecord };

export type RunStatus = 'queued' | 'starting' | 'running' | 'succeeded' | 'failed' | 'stopped';
export const FINAL_STATES: readonly RunStatus[] = ['succeeded', 'failed', 'stopped'];

/** The content of `<records>/<id>/run.json`. */
export interface RunRecord {
  id: string;
  name: string;
  configPath?: string;
  script: ScriptKind;
  plan: LaunchPlan;
  /** Absolute output_dir of the run (for the busy check and the checkpoint scanner), if known. */
  outputDir?: string;
  createdAt: string;
  state: RunStatus;
  /** The training process (the plan's argv[0]); it leads its own process group. */
  pid?: number;
  pgid?: number;
  /** Opaque start time of `pid` (Linux: /proc/<pid>/stat field 22), so a reused pid is not taken for the run. */
  procStartTime?: string;
  wrapperPid?: number;
  wrapperStartTime?: string;
  startedAt?: string;
  endedAt?: string;
  exitCode?: number | null;
  signal?: string | null;
  /** `<run id>/checkpoint-N`: the checkpoint this run resumed from and the run that saved it. */
  resumedFrom?: string;
  /**
   * The run this one continues (its lineage): the two share output_dir, and a resume of this run may use that run's
   * checkpoints. Absent for a fresh start; then the run owns only the files it writes.
   */
  continues?: string;
  /** GPUs this run holds while alive (queue model). */
  gpus?: GpuNeed;
  /** Human-readable remark: why a run failed outside the training (wrapper killed, spawn error, ...). */
  note?: string;
  /**
   * HMAC of id + argv + env + cwd under this machine's key (machineKey.ts): the queue starts only runs this machine
   * created. A record from elsewhere (a cloned repository) has none, or one that does not verify.
   */
  launchMac?: string;
  /** The sbatch job this run is (plan.slurm set): no local process; Slurm's answers settle the state (slurmTypes.ts). */
  slurm?: SlurmJobRecord;
}

/** The content of `<records>/<id>/exit.json`, written by the wrapper when the training process ends. */
export interface ExitInfo {
  exitCode: number | null;
  signal: string | null;
  endedAt: string;
  stopRequested: boolean;
  /** Processes of the run's group still alive after the leader exited, which the wrapper then killed. */
  leftoverKilled?: number;
  error?: string;
}
