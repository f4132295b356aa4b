// `run stop ID`: Supervisor.stop (SIGINT to the run's process group, grace, SIGTERM, SIGKILL), then the outcome.
import { parseFlags, UsageError, type CliIo } from '../io';
import { onlyFlags, openWorkspace, resolveRunId, workspaceRoot } from './context';

const FINAL = ['succeeded', 'failed', 'stopped'];

export async function runStop(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args);
  onlyFlags(flags, ['workspace']);
  if (positional.length !== 1) throw new UsageError('usage: run stop ID [--workspace DIR]');
  const ws = openWorkspace(workspaceRoot(flags, io, io.cwd), io);
  const id = await resolveRunId(ws, positional[0]!);
  const { state: before, note } = (await ws.supervisor.get(id)).record;
  if (FINAL.includes(before)) {
    // The note says how it ended when nothing recorded it (e.g. a record naming a process that is not the run's).
    io.out(`run ${id} has already ended (${before}${note ? `: ${note}` : ''}); nothing to stop\n`);
    return 0;
  }
  const record = await ws.supervisor.stop(id);
  const how =
    record.state === 'stopped'
      ? before === 'queued'
        ? 'removed from the queue'
        : record.slurm
          ? `stopped; Slurm job ${record.slurm.jobId} is ${record.slurm.state}`
          : 'stopped; no process of it is left'
      : `ended as ${record.state} while being stopped`;
  io.out(`run ${id} ${how}${record.note && record.state !== 'stopped' ? ` (${record.note})` : ''}\n`);
  return FINAL.includes(record.state) ? 0 : 1;
}
