// `sdxl-trainer run <subcommand>`: training runs from a terminal (over SSH, in scripts), through the Supervisor the
// extension uses, so a run started here shows up in VS Code and the other way round.
import { UsageError, type CliIo } from '../io';
import { runAccept } from './accept';
import { runLabel } from './label';
import { runList } from './list';
import { runResume } from './resume';
import { runShow } from './show';
import { runStart } from './start';
import { runStop } from './stop';
import { runExportCommand } from './export';
import { runFollow } from './followCommand';

/** Subcommand synopses, for `run --help` and the CLI's help. */
export const RUN_SUBCOMMANDS: ReadonlyArray<[string, string]> = [
  ['run start FILE [--follow] [--json] [--on-existing continue|new|fail] [--profile P]', "start a config's training (refused when it has errors)"],
  ['run list [--json]', 'the runs: id, name, state, step/total, created, config'],
  ['run show ID [--json]', "a run's summary (as summarize), output_dir and checkpoints"],
  ['run stop ID', 'stop a run: every process of it ends (a queued run is removed from the queue)'],
  ['run accept ID [--yes]', 'start a run queued elsewhere (not sealed by this machine): shows its command, then asks'],
  ['run resume ID [--checkpoint N] [--follow] [--json]', 'a new run from the newest complete checkpoint (or checkpoint-N)'],
  ['run label ID [--name N] [--note T] [--tag T]... [--untag T]...', "rename, note and tag a run (an empty --name goes back to the config's)"],
  [
    'run export ID [--csv FILE] [--json FILE] [--images DIR]',
    "a run's metrics (one row per step) as CSV/JSON, its validation images as a folder with an index",
  ],
  ['run follow ID [--json]', 'follow a run started earlier (a Slurm job too) until it ends, as start --follow does'],
];

const SUBCOMMANDS: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
  start: runStart,
  list: runList,
  show: runShow,
  stop: runStop,
  accept: runAccept,
  resume: runResume,
  label: runLabel,
  export: runExportCommand,
  follow: runFollow,
};

export function runUsage(): string {
  return [
    'usage: sdxl-trainer run <subcommand> [options]',
    ...RUN_SUBCOMMANDS.map(([s, what]) => `  ${s}\n      ${what}`),
    'Every subcommand takes --workspace DIR: the folder whose .sdxl/runs holds the records (default: the nearest',
    "folder above FILE, or above the current folder, that has a .sdxl folder; else FILE's folder or the current one).",
    '--on-existing: what to do when output_dir already holds checkpoints, weights or event files of another run:',
    'fail (the default), continue (resume that run from its newest complete checkpoint) or new (write to',
    '<output_dir>-2, -3, …; the config file is left as it is).',
    "--profile local|multi-gpu|multi-node|slurm overrides the config's launch.profile; slurm submits the run with sbatch",
    '(run from a login node; list, show, follow and stop then ask Slurm about the job).',
    'ID may be a unique prefix of a run id. --follow prints progress until the run ends: exit status 0 when it',
    'finished, 1 when it failed or was stopped; Ctrl-C stops the following only, the run goes on.',
  ].join('\n');
}

export async function runCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(runUsage() + '\n');
    return sub ? 0 : 2;
  }
  const command = SUBCOMMANDS[sub];
  if (!command) throw new UsageError(`unknown subcommand '${sub}'\n${runUsage()}`);
  return command(rest, io);
}
