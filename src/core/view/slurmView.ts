// How the views word a Slurm run (launch profile "slurm"): the Runs view's row and tooltip, the dashboard's header.
// Slurm's own words are kept ("pending (Resources)", "running on node01"), so what the user reads matches squeue;
// once the run has ended its row says the usual outcome ("finished at step 10 …"). Pure.
import { isEnded, type RunState } from '../run/state';
import type { SlurmJobView } from '../run/events';
import type { SlurmJobRecord } from '../supervisor/slurmTypes';
import { runStatusOfSlurm } from '../supervisor/slurmTypes';
import { describeRun, formatDuration, type SpeedUnit } from './format';
import { profileOf, slurmJobOf, type SlurmJob } from '../launch/launchPlan';
import type { SdxlConfig } from '../config/config';

/** The job the views show: the monitor's (from run.json as it changes), else the record's as the list read it. */
export function slurmJobOfRun(record: { slurm?: SlurmJobRecord; plan?: { slurm?: { partition?: string } } }, state: RunState): SlurmJobView | undefined {
  if (state.slurm) return state.slurm;
  const r = record.slurm;
  if (!r?.jobId || !r.state) return undefined;
  const checked = r.checkedAt ? Date.parse(r.checkedAt) : NaN;
  const partition = record.plan?.slurm?.partition;
  return {
    jobId: r.jobId,
    ...(r.cluster ? { cluster: r.cluster } : {}),
    state: r.state,
    ...(r.reason && r.reason !== 'None' ? { reason: r.reason } : {}),
    ...(r.nodes ? { nodes: r.nodes } : {}),
    ...(partition ? { partition } : {}),
    ...(Number.isFinite(checked) ? { checkedAt: checked } : {}),
  };
}

/** Slurm's state word, lower case: `CANCELLED by 1000` → `cancelled`, `COMPLETING` → `completing`. */
function stateWord(state: string): string {
  return (state.trim().split(/\s+/)[0] ?? '').replace(/\+$/, '').toLowerCase() || 'unknown';
}

/** True while Slurm holds the job back (PENDING, CONFIGURING, REQUEUED, …): no node runs it yet. */
export function isSlurmPending(job: SlurmJobView): boolean {
  return runStatusOfSlurm(job.state) === 'starting';
}

/** The job's state the Slurm way: `pending (Resources)`, `running on node01`, `completing on node01`, `timeout`. */
export function slurmStateText(job: SlurmJobView): string {
  const status = runStatusOfSlurm(job.state);
  const word = stateWord(job.state);
  if (status === 'starting') return `${word}${job.reason ? ` (${job.reason})` : ''}`;
  if (status === 'running') return `${word}${job.nodes ? ` on ${job.nodes}` : ''}`;
  // Ended: Slurm's word, and the reason it gave when it names one (NonZeroExitCode, TimeLimit, …).
  return `${word}${job.reason ? ` (${job.reason})` : ''}`;
}

/**
 * The row's description of a Slurm run: `Slurm 42 · pending (Resources)`, `Slurm 42 · running on node01 · step 3/10 …`,
 * and once the run ended its usual outcome (`Slurm 42 · finished at step 10 in 1m 2s`).
 */
export function slurmRowDescription(job: SlurmJobView, s: RunState, unit: SpeedUnit = 'auto'): string {
  const head = `Slurm ${job.jobId}`;
  if (isEnded(s)) return `${head} · ${describeRun(s, unit)}`;
  if (isSlurmPending(job)) return `${head} · ${slurmStateText(job)}`;
  // Running: where, and the training's progress once the console shows any.
  const progress = s.state === 'queued' ? '' : ` · ${describeRun(s, unit)}`;
  return `${head} · ${slurmStateText(job)}${progress}`;
}

/** The tooltip's Slurm lines: the job and where it runs; Slurm's state and reason, and how long ago Slurm answered. */
export function slurmTooltipLines(job: SlurmJobView, now: number = Date.now()): string[] {
  const where = [
    `Slurm job ${job.jobId}${job.cluster ? ` on cluster ${job.cluster}` : ''}`,
    job.partition ? `partition ${job.partition}` : '',
    job.nodes ? `nodes ${job.nodes}` : '',
  ];
  const state = `Slurm state: ${job.state}${job.reason ? ` (${job.reason})` : ''}`;
  const checked =
    job.checkedAt !== undefined
      ? `Slurm last answered ${new Date(job.checkedAt).toLocaleString()} (${formatDuration(Math.max(0, (now - job.checkedAt) / 1000))} ago)`
      : 'Slurm has not answered about this job yet';
  return [where.filter(Boolean).join(' · '), `${state} · ${checked}`];
}

/**
 * The title of Start for a config of the `slurm` profile: `Submit to Slurm (partition gpu, 2 nodes × 4 GPUs)`;
 * undefined for any other profile, or a profile the config does not spell right (its diagnostics say why).
 */
export function slurmSubmitTitle(config: SdxlConfig): string | undefined {
  let profile: string;
  try {
    profile = profileOf(config);
  } catch {
    return undefined;
  }
  if (profile !== 'slurm') return undefined;
  let job: SlurmJob | undefined;
  try {
    job = slurmJobOf(config.launch?.slurm);
  } catch {
    job = undefined; // a bad setting is a diagnostic; the title just leaves the details out
  }
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  const where = job ? [job.partition ? `partition ${job.partition}` : '', `${plural(job.nodes, 'node')} × ${plural(job.gpusPerNode, 'GPU')}`] : [];
  const detail = where.filter(Boolean).join(', ');
  return `Submit to Slurm${detail ? ` (${detail})` : ''}`;
}
