// Runs of the `slurm` launch profile: submitted with sbatch, settled by Slurm's answers, stopped with scancel. No local
// process belongs to them: their record holds the job id (RunRecord.slurm) and Slurm writes the console into the record
// folder (`#SBATCH --output`). Whoever asks (Supervisor.list/get, the monitor's record source, a fresh Supervisor
// after a reload) settles the record the same way from the job id, so reattaching needs nothing but the record.
import { constants } from 'node:os';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from './atomicFile';
import { SBATCH_FILE, sbatchScript } from '../launch/sbatchScript';
import { readExit, readRecord, recordFiles, updateRecord, type RunEntry } from './runRecord';
import { SECRET_PLACEHOLDER, type Secrets } from './secrets';
import { runStatusOfSlurm, type SlurmClient, type SlurmJobInfo, type SlurmJobRecord } from './slurmTypes';
import { FINAL_STATES, type ExitInfo, type RunRecord, type RunStatus } from './types';
import { outcomeWithoutExit } from './unknownExit';
import { outputDirOf } from '../launch/planArgs';
import { errText } from '../util/errText';

/** A run that is (or is to be) a Slurm job: its plan has a Slurm job, or its record names one. */
export function isSlurmRun(record: Pick<RunRecord, 'plan' | 'slurm'>): boolean {
  return record.slurm !== undefined || record.plan?.slurm !== undefined;
}

/** The environment `sbatch` runs with: this process's, the plan's, and the secrets (sbatch exports them to the job). */
export function sbatchEnv(planEnv: Readonly<Record<string, string>>, secrets: Secrets, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  for (const [k, v] of Object.entries(planEnv)) if (v !== SECRET_PLACEHOLDER) env[k] = v;
  return { ...env, ...secrets };
}

/** The plan's environment as the job script may write it: no secret (placeholder) entries. */
export function scriptEnv(planEnv: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(planEnv).filter(([, v]) => v !== SECRET_PLACEHOLDER));
}

/**
 * Writes `<dir>/job.sbatch` for the recorded run (whose plan holds only placeholders for secrets) and submits it; the
 * record then names the job (state PENDING). A failed sbatch fails the run with sbatch's message. Never throws for a
 * Slurm failure: the record says what happened.
 */
export async function submitSlurmRun(dir: string, secrets: Secrets, client: SlurmClient, now: () => Date = () => new Date()): Promise<RunRecord> {
  const record = readRecord(dir);
  const files = recordFiles(dir);
  const script = join(dir, SBATCH_FILE);
  try {
    const text = sbatchScript(record.plan, { outputFile: files.console, jobName: record.name, exportEnv: scriptEnv(record.plan.env) });
    writeFileSync(script, text, { mode: 0o700 });
    const { jobId, cluster } = await client.submit(script, { cwd: dir, env: sbatchEnv(record.plan.env, secrets) });
    const submittedAt = now().toISOString();
    const slurm: SlurmJobRecord = { jobId, ...(cluster ? { cluster } : {}), script, submittedAt, state: 'PENDING', checkedAt: submittedAt };
    return updateRecord(dir, { slurm });
  } catch (e) {
    const message = errText(e);
    return updateRecord(dir, {
      state: 'failed',
      endedAt: now().toISOString(),
      exitCode: null,
      note: `the Slurm job was not submitted: ${message}${sbatchHint(message, record.plan.slurm)}`,
    });
  }
}

/**
 * Which `launch.slurm` setting a refused sbatch is about, for the errors a first submit meets (sbatch names the
 * option, not the config key): GPUs asked of a cluster or partition that has none, a partition it does not know, a
 * request no node can meet. Empty when none applies.
 */
export function sbatchHint(message: string, job: { gpusPerNode?: number } | undefined): string {
  const gpus = job?.gpusPerNode ?? 1;
  if (/generic resource|gres/i.test(message) && gpus > 0)
    return ` (the job asks for ${gpus} GPU(s) per node, launch.slurm.gpusPerNode: choose a partition with GPUs in launch.slurm.partition, or set gpusPerNode to 0 for a CPU job)`;
  if (/invalid partition/i.test(message)) return ' (launch.slurm.partition: `sinfo` lists the partitions)';
  if (/node configuration is not available/i.test(message))
    return ' (no node of the partition has what launch.slurm asks: check nodes, gpusPerNode, cpusPerTask and memory against `sinfo -N -l`)';
  return '';
}

/** A signal number's name (15 → SIGTERM), or null for none. */
function signalName(n: number | undefined): string | null {
  if (!n) return null;
  const found = Object.entries(constants.signals).find(([, v]) => v === n);
  return found ? found[0] : `signal ${n}`;
}

/**
 * exit.json for a job Slurm says has ended; a failed job with exit code 0 (NODE_FAIL, TIMEOUT) has no code to give,
 * nor has a cancelled or stopped one (scancel: `ExitCode=0:15`), which a code 0 would make a finished run.
 */
export function exitOfSlurmJob(info: SlurmJobInfo, status: RunStatus, stopRequested: boolean, now: Date): ExitInfo {
  const code = info.exitCode ?? null;
  const endMs = info.endTime ? Date.parse(info.endTime) : NaN;
  const stopped = stopRequested || status === 'stopped';
  return {
    exitCode: (status === 'failed' || stopped) && code === 0 ? null : code,
    signal: signalName(info.signal),
    endedAt: Number.isFinite(endMs) ? new Date(endMs).toISOString() : now.toISOString(),
    stopRequested: stopped,
    ...(status === 'failed' && code === 0 ? { error: `Slurm ended the job ${info.state}${info.reason ? ` (${info.reason})` : ''}` } : {}),
  };
}

/**
 * Brings a live Slurm run's record in line with what Slurm says, and writes the result when something changed (not
 * for `checkedAt` alone, so that file watchers are not woken by every look). Cases:
 * - no job recorded yet: a submit that never finished fails the run after `startTimeoutMs`;
 * - PENDING (reason) → starting; RUNNING (nodes, startedAt) → running;
 * - ended → its final state, exit.json written once (exit code from ExitCode=N:S);
 * - Slurm forgot the job (MinJobAge passed, no accounting) → settled from the console as a dead wrapper's run;
 * - Slurm cannot be asked (SlurmError, untrusted workspace): left as it is, never settled on a guess.
 */
export async function reconcileSlurm(entry: RunEntry, client: SlurmClient | undefined, startTimeoutMs: number, now = Date.now()): Promise<RunEntry> {
  const { dir, record } = entry;
  if (entry.unreadable || (record.state !== 'starting' && record.state !== 'running')) return entry;
  const at = new Date(now);
  const job = record.slurm;
  if (!job) {
    if (now - Date.parse(record.createdAt) <= startTimeoutMs) return entry;
    return write(entry, { state: 'failed', endedAt: at.toISOString(), exitCode: null, note: 'the Slurm job was never submitted (sbatch did not answer)' });
  }
  if (!client) return entry;
  let info: SlurmJobInfo | undefined;
  try {
    info = await client.query(job.jobId);
  } catch {
    return entry;
  }
  const files = recordFiles(dir);
  if (!info) {
    const outcome = outcomeWithoutExit({
      consolePath: files.console,
      outputDir: record.outputDir ?? outputDirOf(record.plan),
      cwd: record.plan.cwd,
      script: record.script,
      stopRequested: existsSync(files.stop),
    });
    return write(entry, {
      state: outcome.state,
      exitCode: null,
      signal: null,
      endedAt: at.toISOString(),
      slurm: { ...job, checkedAt: at.toISOString() },
      note: `Slurm no longer knows job ${job.jobId} (it forgets ended jobs after MinJobAge), so its exit status is unknown; ${
        outcome.state === 'succeeded'
          ? 'the run reached its last step and wrote its final weights'
          : outcome.state === 'stopped'
            ? 'a stop had been requested'
            : 'the console does not show it finished'
      }`,
    });
  }
  const status = runStatusOfSlurm(info.state);
  // A job cancelled while it pended keeps the reason it waited for (Reason=Resources), which on an ended job would
  // read as why it ended: once ended, only a reason it did not wait with is kept (NonZeroExitCode, TimeLimit, …).
  const waitedFor = record.state === 'starting' && FINAL_STATES.includes(status) && info.reason === job.reason;
  const slurm: SlurmJobRecord = {
    jobId: job.jobId,
    ...(job.cluster ? { cluster: job.cluster } : {}),
    script: job.script,
    submittedAt: job.submittedAt,
    state: info.state,
    ...(info.reason && !waitedFor ? { reason: info.reason } : {}),
    ...((info.nodes ?? job.nodes) ? { nodes: info.nodes ?? job.nodes } : {}),
    checkedAt: at.toISOString(),
  };
  const startMs = info.startTime ? Date.parse(info.startTime) : NaN;
  const startedAt = Number.isFinite(startMs) ? new Date(startMs).toISOString() : at.toISOString();
  if (FINAL_STATES.includes(status)) {
    let exit = entry.exit ?? readExit(dir);
    if (!exit) {
      exit = exitOfSlurmJob(info, status, existsSync(files.stop), at);
      writeJsonAtomic(files.exit, exit);
    }
    return write(
      { ...entry, exit },
      {
        state: exit.stopRequested ? 'stopped' : status,
        exitCode: exit.exitCode,
        signal: exit.signal,
        endedAt: exit.endedAt,
        ...(record.state === 'starting' && Number.isFinite(startMs) ? { startedAt } : {}),
        slurm,
        ...(exit.error ? { note: exit.error } : {}),
      },
    );
  }
  const patch: Partial<RunRecord> = { slurm };
  if (status === 'running' && record.state !== 'running') Object.assign(patch, { state: 'running', startedAt });
  const changed = patch.state !== undefined || job.state !== slurm.state || job.reason !== slurm.reason || job.nodes !== slurm.nodes;
  return changed ? write(entry, patch) : { ...entry, record: { ...record, ...patch } };
}

/** Writes the patched record (best effort, as reconcile does: an unwritable record still gives the settled version). */
function write(entry: RunEntry, patch: Partial<RunRecord>): RunEntry {
  const next: RunRecord = { ...entry.record, ...patch };
  try {
    writeJsonAtomic(recordFiles(entry.dir).run, next);
  } catch (e) {
    next.note = `${next.note ?? ''}${next.note ? '; ' : ''}${errText(e)}`;
  }
  return { ...entry, record: next };
}
