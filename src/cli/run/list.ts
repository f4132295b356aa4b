// `run list [--json]`: the workspace's runs, oldest first, with their step read from the end of each console.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import { ConsoleParser } from '../../core/monitor/consoleParser';
import { recordFiles } from '../../core/supervisor/runRecord';
import { parseFlags, UsageError, type CliIo } from '../io';
import { onlyFlags, openWorkspace, workspaceRoot } from './context';

/** How much of the end of a console is read for the latest Steps bar: the list costs the same for every run length. */
const TAIL_BYTES = 256 * 1024;

/** The last `Steps:` bar's step and total in the last TAIL_BYTES of a console; nulls when there is none. */
export function tailProgress(consolePath: string): { step: number | null; totalSteps: number | null } {
  let fd: number | undefined;
  try {
    fd = openSync(consolePath, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(length);
    const got = readSync(fd, buf, 0, length, size - length);
    const parser = new ConsoleParser();
    let step: number | null = null;
    let totalSteps: number | null = null;
    for (const batch of [parser.push(buf.subarray(0, got)), parser.end()]) {
      for (const e of batch) {
        if (e.type === 'progress') {
          step = e.step;
          totalSteps = e.total ?? totalSteps;
        }
      }
    }
    return { step, totalSteps };
  } catch {
    return { step: null, totalSteps: null };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface RunListItem {
  id: string;
  name: string;
  state: string;
  step: number | null;
  totalSteps: number | null;
  createdAt: string;
  configPath: string | null;
  outputDir: string | null;
  resumedFrom: string | null;
}

/** Local time, `YYYY-MM-DD HH:MM:SS`. */
function localTime(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())} ${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}`;
}

export async function runList(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json']);
  onlyFlags(flags, ['json', 'workspace']);
  if (positional.length > 0) throw new UsageError('usage: run list [--json] [--workspace DIR]');
  const ws = openWorkspace(workspaceRoot(flags, io, io.cwd), io);
  const problems: string[] = [];
  const items: RunListItem[] = ws.supervisor.list(problems).map(({ dir, record }) => ({
    id: record.id,
    name: record.name,
    state: record.state,
    ...tailProgress(recordFiles(dir).console),
    createdAt: record.createdAt,
    configPath: record.configPath ?? null,
    outputDir: record.outputDir ?? null,
    resumedFrom: record.resumedFrom ?? null,
  }));
  for (const p of problems) io.err(`note: skipped an unreadable run record: ${p}\n`);
  if (flags.has('json')) {
    io.out(JSON.stringify(items) + '\n');
    return 0;
  }
  if (items.length === 0) {
    io.out(`no runs in ${ws.recordsDir}\n`);
    return 0;
  }
  const config = (p: string | null) => {
    if (!p) return '-';
    const rel = relative(ws.root, p);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
  };
  const rows = [['ID', 'NAME', 'STATE', 'STEP', 'CREATED', 'CONFIG'], ...items.map((r) => [
    r.id, r.name, r.state, r.step === null ? '-' : `${r.step}/${r.totalSteps ?? '?'}`, localTime(r.createdAt), config(r.configPath),
  ])];
  const widths = rows[0]!.map((_, c) => rows.reduce((w, row) => Math.max(w, row[c]!.length), 0));
  for (const row of rows) io.out(row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ') + '\n');
  return 0;
}
