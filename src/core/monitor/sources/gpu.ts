// nvidia-smi samples while the run lives (on the monitor's GPU timer, not in a pass): the run's GPUs, with the memory
// of the run's own processes (its process group and their descendants) per GPU. The one place the monitor asks
// which processes are the run's.
import { MONITOR_LOGGER, type GpuSample } from '../../run/events';
import { readRecordFile } from '../../supervisor/runRecord';
import { runProcesses } from '../../supervisor/processTree';
import { attributeRunMemory, queryComputeApps, queryGpuSample } from '../gpuPoller';
import type { RunSource, SourceContext } from './types';

export class GpuSource implements RunSource {
  readonly name = 'gpu';
  private failed = false;

  /** `following`: asked again after the query, as the monitor may have stopped or the run ended meanwhile. */
  constructor(
    private readonly exec: string,
    private readonly following: () => boolean,
  ) {}

  async poll(ctx: SourceContext): Promise<void> {
    const launch = ctx.facts.launch;
    if (!launch) return;
    const env = { ...process.env, ...launch.env };
    const r = await queryGpuSample({ exec: this.exec, env });
    if (!this.following()) return;
    if (r.ok) {
      this.failed = false;
      const want = launch.gpuIndices;
      let gpus = want ? r.gpus.filter((g) => want.includes(g.index)) : r.gpus;
      gpus = await this.withRunMemory(ctx, env, gpus);
      if (gpus.length) ctx.emit({ type: 'gpuSample', wallTime: ctx.now(), gpus });
    } else if (!this.failed && (ctx.state.device !== null || ctx.state.state !== 'starting')) {
      // Not while starting with no `Device:` line yet: a CPU run would be warned about a missing nvidia-smi.
      this.failed = true;
      ctx.emit({ type: 'log', level: 'WARNING', logger: MONITOR_LOGGER, message: `No GPU stats for this run: ${r.error}` });
    }
  }

  /** Adds the memory of the run's own processes, per GPU (the record is read again: pid and pgid come once it starts). */
  private async withRunMemory(ctx: SourceContext, env: NodeJS.ProcessEnv, gpus: GpuSample[]): Promise<GpuSample[]> {
    if (gpus.length === 0) return gpus;
    const record = (await readRecordFile(ctx.files.run)).value;
    if (!record) return gpus;
    const pid = typeof record.pid === 'number' ? record.pid : undefined;
    const pgid = typeof record.pgid === 'number' ? record.pgid : undefined;
    if (pid === undefined && pgid === undefined) return gpus;
    const apps = await queryComputeApps({ exec: this.exec, env });
    if (!apps) return gpus;
    const pids = new Set(await runProcesses(pgid, pid !== undefined ? [pid] : []));
    // No process of the run left (it is ending between two polls): no reading, rather than a false drop to 0.
    return pids.size ? attributeRunMemory(gpus, apps, pids) : gpus;
  }
}
