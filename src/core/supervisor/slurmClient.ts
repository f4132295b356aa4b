// The SlurmClient over Slurm's own commands: `sbatch --parsable`, `scontrol show job -o`, `scancel`. Always argument
// arrays (no shell), a timeout and an output cap; parsing lives in pure functions tested on outputs recorded from a
// real Slurm 22.05.8 (test/fixtures/slurm). `scontrol` and not `sacct`: a cluster without accounting storage (the
// one-node test cluster) has no sacct data; Slurm forgets a job MinJobAge (300 s) after it ended, and the caller
// then settles the run from its console (liveness.ts).
import { runBounded } from '../util/boundedRun';
import { SlurmError, type SlurmClient, type SlurmJobInfo } from './slurmTypes';

/** A Slurm answer beyond this is not one job's line any more. */
export const SLURM_OUTPUT_CAP = 1024 * 1024;
export const SLURM_TIMEOUT_MS = 30_000;

/** How a Slurm command is run: injectable, so tests see the argument arrays and the extension can refuse. */
export interface SlurmRunner {
  (
    cmd: string,
    args: string[],
    opts: { cwd?: string; env?: Record<string, string> },
  ): Promise<{ code: number | null; stdout: string; stderr: string; error?: string }>;
}

/**
 * The Slurm command through the project's bounded runner (no shell, its own process group killed on timeout, output
 * capped). `code` is 0 on success, null otherwise, with the reason in `error` (`ENOENT`: no such command).
 */
export const execSlurm: SlurmRunner = async (cmd, args, opts) => {
  const r = await runBounded({
    command: cmd,
    args,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: opts.env ?? process.env,
    timeoutMs: SLURM_TIMEOUT_MS,
    maxBytes: SLURM_OUTPUT_CAP,
    what: cmd,
  });
  if (r.ok) return { code: 0, stdout: r.stdout, stderr: r.stderr };
  return { code: null, stdout: r.stdout, stderr: r.stderr, error: r.failure === 'missing' ? 'ENOENT' : r.reason };
};

/** `sbatch --parsable` prints `JOBID` or `JOBID;CLUSTER`. */
export function parseSbatchParsable(stdout: string): { jobId: string; cluster?: string } | undefined {
  const line = stdout.trim().split('\n').pop()?.trim() ?? '';
  const m = /^(\d+(?:_\d+)?)(?:;(\S+))?$/.exec(line);
  if (!m) return undefined;
  return m[2] ? { jobId: m[1]!, cluster: m[2] } : { jobId: m[1]! };
}

/**
 * `scontrol show job -o` prints `Key=Value` words on one line; a value may hold spaces (a path), so a word that does
 * not start a new key continues the previous value.
 */
export function parseScontrolFields(line: string): Map<string, string> {
  const out = new Map<string, string>();
  let key: string | undefined;
  for (const word of line.trim().split(/ +/)) {
    const m = /^([A-Za-z][\w:/]*)=(.*)$/.exec(word);
    if (m) {
      key = m[1]!;
      out.set(key, m[2]!);
    } else if (key !== undefined) {
      out.set(key, `${out.get(key)} ${word}`);
    }
  }
  return out;
}

const known = (v: string | undefined) => (v && v !== 'None' && v !== '(null)' && v !== 'Unknown' && v !== 'N/A' ? v : undefined);

/** One job from `scontrol show job -o ID`; undefined when the output names no job. */
export function parseScontrolJob(stdout: string): SlurmJobInfo | undefined {
  const line = stdout.split('\n').find((l) => l.includes('JobId='));
  if (!line) return undefined;
  const f = parseScontrolFields(line);
  const jobId = f.get('JobId');
  const state = f.get('JobState');
  if (!jobId || !state) return undefined;
  const info: SlurmJobInfo = { jobId, state };
  const reason = known(f.get('Reason'));
  if (reason) info.reason = reason;
  const nodes = known(f.get('NodeList'));
  if (nodes) info.nodes = nodes;
  const exit = /^(\d+):(\d+)$/.exec(f.get('ExitCode') ?? '');
  if (exit) {
    info.exitCode = Number(exit[1]);
    info.signal = Number(exit[2]);
  }
  const start = known(f.get('StartTime'));
  if (start) info.startTime = start;
  const end = known(f.get('EndTime'));
  if (end) info.endTime = end;
  return info;
}

/** Slurm's words for a job it does not know (never had, or forgot after MinJobAge). */
export function isUnknownJob(stderr: string): boolean {
  return /Invalid job id specified/i.test(stderr);
}

const JOB_ID = /^\d+(?:_\d+)?$/;

function checkJobId(id: string): string {
  if (!JOB_ID.test(id)) throw new SlurmError('slurm', '', `'${id}' is not a Slurm job id`);
  return id;
}

/** The client over the commands on PATH (or `opts.bin`), asking `maySpawn` before each (false: SlurmError, nothing run). */
export function commandSlurmClient(opts: { run?: SlurmRunner; maySpawn?: () => boolean; bin?: string } = {}): SlurmClient {
  const runner = opts.run ?? execSlurm;
  const bin = (name: string) => (opts.bin ? `${opts.bin}/${name}` : name);
  const call = async (name: string, args: string[], o: { cwd?: string; env?: Record<string, string> } = {}) => {
    if (opts.maySpawn && !opts.maySpawn()) throw new SlurmError(name, '', `${name} is not run: the workspace is not trusted`);
    const r = await runner(bin(name), args, o);
    if (r.error === 'ENOENT') throw new SlurmError(name, r.stderr, `${name} was not found on PATH (is this a Slurm login node?)`);
    return r;
  };
  return {
    async submit(script, o) {
      const r = await call('sbatch', ['--parsable', script], { cwd: o.cwd, env: o.env });
      const parsed = r.code === 0 ? parseSbatchParsable(r.stdout) : undefined;
      if (!parsed) throw new SlurmError('sbatch', r.stderr, r.code === 0 ? `sbatch printed no job id: ${r.stdout.trim().slice(0, 200)}` : undefined);
      return parsed;
    },
    async query(jobId) {
      const r = await call('scontrol', ['show', 'job', '-o', checkJobId(jobId)]);
      if (r.code !== 0) {
        if (isUnknownJob(r.stderr)) return undefined;
        throw new SlurmError('scontrol show job', r.stderr, r.error && !r.stderr.trim() ? `scontrol show job failed: ${r.error}` : undefined);
      }
      const info = parseScontrolJob(r.stdout);
      if (!info) throw new SlurmError('scontrol show job', r.stderr, `scontrol show job ${jobId} printed no job: ${r.stdout.trim().slice(0, 200)}`);
      return info;
    },
    async cancel(jobId, o) {
      const args = o?.signal ? ['--signal', o.signal, checkJobId(jobId)] : [checkJobId(jobId)];
      const r = await call('scancel', args);
      if (r.code !== 0 && !isUnknownJob(r.stderr))
        throw new SlurmError('scancel', r.stderr, r.error && !r.stderr.trim() ? `scancel failed: ${r.error}` : undefined);
    },
  };
}
