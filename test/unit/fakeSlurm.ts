// A scripted Slurm for unit tests: sbatch gives job ids 100, 101, …; each job answers what the test set; scancel
// makes it CANCELLED. The real cluster (scripts/slurm-cluster.sh) runs the same paths in test/slurm.
import { SlurmError, type SlurmClient, type SlurmJobInfo } from '../../src/core/supervisor/slurmTypes';

export class FakeSlurm implements SlurmClient {
  jobs = new Map<string, SlurmJobInfo | undefined>();
  submits: { script: string; cwd: string; env: Record<string, string> }[] = [];
  cancels: string[] = [];
  submitError?: SlurmError;
  queryError?: SlurmError;
  private next = 100;
  async submit(script: string, opts: { cwd: string; env: Record<string, string> }) {
    if (this.submitError) throw this.submitError;
    this.submits.push({ script, ...opts });
    const jobId = String(this.next++);
    this.jobs.set(jobId, { jobId, state: 'PENDING', reason: 'Resources' });
    return { jobId };
  }
  async query(jobId: string) {
    if (this.queryError) throw this.queryError;
    return this.jobs.get(jobId);
  }
  async cancel(jobId: string) {
    this.cancels.push(jobId);
    this.jobs.set(jobId, { jobId, state: 'CANCELLED', exitCode: 0, signal: 15, endTime: '2026-11-29T18:00:05Z' });
  }
  set(jobId: string, info: Omit<SlurmJobInfo, 'jobId'>) {
    this.jobs.set(jobId, { jobId, ...info });
  }
}
