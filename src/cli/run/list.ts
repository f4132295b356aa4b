// `run list [--json]`: the workspace's runs, oldest first, with their step read from the end of each console.
import { relative, isAbsolute } from 'node:path';
import { recordFiles } from '../../core/supervisor/runRecord';
import { readLabelsSync } from '../../core/supervisor/runLabels';
import { tailProgress } from '../../core/supervisor/unknownExit';
import { parseFlags, UsageError, type CliIo } from '../io';
import { onlyFlags, openWorkspace, workspaceRoot } from './context';
import { slurmText } from './slurmText';
import type { SlurmJobRecord } from '../../core/supervisor/slurmTypes';

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
  /** Only for a record whose run.json cannot be read (why); its state then comes from exit.json and console.log. */
  unreadable?: string;
  /** Only for a queued run this machine did not create: it is never started by the queue. */
  foreign?: true;
  /** The user's tags and note (labels.json); `name` is the user's name when given. */
  tags: string[];
  note?: string;
  /** A run of the slurm profile: its job (id, Slurm's state, pending reason, nodes). */
  slurm?: SlurmJobRecord;
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
  const items: RunListItem[] = (await ws.supervisor.list(problems)).map(({ dir, record, unreadable, foreign }) => {
    const labels = readLabelsSync(dir);
    problems.push(...labels.problems);
    return {
      id: record.id,
      name: labels.labels.name ?? record.name,
      state: record.state,
      ...tailProgress(recordFiles(dir).console),
      createdAt: record.createdAt,
      configPath: record.configPath ?? null,
      outputDir: record.outputDir ?? null,
      resumedFrom: record.resumedFrom ?? null,
      ...(unreadable ? { unreadable } : {}),
      ...(foreign ? { foreign: true as const } : {}),
      tags: labels.labels.tags,
      ...(labels.labels.note ? { note: labels.labels.note } : {}),
      ...(record.slurm ? { slurm: record.slurm } : {}),
    };
  });
  for (const p of problems) io.err(`note: ${p}\n`);
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
  // The TAGS column only where some run has tags: an untagged workspace's table reads as before.
  const tagged = items.some((r) => r.tags.length > 0);
  const rows = [
    ['ID', 'NAME', 'STATE', 'STEP', 'CREATED', 'CONFIG', ...(tagged ? ['TAGS'] : [])],
    ...items.map((r) => [
      r.id,
      r.name,
      r.unreadable
        ? `${r.state} (record unreadable)`
        : r.foreign
          ? `${r.state} (elsewhere; not started)`
          : r.slurm
            ? `${r.state} (${slurmText(r.slurm)})`
            : r.state,
      r.step === null ? '-' : `${r.step}/${r.totalSteps ?? '?'}`,
      localTime(r.createdAt),
      config(r.configPath),
      ...(tagged ? [r.tags.map((t) => `#${t}`).join(' ')] : []),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => rows.reduce((w, row) => Math.max(w, row[c]!.length), 0));
  for (const row of rows) io.out(row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ') + '\n');
  const foreign = items.filter((r) => r.foreign && r.state === 'queued');
  if (foreign.length > 0) {
    io.out(
      `\n${foreign.length === 1 ? 'A run was' : `${foreign.length} runs were`} queued elsewhere (this machine did not create ${foreign.length === 1 ? 'its record' : 'their records'}): none starts by itself.\n` +
        `\`sdxl-trainer run accept ${foreign[0]!.id}\` shows what it runs and starts it; \`sdxl-trainer run stop ${foreign[0]!.id}\` removes it.\n`,
    );
  }
  return 0;
}
