// `run export ID (--csv FILE | --json FILE | --images DIR)…`: a run's metrics as CSV or JSON and its validation images
// as a folder, through the same core as the extension's export commands (core/view/runExport.ts).
import { resolve } from 'node:path';
import { exportRun } from '../../core/view/runExport';
import { redactText } from '../../core/util/redact';
import { parseFlags, UsageError, type CliIo } from '../io';
import { onlyFlags, openWorkspace, resolveRunId, stringFlag, workspaceRoot } from './context';

export async function runExportCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args);
  onlyFlags(flags, ['csv', 'json', 'images', 'workspace']);
  const usage = 'usage: run export ID [--csv FILE] [--json FILE] [--images DIR] [--workspace DIR] (at least one of the three)';
  if (positional.length !== 1) throw new UsageError(usage);
  const at = (name: string) => {
    const v = stringFlag(flags, name);
    return v === undefined ? undefined : resolve(io.cwd, v);
  };
  const targets = { csv: at('csv'), json: at('json'), images: at('images') };
  if (targets.csv === undefined && targets.json === undefined && targets.images === undefined) throw new UsageError(usage);
  const ws = openWorkspace(workspaceRoot(flags, io, io.cwd), io);
  const id = await resolveRunId(ws, positional[0]!);
  const { dir, record } = await ws.supervisor.get(id);
  const r = await exportRun(
    { id, name: record.name, dir, startedAt: record.startedAt, endedAt: record.endedAt },
    {
      ...(targets.csv !== undefined ? { csv: targets.csv } : {}),
      ...(targets.json !== undefined ? { json: targets.json } : {}),
      ...(targets.images !== undefined ? { images: targets.images } : {}),
    },
    { secrets: ws.secrets, imageCacheDir: ws.imageCacheDir },
  );
  if (targets.csv) io.out(`metrics (CSV): ${targets.csv}\n`);
  if (targets.json) io.out(`metrics (JSON): ${targets.json}\n`);
  if (r.images) io.out(`${r.images.copied.length} validation image(s) and index.csv/index.json: ${targets.images}\n`);
  for (const note of r.notes) io.err(`note: ${redactText(note, ws.secrets)}\n`);
  return 0;
}
