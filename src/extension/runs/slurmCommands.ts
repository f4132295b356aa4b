// Commands on Slurm runs (launch profile "slurm"): Copy Slurm Job ID, for squeue / sacct / scontrol in a terminal.
// Stop needs no command of its own: sdxl.stopRun asks the Supervisor, which cancels a Slurm run's job (scancel).
import * as vscode from 'vscode';
import type { RunsController } from './runsController';
import type { CommandHandler } from '../commandTable';
import { resolveRunId } from './runCommands';
import { slurmJobOfRun } from '../../core/view/slurmView';
import { errText } from '../../core/util/errText';

export function slurmCommands(runs: RunsController): Record<string, CommandHandler> {
  return {
    'sdxl.copySlurmJobId': async (arg?: unknown) => {
      // From the palette: only Slurm runs are offered.
      const id = await resolveRunId(runs, arg, (_ended, r) => slurmJobOfRun(r.entry.record, r.state) !== undefined);
      const run = id ? runs.get(id) : undefined;
      if (!id || !run) return false;
      const job = slurmJobOfRun(run.entry.record, run.state);
      if (!job) {
        void vscode.window.showWarningMessage(`SDXL: run ${id} is not a Slurm job (its config's launch.profile is not "slurm").`);
        return false;
      }
      // A federation's id is `jobid;cluster` as sbatch --parsable prints it; squeue and scancel take the bare id with -M.
      try {
        await vscode.env.clipboard.writeText(job.jobId);
      } catch (e) {
        void vscode.window.showErrorMessage(`SDXL: could not copy the Slurm job id ${job.jobId}: ${errText(e)}`);
        return false;
      }
      void vscode.window.setStatusBarMessage(`Copied Slurm job id ${job.jobId}${job.cluster ? ` (cluster ${job.cluster})` : ''}`, 3000);
      return true;
    },
  };
}
