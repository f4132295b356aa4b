// `run follow ID [--json]`: follows a run started earlier (by the editor, another shell, or a Slurm submit from a login
// node) until it ends, with the same lines and exit status as `run start --follow`.
import { parseFlags, UsageError, type CliIo } from '../io';
import { onlyFlags, openWorkspace, resolveRunId, workspaceRoot } from './context';
import { followRun } from './follow';

export async function runFollow(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json']);
  onlyFlags(flags, ['json', 'workspace']);
  if (positional.length !== 1) throw new UsageError('usage: run follow ID [--json] [--workspace DIR]');
  const ws = openWorkspace(workspaceRoot(flags, io, io.cwd), io);
  const id = await resolveRunId(ws, positional[0]!);
  return followRun(ws, id, io, { json: flags.has('json') });
}
