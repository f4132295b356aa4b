// run.json (the launch facts, once), the stop request, and how the run ended: exit.json, a final state in run.json,
// or (live only) a run whose wrapper died without writing exit.json, settled as reconcile() does.
import { stat } from 'node:fs/promises';
import { launchFactsOf, readRecordFile, unreadableEntry } from '../../supervisor/runRecord';
import { trainerLiveness, wrapperLiveness } from '../../supervisor/liveness';
import { systemProcesses } from '../../supervisor/processTree';
import { outcomeWithoutExit } from '../../supervisor/unknownExit';
import type { RunRecord } from '../../supervisor/types';
import { labelsPath, readLabels } from '../../supervisor/runLabels';
import { isSlurmRun, reconcileSlurm } from '../../supervisor/slurmRuns';
import type { EndInfo, RunSource, SourceContext } from './types';
import type { SlurmJobView } from '../../run/events';

const LIVENESS_EVERY = 10; // passes between checks for a run whose wrapper died without exit.json

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const endedAt = (v: unknown): { endedMs?: number } => {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? { endedMs: ms } : {};
};
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

export class RecordSource implements RunSource {
  readonly name = 'record';
  /** labels.json's mtime and size when last read ('' = absent): read again only when they change. */
  private labelsSeen: string | undefined;
  /** The Slurm job last emitted (JSON), so an unchanged run.json emits nothing; undefined for a local run. */
  private slurmSeen: string | undefined;

  async poll(ctx: SourceContext): Promise<void> {
    if (!ctx.facts.launch) await this.readLaunch(ctx);
    await this.readLabels(ctx);
    // A stop request is known before the run's dying words (KeyboardInterrupt, the launcher's CalledProcessError)
    // are read, so they are taken for a stop and not for a failure.
    if (!ctx.state.stopRequested && (await exists(ctx.files.stop))) ctx.emit({ type: 'stopRequested' });
    // Decide "ended" before the other sources read, so their reads catch everything the run wrote.
    const end = await this.readEnd(ctx);
    if (end && ctx.facts.endedMs === undefined) ctx.facts.endedMs = end.endedMs ?? (await consoleMtime(ctx.files.console));
    ctx.facts.end = end;
  }

  /** run.json's launch facts into the state (a `runInfo` event); a warning when it cannot be read. */
  async readLaunch(ctx: SourceContext): Promise<void> {
    const r = await readRecordFile(ctx.files.run);
    if (!r.value) {
      if (r.error) ctx.warn('run.json', `${r.error}; launch facts unknown`);
      return;
    }
    this.readSlurm(ctx, r.value);
    const launch = launchFactsOf(r.value, ctx.recordDir);
    // A queued run's start is not known yet (readEnd picks it up): until then no event file is taken for it.
    // A record that says nothing of its start (written by hand, or by an old version) takes every file by time.
    if (launch.state !== 'queued') ctx.facts.startedMs = launch.startedMs ?? 0;
    ctx.facts.launch = launch;
    ctx.emit({
      type: 'runInfo',
      ...(launch.script ? { script: launch.script } : {}),
      args: launch.args,
      ...(launch.outputDir ? { outputDir: launch.outputDir } : {}),
      ...(launch.numProcesses !== undefined ? { numProcesses: launch.numProcesses } : {}),
      ...(launch.startedMs !== undefined ? { startedAt: launch.startedMs } : {}),
    });
  }

  /** The user's name, note and tags (labels.json), as a `labels` event whenever the file changed; a bad file is a notice. */
  async readLabels(ctx: SourceContext): Promise<void> {
    const path = labelsPath(ctx.recordDir);
    const seen = await stat(path).then(
      (st) => `${st.mtimeMs}:${st.size}`,
      () => '',
    );
    // A restart forgets the state: the labels are emitted again then.
    if (seen === this.labelsSeen && (ctx.state.labels !== null || seen === '')) return;
    const first = this.labelsSeen === undefined;
    this.labelsSeen = seen;
    if (seen === '' && first) return;
    const read = await readLabels(ctx.recordDir);
    if (read.problems.length) ctx.warn('labels.json', read.problems.join('; '));
    else ctx.unwarn('labels.json');
    const l = read.labels;
    ctx.emit({ type: 'labels', ...(l.name !== undefined ? { name: l.name } : {}), ...(l.note !== undefined ? { note: l.note } : {}), tags: l.tags });
  }

  /**
   * run.json's start, again whenever it changed since the state took it: a queued run gets one when it starts, a Slurm
   * job's submit time is replaced by the job's StartTime once it runs. Only the shown clock follows; which event files
   * are the run's is still decided by the first start (facts.startedMs), which is never later.
   */
  private readStart(ctx: SourceContext, run: Record<string, unknown>, startedMs = launchFactsOf(run, ctx.recordDir).startedMs): void {
    if (startedMs !== undefined && startedMs !== ctx.state.timing.startedAt) ctx.emit({ type: 'runInfo', startedAt: startedMs });
  }

  /** run.json's Slurm job, as a `slurm` event whenever Slurm's answer in it changed. */
  private readSlurm(ctx: SourceContext, run: Record<string, unknown>): void {
    const job = slurmJobViewOf(run);
    if (!job) return;
    const seen = JSON.stringify(job);
    if (seen === this.slurmSeen && ctx.state.slurm !== null) return;
    this.slurmSeen = seen;
    ctx.emit({ type: 'slurm', job });
  }

  private async readEnd(ctx: SourceContext): Promise<EndInfo | undefined> {
    const exit = await readRecordFile(ctx.files.exit);
    if (exit.value) {
      // A Slurm run's last word (COMPLETED, its nodes) may be written with or after the exit: read once more.
      if (this.slurmSeen !== undefined) {
        const run = await readRecordFile(ctx.files.run);
        if (run.value) {
          this.readSlurm(ctx, run.value);
          this.readStart(ctx, run.value);
        }
      }
      const v = exit.value;
      return { code: num(v.exitCode), signal: typeof v.signal === 'string' ? v.signal : null, stopRequested: v.stopRequested === true, ...endedAt(v.endedAt) };
    }
    if (exit.error) ctx.warn('exit.json', exit.error);
    const run = await readRecordFile(ctx.files.run);
    if (!run.value) return run.error ? this.unreadableEnd(ctx, run.error) : undefined;
    this.readSlurm(ctx, run.value);
    const rec = launchFactsOf(run.value, ctx.recordDir);
    this.readStart(ctx, run.value, rec.startedMs);
    const launch = ctx.facts.launch;
    if (launch && launch.pgid === undefined && rec.pgid !== undefined) launch.pgid = rec.pgid;
    if (ctx.facts.startedMs === undefined && rec.state !== 'queued') ctx.facts.startedMs = rec.startedMs ?? 0;
    const state = rec.state;
    const settled = settledEnd(ctx, rec, run.value.endedAt);
    if (settled) return settled;
    // A wrapper killed before it wrote exit.json leaves the record running forever: settle it as reconcile() does.
    const r = run.value;
    // A Slurm job is asked on the first pass (a reattach sees its state at once) and every LIVENESS_EVERY passes.
    if (!ctx.oneShot && (state === 'running' || state === 'starting') && isSlurmRun(r as unknown as RunRecord)) {
      return ctx.passes % LIVENESS_EVERY === 1 ? this.askSlurm(ctx, r as unknown as RunRecord) : undefined;
    }
    if (
      !ctx.oneShot &&
      (state === 'running' || state === 'starting') &&
      ctx.passes % LIVENESS_EVERY === 0 &&
      (r.pid !== undefined || r.wrapperPid !== undefined)
    ) {
      return this.settleOrphan(ctx, r as unknown as RunRecord);
    }
    return undefined;
  }

  /** Settles the record from Slurm's answer (reconcileSlurm writes run.json / exit.json); the end once it has one. */
  private async askSlurm(ctx: SourceContext, record: RunRecord): Promise<EndInfo | undefined> {
    const { record: next, exit } = await reconcileSlurm({ dir: ctx.recordDir, record }, ctx.options.slurm, 60_000, ctx.now());
    // Slurm's fresh answer (state, reason, nodes, checkedAt) shows now, not a pass later.
    this.readSlurm(ctx, next as unknown as Record<string, unknown>);
    if (exit) return { code: exit.exitCode, signal: exit.signal, stopRequested: exit.stopRequested, ...endedAt(exit.endedAt) };
    return settledEnd(ctx, next, next.endedAt);
  }

  private async settleOrphan(ctx: SourceContext, record: RunRecord): Promise<EndInfo | undefined> {
    const query = ctx.options.processes ?? systemProcesses;
    const lives = await Promise.all([trainerLiveness(record, query), wrapperLiveness(record, query)]);
    if (!lives.every((l) => l.state === 'gone' || l.state === 'notOurs') || !(await readRecordFile(ctx.files.exit)).missing) return undefined;
    const launch = ctx.facts.launch;
    const outcome = outcomeWithoutExit({
      consolePath: ctx.files.console,
      ...(launch?.outputDir ? { outputDir: launch.outputDir } : {}),
      cwd: launch?.cwd ?? ctx.recordDir,
      ...(launch?.script ? { script: launch.script } : {}),
      stopRequested: await exists(ctx.files.stop),
    });
    const notOurs = lives.flatMap((l) => (l.state === 'notOurs' ? [l.why] : []));
    ctx.warn('wrapper-gone', [outcome.note, ...notOurs].join('; '));
    return { code: outcome.state === 'succeeded' ? 0 : null, signal: null, stopRequested: outcome.state === 'stopped' };
  }

  /** run.json cannot be read: ended once the console stops growing (as the Runs list decides, unreadableEntry). */
  private unreadableEnd(ctx: SourceContext, problem: string): EndInfo | undefined {
    if (ctx.passes % LIVENESS_EVERY !== 1) return undefined;
    const { record } = unreadableEntry(ctx.recordDir, problem, ctx.now());
    if (record.state === 'running') return undefined;
    ctx.warn('unreadable-end', record.note ?? `record unreadable: ${problem}`);
    return { code: null, signal: null, stopRequested: false };
  }
}

async function consoleMtime(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * The end a settled record states (a final state in run.json), or undefined while it is not final. Settled without an
 * exit status (reconcile, reconcileSlurm for a job Slurm forgot): its note says how the outcome was decided.
 */
function settledEnd(
  ctx: SourceContext,
  r: { state?: string; exitCode?: number | null; signal?: string | null; note?: string },
  ended: unknown,
): EndInfo | undefined {
  if (r.state !== 'succeeded' && r.state !== 'failed' && r.state !== 'stopped') return undefined;
  const code = r.exitCode ?? null;
  if (r.note && code === null) ctx.warn('record-note', r.note);
  return { code: code ?? (r.state === 'succeeded' ? 0 : null), signal: r.signal ?? null, stopRequested: r.state === 'stopped', ...endedAt(ended) };
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/**
 * run.json's `slurm` field (RunRecord.slurm) with the partition of its plan, as the views show it; undefined for a
 * local run, or a field without a job id and state (a hand-edited record), whose other words are then not trusted.
 */
export function slurmJobViewOf(run: Record<string, unknown>): SlurmJobView | undefined {
  const raw = run.slurm;
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const jobId = text(r.jobId);
  const state = text(r.state);
  if (!jobId || !state) return undefined;
  const plan = run.plan && typeof run.plan === 'object' ? (run.plan as Record<string, unknown>) : {};
  const job = plan.slurm && typeof plan.slurm === 'object' ? (plan.slurm as Record<string, unknown>) : {};
  const checked = typeof r.checkedAt === 'string' ? Date.parse(r.checkedAt) : NaN;
  const cluster = text(r.cluster);
  const reason = text(r.reason);
  const nodes = text(r.nodes);
  const partition = text(job.partition);
  return {
    jobId,
    ...(cluster ? { cluster } : {}),
    state,
    ...(reason && reason !== 'None' ? { reason } : {}),
    ...(nodes ? { nodes } : {}),
    ...(partition ? { partition } : {}),
    ...(Number.isFinite(checked) ? { checkedAt: checked } : {}),
  };
}
