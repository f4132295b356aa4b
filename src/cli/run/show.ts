// `run show ID [--json]`: `summarize --json`'s shape for a recorded run, plus its id, output_dir and checkpoint paths.
import { showRun } from '../../core/monitor/runShow';
import { parseFlags, UsageError, type CliIo } from '../io';
import { summaryText } from '../summarize';
import { onlyFlags, openWorkspace, resolveRunId, workspaceRoot } from './context';
import { slurmText } from './slurmText';

export async function runShow(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json']);
  onlyFlags(flags, ['json', 'workspace']);
  if (positional.length !== 1) throw new UsageError('usage: run show ID [--json] [--workspace DIR]');
  const ws = openWorkspace(workspaceRoot(flags, io, io.cwd), io);
  const id = await resolveRunId(ws, positional[0]!);
  // get() settles a run whose processes are gone before the record is read.
  const { dir, record } = await ws.supervisor.get(id);
  const { show, result } = await showRun(dir, id, {
    ...(record.outputDir ? { recordOutputDir: record.outputDir } : {}),
    recordName: record.name,
    secrets: ws.secrets,
  });
  const { checkpoints, outputDir } = show;
  const labels = result.state.labels;
  const name = show.name ?? record.name;
  if (flags.has('json')) {
    io.out(JSON.stringify(show) + '\n');
  } else {
    io.out(
      [
        `id:          ${id}`,
        `name:        ${name}${name !== record.name ? ` (config: ${record.name})` : ''}`,
        ...(labels?.tags.length ? [`tags:        ${labels.tags.map((t) => `#${t}`).join(' ')}`] : []),
        ...(labels?.note ? [`note:        ${labels.note.replace(/\n/g, '\n             ')}`] : []),
        ...(record.resumedFrom ? [`resumed:     from ${record.resumedFrom}`] : []),
        `record:      ${dir}`,
        ...(record.slurm ? [`slurm job:   ${slurmText(record.slurm)}`] : []),
        `output_dir:  ${outputDir ?? '?'}`,
      ].join('\n') + '\n',
    );
    io.out(summaryText(result.summary, result.source));
    for (const c of checkpoints) io.out(`  checkpoint-${c.step}${c.complete ? '' : ' (incomplete)'}: ${c.path}\n`);
  }
  for (const note of result.notes) io.err(`note: ${note}\n`);
  return 0;
}
