// What the Launch Command view shows for a config of the `slurm` profile: the job script Start writes into the run's
// record folder (sbatchScript, the folder named `<records>/<run id>` as the id is made at Start) and the command that
// submits it. Secrets never appear: the real script leaves them out (they reach the job through sbatch's environment),
// and here every secret argument or value is masked as copyableCommand masks it.
import { sbatchScript, SBATCH_FILE } from './sbatchScript';
import type { LaunchPlan } from './launchPlan';
import { quoteBash } from './shellQuote';
import { isSecretEnvName, redactArgv } from '../util/redact';
import { secretMasker } from './launchCopy';

/** Stands for the run id Start makes (`YYYYMMDD-HHMMSS-<name>`). */
export const RUN_ID_PLACEHOLDER = '<run id>';

export interface SlurmLaunchText {
  /** The job script as Start writes it to `<records>/<run id>/job.sbatch`. */
  script: string;
  /** The command that submits it, run in the record folder. */
  submit: string;
  /** The masked forms standing in for secrets; environment variables left out of the script because they are secret. */
  masked: string[];
  leftOut: string[];
}

/** The sbatch script and submit command of `plan` (whose `slurm` job must be set); `recordsDir`: `.sdxl/runs`. */
export function slurmLaunchText(plan: LaunchPlan, opts: { recordsDir: string; jobName: string }): SlurmLaunchText {
  const { secrets, mask, masked } = secretMasker(plan);
  const leftOut: string[] = [];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(plan.env)) {
    // As the Supervisor writes it: a secret is not a line of the script, it travels in sbatch's environment.
    if (isSecretEnvName(k) || secrets.includes(v)) leftOut.push(k);
    else env[k] = mask(v);
  }
  // Masked word by word first, so each secret shown masked is named; then the secret flags' values.
  const argv = redactArgv(plan.argv.map(mask));
  const folder = `${opts.recordsDir.replace(/[\\/]+$/, '')}/${RUN_ID_PLACEHOLDER}`;
  const script = sbatchScript({ ...plan, argv, cwd: mask(plan.cwd) }, { outputFile: `${folder}/console.log`, jobName: opts.jobName, exportEnv: env });
  return { script, submit: `cd ${quoteBash(folder)} && sbatch --parsable ${SBATCH_FILE}`, masked: [...masked], leftOut };
}
