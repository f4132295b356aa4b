// The supervisor: start, stop, resume, queue and reattach training runs. It owns no process: each run is
// parented by a detached wrapper (wrapperMain.ts), and everything it knows it reads back from the record folders,
// so a fresh Supervisor after a window reload sees exactly what the old one saw.
//
// Who writes run.json: the supervisor before the wrapper starts; the wrapper while it lives; the supervisor again
// only for runs whose wrapper is gone (reconcile). Stop requests go through a separate file.
// Records this supervisor writes are sealed with the machine key (machineKey.ts); the queue starts only those.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from './atomicFile';
import { followRun, type FollowOptions, type Follower } from './follow';
import { launchWrapper, type WrapperLauncher } from './launcher';
import { holdsResources, isAlive, isFinal, isWrapperAlive, reconcile, trainerLiveness } from './liveness';
import { defaultMachineKeyFile, isSealedBy, launchMac, loadMachineKey } from './machineKey';
import { gpuNeedOf, outputDirOf } from '../launch/planArgs';
import { waitUntil } from './poll';
import { PreflightError, preflight } from './preflight';
import { groupOf, runProcesses, signalRun, systemProcesses, type ProcessQuery } from './processTree';
import { withCreateLock } from './createLock';
import { claimStart, impossibleNeed, pumpQueue, readQueueSettings, writeQueueSettings, type PumpResult } from './queue';
import { withResume } from './resume';
import { withOutputDir } from './ownership';
import { createRecord, listRuns, readExit, readRecord, recordFiles, updateRecord, type RunEntry } from './runRecord';
import { secretsOfConfig } from './configSecrets';
import { removeSecretsFile, splitSecrets, writeSecretsFile, type Secrets } from './secrets';
import type { LaunchPlan, RunRecord } from './types';
import { errText } from '../util/errText';
import { commandSlurmClient } from './slurmClient';
import { isSlurmRun, submitSlurmRun } from './slurmRuns';
import { runStatusOfSlurm, type SlurmClient } from './slurmTypes';

export interface SupervisorOptions extends WrapperLauncher {
  /** `<workspace>/.sdxl/runs` (see workspaceRecordsDir). */
  recordsDir: string;
  /** Grace after SIGINT, then again after SIGTERM, before SIGKILL (default 10 s). */
  graceMs?: number;
  /** GPUs on this machine, for the queue. Unknown: queued runs run one at a time. Persisted for the wrappers. */
  totalGpus?: number;
  /** The nvidia-smi the queue asks which GPUs other programs use (default: on PATH). Persisted with totalGpus. */
  nvidiaSmi?: string;
  /** How long start() waits for the wrapper to report the training pid (default 20 s). */
  startTimeoutMs?: number;
  /** This machine's key file (default: defaultMachineKeyFile()). */
  machineKeyFile?: string;
  /** How processes are checked; the extension passes one that spawns no tool in an untrusted workspace. */
  processes?: ProcessQuery;
  /** Tests only: runs between the output_dir check and the record's creation, inside the create lock. */
  beforeRecord?: () => Promise<void>;
  /**
   * How Slurm is asked for runs of the `slurm` profile (default: the commands on PATH, run only while `processes`
   * may spawn, so an untrusted workspace starts no Slurm command either).
   */
  slurm?: SlurmClient;
  /** How long stop() waits for Slurm to say a cancelled job ended (default 60 s: Slurm's KillWait is 30 s). */
  slurmStopTimeoutMs?: number;
}

export interface RunMeta {
  name?: string;
  configPath?: string;
  /** Overrides the output_dir read from the plan (absolute). */
  outputDir?: string;
  resumedFrom?: string;
  /** The run this one continues (same output_dir; its checkpoints count as this lineage's). */
  continues?: string;
  /**
   * Values for the secret environment variables a recorded plan holds only as placeholders (a resume starts from
   * run.json's plan, which never keeps them; see secrets.ts). Without them such a variable is not set.
   */
  secrets?: Secrets;
}

/**
 * Picks the checkpoint to resume from, given the run's output_dir: its `checkpoint-N` name, or undefined when there is
 * none. Callers pass `pickResumeCheckpoint` (ownership.ts), which only offers checkpoints of the run's lineage.
 */
export type NewestCheckpoint = (outputDir: string) => string | { name: string } | undefined | Promise<string | { name: string } | undefined>;

export class Supervisor {
  readonly recordsDir: string;
  private readonly launcher: WrapperLauncher;
  private readonly graceMs: number;
  private readonly startTimeoutMs: number;
  private readonly query: ProcessQuery;
  readonly slurm: SlurmClient;
  private key: Buffer | undefined;

  constructor(private readonly opts: SupervisorOptions) {
    this.recordsDir = resolve(opts.recordsDir);
    const machineKeyFile = opts.machineKeyFile ?? defaultMachineKeyFile();
    this.launcher = { execPath: opts.execPath, wrapperScript: opts.wrapperScript, ...(opts.execArgs ? { execArgs: opts.execArgs } : {}), machineKeyFile };
    this.graceMs = opts.graceMs ?? 10_000;
    this.startTimeoutMs = opts.startTimeoutMs ?? 20_000;
    this.query = opts.processes ?? systemProcesses;
    this.slurm = opts.slurm ?? commandSlurmClient({ maySpawn: () => this.query.maySpawn() });
  }

  /** This machine's key (made on first use); throws MachineKeyError when it can be neither read nor made. */
  private machineKey(): Buffer {
    this.key ??= loadMachineKey(this.launcher.machineKeyFile);
    return this.key;
  }

  dirOf(id: string): string {
    if (!/^[\w.-]+$/.test(id) || id.startsWith('.')) throw new Error(`'${id}' is not a run id`);
    return join(this.recordsDir, id);
  }

  /**
   * Every run, oldest first, with dead runs settled (reconcile). Unreadable records are listed as such (and described
   * in `problems`); queued runs not sealed by this machine are flagged `foreign`.
   */
  async list(problems?: string[]): Promise<RunEntry[]> {
    let key: Buffer | undefined;
    const settled = await Promise.all(listRuns(this.recordsDir, problems).map((e) => reconcile(e, this.startTimeoutMs, undefined, this.query, this.slurm)));
    return settled.map((entry) => {
      if (entry.record.state !== 'queued' || entry.unreadable) return entry;
      try {
        key ??= this.machineKey();
      } catch (err) {
        problems?.push(errText(err));
        return { ...entry, foreign: true };
      }
      return isSealedBy(key, entry.record) ? entry : { ...entry, foreign: true };
    });
  }

  async get(id: string): Promise<RunEntry> {
    const dir = this.dirOf(id);
    const record = readRecord(dir);
    const exit = readExit(dir);
    return reconcile(exit ? { dir, record, exit } : { dir, record }, this.startTimeoutMs, undefined, this.query, this.slurm);
  }

  /** Runs that are starting or running now (processes alive, or not checkable here). */
  async live(): Promise<RunEntry[]> {
    const all = await this.list();
    const holds = await Promise.all(all.map((e) => holdsResources(e.record, this.query)));
    return all.filter((_, i) => holds[i]);
  }

  isAlive(record: RunRecord): Promise<boolean> {
    return isAlive(record, this.query);
  }

  /**
   * Seals a queued run that was not queued on this machine (after the user said to start it), then pumps the queue:
   * from now on it is this machine's run. Throws when the run is not queued any more.
   */
  async acceptQueued(id: string): Promise<PumpResult> {
    const dir = this.dirOf(id);
    const record = readRecord(dir);
    if (record.state !== 'queued') throw new Error(`run ${id} is ${record.state}, not queued`);
    updateRecord(dir, { launchMac: launchMac(this.machineKey(), record) });
    return this.pump();
  }

  /**
   * Writes the record: its plan without secret values, which come back apart (secrets.ts). A queued run's go into its
   * secrets file before run.json exists, so no queue pump can start it without them.
   */
  private newRecord(fullPlan: LaunchPlan, meta: RunMeta, state: 'queued' | 'starting'): RunEntry & { secrets: Secrets } {
    const now = new Date();
    const key = this.machineKey();
    const { plan, secrets } = splitSecrets(fullPlan, meta.secrets);
    const keep = state === 'queued' && Object.keys(secrets).length > 0 ? (dir: string) => writeSecretsFile(dir, secrets) : undefined;
    const entry = createRecord(
      this.recordsDir,
      {
        name: meta.name ?? plan.script,
        ...(meta.configPath ? { configPath: meta.configPath } : {}),
        script: plan.script,
        plan,
        outputDir: meta.outputDir ? resolve(meta.outputDir) : outputDirOf(plan),
        createdAt: now.toISOString(),
        state,
        gpus: gpuNeedOf(plan),
        ...(state === 'starting' ? { startedAt: now.toISOString() } : {}),
        ...(meta.resumedFrom ? { resumedFrom: meta.resumedFrom } : {}),
        ...(meta.continues ? { continues: meta.continues } : {}),
      },
      now,
      { seal: (r) => launchMac(key, r), ...(keep ? { prepare: keep } : {}) },
    );
    return { ...entry, secrets };
  }

  /**
   * Preflight, record, launch the wrapper, and wait until it reports the training pid (or failure).
   * Throws PreflightError (nothing created) or RecordWriteError (records folder not writable).
   */
  async start(plan: LaunchPlan, meta: RunMeta = {}): Promise<RunEntry> {
    // The check and the record under one lock: another window starting in the same output_dir waits, then sees ours.
    const { dir, secrets } = await withCreateLock(this.recordsDir, async () => {
      const live = (await this.live()).map((e) => e.record);
      // A Slurm job's setup lines (module load, conda activate) may be what puts accelerate on its PATH.
      const problems = preflight(plan, live).filter((p) => !(p.code === 'executable-missing' && plan.slurm?.setup?.length));
      if (problems.length) throw new PreflightError(problems);
      await this.opts.beforeRecord?.();
      return this.newRecord(plan, meta, 'starting');
    });
    if (plan.slurm) {
      // sbatch, not a wrapper: the record names the job (or says why sbatch refused it).
      const record = await submitSlurmRun(dir, secrets, this.slurm);
      return await this.get(record.id);
    }
    const child = launchWrapper(this.launcher, dir, secrets);
    let spawnError: Error | undefined;
    let wrapperExited = false;
    child.once('error', (e) => (spawnError = e));
    child.once('exit', () => (wrapperExited = true));
    await waitUntil(() => {
      if (spawnError || existsSync(recordFiles(dir).exit)) return true;
      const r = readRecord(dir);
      return r.state !== 'starting' || (wrapperExited && r.wrapperPid === undefined);
    }, this.startTimeoutMs);
    if (spawnError || (wrapperExited && readRecord(dir).wrapperPid === undefined)) {
      const why = spawnError ? spawnError.message : 'it exited at once';
      updateRecord(dir, {
        state: 'failed',
        endedAt: new Date().toISOString(),
        note: `the supervising wrapper (${this.launcher.execPath} ${this.launcher.wrapperScript}) could not run: ${why}`,
      });
    }
    return await this.get(readRecord(dir).id);
  }

  /** Adds a run to the queue (state queued) and starts whatever may start now. */
  async enqueue(plan: LaunchPlan, meta: RunMeta = {}): Promise<{ entry: RunEntry; pump: PumpResult }> {
    // Slurm queues its jobs itself (PENDING, with a reason): such a run is submitted now.
    if (plan.slurm) return { entry: await this.start(plan, meta), pump: { started: [], failed: [], foreign: [] } };
    const need = gpuNeedOf(plan);
    const settings = this.queueSettings();
    const impossible = impossibleNeed(need, settings.totalGpus);
    const problems = preflight(plan).concat(impossible ? [{ code: 'output-dir-busy' as const, message: impossible }] : []);
    if (problems.length) throw new PreflightError(problems);
    const { record } = await withCreateLock(this.recordsDir, () => this.newRecord(plan, meta, 'queued'));
    const pump = await this.pump();
    return { entry: await this.get(record.id), pump };
  }

  private queueSettings() {
    if (this.opts.totalGpus === undefined) return readQueueSettings(this.recordsDir);
    const settings = { totalGpus: this.opts.totalGpus, ...(this.opts.nvidiaSmi ? { nvidiaSmi: this.opts.nvidiaSmi } : {}) };
    const stored = readQueueSettings(this.recordsDir);
    // The wrappers pump the queue with what is stored: the editor's nvidia-smi setting goes with the GPU count.
    if (stored.totalGpus !== settings.totalGpus || stored.nvidiaSmi !== settings.nvidiaSmi) writeQueueSettings(this.recordsDir, settings);
    return settings;
  }

  /** Starts queued runs whose GPUs are free, in queue order. Call on activation and whenever a run ends. */
  pump(): Promise<PumpResult> {
    return pumpQueue(this.recordsDir, this.launcher, this.queueSettings(), this.query);
  }

  /**
   * Stops a run: stop request, SIGINT to its process group, grace, SIGTERM, grace, SIGKILL; resolves when no
   * process of the run is left and the outcome is recorded. A queued run is just taken off the queue.
   * Only a process the record names WITH its start time, alive with that start time, is signalled (with its group
   * when it leads the recorded one): a record naming a process without its start time, or with another one, names
   * no process of ours, and nothing is signalled. Throws (nothing signalled) when a live process cannot be told to
   * be the run's; a record whose processes are not the run's is settled by reconcile, its note saying why.
   */
  async stop(id: string, opts: { graceMs?: number } = {}): Promise<RunRecord> {
    const grace = opts.graceMs ?? this.graceMs;
    const dir = this.dirOf(id);
    let entry = await this.get(id);
    if (entry.record.state === 'queued') {
      if (claimStart(dir)) {
        removeSecretsFile(dir);
        return updateRecord(dir, { state: 'stopped', endedAt: new Date().toISOString(), note: 'removed from the queue before it started' });
      }
      entry = await this.get(id);
    }
    if (isFinal(entry.record.state)) return entry.record;
    if (isSlurmRun(entry.record)) return this.stopSlurm(id);
    // A running record is checked before anything is written into its folder.
    if (entry.record.state === 'running') await this.assertSignallable(entry.record);
    writeJsonAtomic(recordFiles(dir).stop, { requestedAt: new Date().toISOString(), by: process.pid });
    // A run still starting gets its pid shortly; the wrapper itself honours the request if it comes first.
    await waitUntil(() => readRecord(dir).state !== 'starting', this.startTimeoutMs);
    const record = readRecord(dir);
    const leader = await trainerLiveness(record, this.query);
    if (leader.state === 'alive') {
      await this.assertSignallable(record);
      // The recorded group only when the verified leader is in it; else just the leader and its descendants.
      const pgid = record.pgid !== undefined && (await groupOf(record.pid!, this.query)) === record.pgid ? record.pgid : undefined;
      // Processes of the run: its group plus descendants of the training process (Windows: the tree under its pid).
      const procs = async () => {
        const root = (await isAlive(record, this.query)) ? [record.pid!] : [];
        return process.platform === 'win32' ? root : (await runProcesses(pgid, root)).filter((p) => p !== record.wrapperPid);
      };
      const gone = async () => (await procs()).length === 0;
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
        if (await gone()) break;
        await signalRun(pgid, await procs(), sig);
        if (await waitUntil(gone, sig === 'SIGKILL' ? 10_000 : grace)) break;
      }
    } else if (leader.state !== 'gone') {
      await this.assertSignallable(record);
    }
    // The wrapper records the outcome once the training process has exited, then writes the final state and starts
    // the next queued run: Stop is over when the wrapper is gone too (exit.json alone came before it, seen in CI).
    await waitUntil(async () => !(await isWrapperAlive(record, this.query)), grace + 10_000);
    return (await this.get(id)).record;
  }

  /**
   * Stops a Slurm run: the stop request first (so its end reads "stopped"), then scancel, then waits (bounded) until
   * Slurm says the job ended or forgot it. Throws SlurmError when scancel fails (the stop request stays: the job
   * is settled as stopped whenever it ends).
   */
  private async stopSlurm(id: string): Promise<RunRecord> {
    const dir = this.dirOf(id);
    writeJsonAtomic(recordFiles(dir).stop, { requestedAt: new Date().toISOString(), by: process.pid });
    // A run whose submit is still under way gets its job id shortly.
    await waitUntil(() => readRecord(dir).slurm !== undefined || isFinal(readRecord(dir).state), this.startTimeoutMs);
    const job = readRecord(dir).slurm;
    if (job) {
      await this.slurm.cancel(job.jobId);
      await waitUntil(
        async () => {
          try {
            const info = await this.slurm.query(job.jobId);
            return !info || isFinal(runStatusOfSlurm(info.state));
          } catch {
            return false;
          }
        },
        this.opts.slurmStopTimeoutMs ?? 60_000,
        500,
      );
    }
    return (await this.get(id)).record;
  }

  /** Throws, saying why, when the record's training process is alive but cannot be shown to be the run's. */
  private async assertSignallable(record: RunRecord): Promise<void> {
    const leader = await trainerLiveness(record, this.query);
    if (leader.state === 'notOurs' || leader.state === 'unknown') {
      throw new Error(`run ${record.id} was not stopped, and no process was signalled: ${leader.why}`);
    }
  }

  /**
   * Starts a new run that continues `id` from a checkpoint the injected picker chose in its output_dir (see
   * pickResumeCheckpoint: only the lineage's own, complete checkpoints). `plan` replaces the run's own launch plan
   * (Start on an edited config that continues the run); its output_dir is forced to the run's. Throws when the run is
   * still alive or no checkpoint qualifies; nothing is started then.
   */
  async resume(id: string, pick: NewestCheckpoint, meta: RunMeta = {}, plan?: LaunchPlan): Promise<RunEntry> {
    const { record } = await this.get(id);
    if (!isFinal(record.state) && record.state !== 'queued') throw new Error(`run ${id} is still ${record.state}; stop it before resuming`);
    const outputDir = record.outputDir ?? outputDirOf(record.plan);
    const found = await pick(outputDir);
    const name = typeof found === 'string' ? found : found?.name;
    if (!name) throw new Error(`run ${id} has no complete checkpoint in ${outputDir} to resume from`);
    const base = plan && outputDirOf(plan) !== resolve(outputDir) ? withOutputDir(plan, outputDir) : (plan ?? record.plan);
    return this.start(withResume(base, name), {
      name: meta.name ?? record.name,
      ...(record.configPath ? { configPath: record.configPath } : {}),
      outputDir,
      resumedFrom: `${id}/${name}`,
      continues: id,
      // run.json keeps no secret values: the run's config gives them again (its current HF_TOKEN, say).
      secrets: meta.secrets ?? secretsOfConfig(record.configPath),
      ...meta,
    });
  }

  /** Follows a run's console from byte 0 (or opts.fromOffset); works for runs started by an earlier window. */
  follow(id: string, onChunk: (text: string, offset: number) => void, opts: FollowOptions = {}): Follower {
    return followRun(this.dirOf(id), onChunk, opts);
  }
}
