// The TensorBoard event files under `<output_dir>/<logging_dir>`: scalars and validation grids, only the run's own
// files (a continued run's, or an earlier run's in a shared folder, are not its curves). After a successful exit,
// the missing-tensorboard check (report_to tensorboard but no logs dir).
import { stat } from 'node:fs/promises';
import { EventTailer } from '../../events/eventDir';
import { MONITOR_LOGGER } from '../../run/events';
import { checkTensorboardLogs } from '../../run/failure';
import { processGroupOf } from '../../supervisor/processTree';
import { isOwnEventFile, type RunWindow } from '../../worker/eventAttribution';
import { logsDirOf } from '../../worker/logsDir';
import { extractGrid, gridFolder } from '../../worker/validationImages';
import { numImages, runCacheDir } from './images';
import { errText, type RunSource, type SourceContext } from './types';

const EVENTS_ROUNDS = 4; // EventTailer reads (64 MiB each at most) per pass

export class TensorboardSource implements RunSource {
  readonly name = 'tensorboard';
  private tailer: EventTailer | undefined;
  private logsDir: string | undefined;
  /** The logs dir has appeared (for the missing-tensorboard check). */
  private logsDirSeen = false;

  async poll(ctx: SourceContext): Promise<boolean> {
    const launch = ctx.facts.launch;
    const startedMs = ctx.facts.startedMs;
    const unowned = ctx.facts.unowned === true;
    if (!launch?.outputDir || (startedMs === undefined && !unowned)) return false;
    if (!this.tailer) {
      this.logsDir = logsDirOf(launch.outputDir, launch.args);
      const own = (file: string) => isOwnEventFile(file, windowOf(ctx, startedMs ?? 0), processGroupOf);
      this.tailer = new EventTailer(this.logsDir, unowned ? {} : { accept: own });
    }
    if (!this.logsDirSeen) {
      try {
        this.logsDirSeen = (await stat(this.logsDir!)).isDirectory();
      } catch {
        return false;
      }
    }
    for (let round = 0; round < EVENTS_ROUNDS; round++) {
      const batch = await this.tailer.readNew();
      for (const p of batch.problems) ctx.emit({ type: 'log', level: 'WARNING', logger: MONITOR_LOGGER, message: p.message });
      for (const { file, offset, event } of batch.events) {
        for (const v of event.values) {
          if (v.kind === 'scalar') ctx.emit({ type: 'scalar', tag: v.tag, step: event.step, value: v.value, wallTime: event.wallTime });
          else if (v.kind !== 'image') continue;
          // A summary extracts nothing: the image is named by its record.
          else if (ctx.options.summary)
            ctx.emit({ type: 'validationImages', tag: v.tag, epoch: event.step, images: [{ ref: `${file}#${offset}`, width: v.width, height: v.height }] });
          else await this.grid(ctx, v.tag, event.step, v.encoded, file, offset);
        }
      }
      if (!batch.more) return false;
    }
    return true;
  }

  afterExit(ctx: SourceContext): void {
    const launch = ctx.facts.launch;
    const s = ctx.state;
    if (s.state !== 'finished' || s.failure !== null || !launch?.outputDir) return;
    const d = checkTensorboardLogs({ reportTo: launch.args.report_to, logsDirExists: this.logsDirSeen, step: s.step });
    if (d) ctx.emit({ type: 'failure', diagnosis: d, fatal: false });
  }

  private async grid(ctx: SourceContext, tag: string, step: number, encoded: Uint8Array, file: string, offset: number): Promise<void> {
    const source = `'${tag}' image at step ${step} in ${file} (byte ${offset})`;
    try {
      const images = await extractGrid(encoded, gridFolder(runCacheDir(ctx), tag, step, file, offset), numImages(ctx), source);
      ctx.emit({ type: 'validationImages', tag, epoch: step, images });
    } catch (e) {
      ctx.warn(`grid:${file}#${offset}`, `cannot extract the validation images: ${errText(e)}`);
    }
  }
}

/** The run's lifetime as known now (its end and process group may be learnt later). */
function windowOf(ctx: SourceContext, startMs: number): RunWindow {
  const pgid = ctx.facts.launch?.pgid;
  const endMs = ctx.facts.endedMs;
  return { startMs, ...(endMs !== undefined ? { endMs } : {}), ...(pgid !== undefined ? { pgid } : {}) };
}
