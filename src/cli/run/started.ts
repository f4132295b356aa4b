// What `run start` and `run resume` print once the Supervisor has the run (and, with --follow, the following).
import type { RunEntry } from '../../core/supervisor/runRecord';
import type { CliIo } from '../io';
import type { RunsWorkspace } from './context';
import { followRun } from './follow';
import { slurmText } from './slurmText';

export async function reportStarted(ws: RunsWorkspace, entry: RunEntry, io: CliIo, opts: { json: boolean; follow: boolean }): Promise<number> {
  const { record, dir } = entry;
  if (opts.json) {
    io.out(
      JSON.stringify({
        id: record.id,
        state: record.state,
        outputDir: record.outputDir ?? null,
        runDir: dir,
        ...(record.slurm ? { slurm: record.slurm } : {}),
        ...(record.resumedFrom ? { resumedFrom: record.resumedFrom } : {}),
      }) + '\n',
    );
  } else {
    const verb = record.state === 'queued' ? 'queued (it starts when a GPU is free)' : record.state === 'failed' ? 'could not start' : 'started';
    io.out(
      [
        `run ${record.id} ${verb}${record.resumedFrom ? `, resuming ${record.resumedFrom}` : ''}`,
        `  name:       ${record.name}`,
        `  output_dir: ${record.outputDir ?? '?'}`,
        `  record:     ${dir}`,
        ...(record.slurm ? [`  slurm job:  ${slurmText(record.slurm)} (script ${record.slurm.script})`] : []),
        ...(record.note ? [`  note:       ${record.note}`] : []),
      ].join('\n') + '\n',
    );
    if (!opts.follow && record.state !== 'failed') {
      io.out(`  progress:   sdxl-trainer run show ${record.id}    stop: sdxl-trainer run stop ${record.id}\n`);
    }
  }
  // A run that failed at once is followed too: the monitor reads its console and tells why.
  if (opts.follow) return followRun(ws, record.id, io, { json: opts.json });
  return record.state === 'failed' ? 1 : 0;
}
