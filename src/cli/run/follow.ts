// `--follow`: the run's progress as lines, read by the same RunMonitor the extension uses, until it ends.
// Ctrl-C ends the following only: the run belongs to its detached wrapper and goes on.
import { join } from 'node:path';
import { RunMonitor } from '../../core/monitor/runMonitor';
import { failureTitle } from '../../core/run/failure';
import { describeRun, formatDuration, formatProgress, formatSpeed } from '../../core/view/format';
import { runTiming } from '../../core/run/runTiming';
import type { RunEvent } from '../../core/run/events';
import { epochNumber, epochText } from '../../shared/epochs';
import type { RunState } from '../../core/run/state';
import { slurmStateText } from '../../core/view/slurmView';
import { runStatusOfSlurm } from '../../core/supervisor/slurmTypes';
import type { CliIo } from '../io';
import type { RunsWorkspace } from './context';

/** Progress lines come at most this often (notable events are printed at once). */
const PROGRESS_EVERY_MS = 1000;

export interface FollowOptions {
  json: boolean;
  /** Clock, for tests. */
  now?: () => number;
}

const num = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);

/** Turns successive states (and their events) into printed lines; each thing is told once. */
export class FollowReporter {
  private lastStep: number | null = null;
  private lastProgressAt = -Infinity;
  private readonly told = new Set<string>();

  constructor(
    private readonly io: CliIo,
    private readonly opts: FollowOptions,
  ) {}

  private line(text: string, json: Record<string, unknown>): void {
    this.io.out(this.opts.json ? JSON.stringify(json) + '\n' : text + '\n');
  }

  private once(key: string, emit: () => void): void {
    if (this.told.has(key)) return;
    this.told.add(key);
    emit();
  }

  progressText(s: RunState): string {
    const parts = [`step ${formatProgress(s)}`];
    const loss = num(s.stepLoss);
    if (loss !== null) parts.push(`loss ${loss.toPrecision(4)}`);
    // Speed and ETA from the step times (validation and save pauses accounted apart), as every view shows them.
    const t = runTiming(s);
    parts.push(formatSpeed(t.recentSecPerStep), `ETA ${t.etaSec !== undefined ? `${formatDuration(t.etaSec)}${t.etaPartial ? '+' : ''}` : '–'}`);
    return parts.join(' · ');
  }

  private progress(s: RunState, force: boolean): void {
    if (s.step === null || s.step === this.lastStep) return;
    const now = (this.opts.now ?? Date.now)();
    if (!force && now - this.lastProgressAt < PROGRESS_EVERY_MS && s.step !== s.totalSteps) return;
    this.lastStep = s.step;
    this.lastProgressAt = now;
    const t = runTiming(s);
    this.line(this.progressText(s), {
      event: 'progress',
      step: s.step,
      totalSteps: s.totalSteps,
      stepLoss: num(s.stepLoss),
      lr: num(s.lr),
      itPerSec: t.recentSecPerStep ? 1 / t.recentSecPerStep : null,
      etaSec: t.etaSec ?? null,
    });
  }

  /** Called with each batch of new events from the monitor. */
  update(s: RunState, events: readonly RunEvent[]): void {
    // A Slurm job may wait for minutes before the console says anything: say what Slurm says, once per change.
    const job = s.slurm;
    const live = job ? runStatusOfSlurm(job.state) : undefined;
    if (job && (live === 'starting' || live === 'running')) {
      const text = `job ${job.jobId}${job.cluster ? `;${job.cluster}` : ''} ${slurmStateText(job)}`;
      this.once(`slurm:${text}`, () =>
        this.line(`slurm: ${text}`, { event: 'slurm', jobId: job.jobId, state: job.state, reason: job.reason ?? null, nodes: job.nodes ?? null, text }),
      );
    }
    for (const e of events) {
      if (e.type === 'checkpointSaved') {
        // The script prints the path as it was given (often relative to its working folder).
        const path = s.outputDir ? join(s.outputDir, `checkpoint-${e.step}`) : e.path;
        this.once(`checkpoint:${e.step}`, () => this.line(`checkpoint saved: checkpoint-${e.step} (${path})`, { event: 'checkpoint', step: e.step, path }));
      } else if (e.type === 'resumed') {
        this.once('resumed', () =>
          this.line(`resumed from ${e.checkpoint} at step ${e.fromStep}`, { event: 'resumed', checkpoint: e.checkpoint, step: e.fromStep }),
        );
      } else if (e.type === 'resumeNotFound') {
        this.once('resumeNotFound', () =>
          this.line(`warning: checkpoint ${e.checkpoint} was not found; the script started a new training`, {
            event: 'resumeNotFound',
            checkpoint: e.checkpoint,
          }),
        );
      }
    }
    for (const v of s.validation.entries) {
      // `validation` during training; the scripts log the final inference as `test`.
      this.once(`images:${v.tag}:${v.epoch}`, () =>
        this.line(
          `${v.tag === 'validation' ? 'validation images' : v.tag === 'test' ? 'final images' : `images (${v.tag})`}: ${epochText(v.epoch)}, ${v.images.length} image(s)`,
          { event: 'images', tag: v.tag, epoch: epochNumber(v.epoch), count: v.images.length },
        ),
      );
    }
    for (const w of s.warnings) {
      this.once(`warning:${w.class}`, () =>
        this.line(`warning: ${failureTitle(w.class)} (${w.class}): ${w.message} ${w.remedy}`.trim(), {
          event: 'warning',
          class: w.class,
          message: w.message,
          remedy: w.remedy,
        }),
      );
    }
    for (const n of s.notices) this.once(`notice:${n}`, () => this.line(`note: ${n}`, { event: 'notice', message: n }));
    if (s.hang) {
      this.once(`hang:${s.step}`, () =>
        this.line(`stalled: no step for ${formatDuration(s.hang!.sinceSec)} (a step usually takes ${s.hang!.typicalStepSec.toFixed(1)} s)`, {
          event: 'stalled',
          sinceSec: s.hang!.sinceSec,
          typicalStepSec: s.hang!.typicalStepSec,
        }),
      );
    }
    this.progress(s, false);
  }

  /** The last progress, the diagnosis of a failure, and the outcome. */
  end(s: RunState, ended: boolean): void {
    this.progress(s, true);
    if (s.failure && s.state === 'failed') {
      const f = s.failure;
      this.line(`failure: ${failureTitle(f.class)} (${f.class}): ${f.message}\n  remedy: ${f.remedy}${f.configKey ? `\n  config key: ${f.configKey}` : ''}`, {
        event: 'failure',
        class: f.class,
        message: f.message,
        remedy: f.remedy,
        configKey: f.configKey ?? null,
      });
    }
    const outcome = ended ? s.state : 'unknown';
    this.line(ended ? describeRun(s) : 'the run record disappeared; following ended', { event: 'end', state: outcome, step: s.step, totalSteps: s.totalSteps });
  }
}

/**
 * Follows run `id` until it ends: exit status 0 when it finished, 1 when it failed or was stopped, 130 when the user
 * pressed Ctrl-C (the run goes on).
 */
export async function followRun(ws: RunsWorkspace, id: string, io: CliIo, opts: FollowOptions): Promise<number> {
  // A Slurm run's end comes from Slurm (asked every few passes), its console from the file Slurm writes.
  const monitor = new RunMonitor({
    recordDir: ws.supervisor.dirOf(id),
    imageCacheDir: ws.imageCacheDir,
    nvidiaSmi: false,
    secrets: ws.secrets,
    slurm: ws.supervisor.slurm,
  });
  const reporter = new FollowReporter(io, opts);
  const unsubscribe = monitor.onDidChange((state, events) => reporter.update(state, events));
  let interrupted!: () => void;
  const interrupt = new Promise<'interrupt'>((r) => (interrupted = () => r('interrupt')));
  const unhook = io.onInterrupt?.(() => interrupted());
  // The monitor's timers do not hold the process open (they must not keep the extension host alive); this does.
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    monitor.start();
    const outcome = await Promise.race([monitor.whenEnded(), interrupt]);
    if (outcome === 'interrupt') {
      io.err(`\nstopped following run ${id}; the run goes on. To stop it: sdxl-trainer run stop ${id}\n`);
      return 130;
    }
    const ended = outcome.state === 'finished' || outcome.state === 'failed' || outcome.state === 'stopped';
    reporter.end(outcome, ended);
    return outcome.state === 'finished' ? 0 : 1;
  } finally {
    clearInterval(keepAlive);
    unhook?.();
    unsubscribe();
    monitor.stop();
  }
}
