// `run label ID [--name N] [--note T] [--tag T]... [--untag T]... [--json]`: rename, note and tag a run (its record
// folder's labels.json, core/supervisor/runLabels.ts); the editor's views show the same labels.
import { editLabels, type LabelsEdit } from '../../core/supervisor/runLabels';
import { UsageError, type CliIo } from '../io';
import { openWorkspace, resolveRunId, workspaceRoot } from './context';

const USAGE = 'usage: run label ID [--name NAME] [--note TEXT] [--tag TAG]... [--untag TAG]... [--json] [--workspace DIR]';

export async function runLabel(args: string[], io: CliIo): Promise<number> {
  // Flags may repeat (--tag a --tag b), which parseFlags does not keep: read here.
  const values = new Map<string, string[]>();
  const positional: string[] = [];
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') {
      json = true;
      continue;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (!['name', 'note', 'tag', 'untag', 'workspace'].includes(name)) throw new UsageError(`unknown option --${name}\n${USAGE}`);
    const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  if (positional.length !== 1) throw new UsageError(USAGE);
  for (const once of ['name', 'note', 'workspace']) if ((values.get(once)?.length ?? 0) > 1) throw new UsageError(`--${once} given twice`);
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
