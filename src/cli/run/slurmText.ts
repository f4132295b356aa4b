// One line about a run's Slurm job for the CLI: `job 42 PENDING (Resources)`, `job 42 RUNNING on node[1-2]`.
import type { SlurmJobRecord } from '../../core/supervisor/slurmTypes';

export function slurmText(job: SlurmJobRecord): string {
  const where = job.nodes ? ` on ${job.nodes}` : '';
  const why = job.reason ? ` (${job.reason})` : '';
  return `job ${job.jobId}${job.cluster ? `;${job.cluster}` : ''} ${job.state}${why}${where}`;
}
