// `run label ID [--name N] [--note T] [--tag T]... [--untag T]... [--json]`: rename, note and tag a run (its record
// folder's labels.json, core/supervisor/runLabels.ts); the editor's views show the same labels.
import { editLabels, type LabelsEdit } from '../../core/supervisor/runLabels';
import { parseRepeatedFlags, UsageError, type CliIo } from '../io';
import { openWorkspace, resolveRunId, workspaceRoot } from './context';

const LABEL_FLAGS = new Set(['name', 'note', 'tag', 'untag', 'workspace']);

const USAGE = 'usage: run label ID [--name NAME] [--note TEXT] [--tag TAG]... [--untag TAG]... [--json] [--workspace DIR]';

export async function runLabel(args: string[], io: CliIo): Promise<number> {
  // --tag and --untag may repeat, which parseFlags does not keep.
  const { values, positional, json } = parseRepeatedFlags(args, LABEL_FLAGS, new Set(['tag', 'untag']), USAGE);
  if (positional.length !== 1) throw new UsageError(USAGE);
  const flags = new Map<string, string | true>();
  const wsFlag = values.get('workspace')?.[0];
  if (wsFlag !== undefined) flags.set('workspace', wsFlag);
  const ws = openWorkspace(workspaceRoot(flags, io, io.cwd), io);
  const id = await resolveRunId(ws, positional[0]!);
  const { dir } = await ws.supervisor.get(id);
  const edit: LabelsEdit = {};
  const name = values.get('name')?.[0];
  const note = values.get('note')?.[0];
  if (name !== undefined) edit.name = name;
  if (note !== undefined) edit.note = note;
  if (values.has('tag')) edit.addTags = values.get('tag')!;
  if (values.has('untag')) edit.removeTags = values.get('untag')!;
  const labels = await editLabels(dir, edit);
  if (json) io.out(JSON.stringify({ id, ...labels }) + '\n');
  else
    io.out(
      [
        `id:    ${id}`,
        `name:  ${labels.name ?? "(the config's)"}`,
        `tags:  ${labels.tags.length ? labels.tags.map((t) => `#${t}`).join(' ') : '-'}`,
        ...(labels.note ? [`note:  ${labels.note.replace(/\n/g, '\n       ')}`] : []),
      ].join('\n') + '\n',
    );
  return 0;
}
