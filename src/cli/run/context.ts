// Which workspace a `run` subcommand works in, its Supervisor, and run ids as users type them.
// The records are `<workspace>/.sdxl/runs`, the folder the extension uses, so runs show up on both sides.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Supervisor } from '../../core/supervisor/supervisor';
import { workspaceRecordsDir } from '../../core/supervisor/runRecord';
import type { WrapperLauncher } from '../../core/supervisor/launcher';
import { envSecrets } from '../../core/util/redact';
import { UsageError, type CliIo } from '../io';

export interface RunsWorkspace {
  root: string;
  recordsDir: string;
  supervisor: Supervisor;
  /** Where a run's validation images are cut to: `<workspace>/.sdxl/images/<id>`, as in the extension. */
  /** The monitors' image cache (`.sdxl/images`: a run's images in `<it>/<run id>/`). */
  imageCacheDir: string;
  /**
   * Secret values a run may print, masked in everything shown: this process's own (a run inherits them) and those of
   * the plans it starts (run.json keeps none). Hugging Face tokens are masked in any case.
   */
  secrets: string[];
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The nearest folder from `start` upwards that has a `.sdxl` folder; undefined when none does. */
export function findWorkspaceRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (isDir(join(dir, '.sdxl'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** `--workspace DIR`, else the nearest ancestor of `near` with a `.sdxl` folder, else `near` itself. */
export function workspaceRoot(flags: Map<string, string | true>, io: CliIo, near: string): string {
  const given = flags.get('workspace');
  if (given === true) throw new UsageError('--workspace needs a folder');
  if (given !== undefined) {
    const root = resolve(io.cwd, given);
    if (!isDir(root)) throw new UsageError(`--workspace ${root}: no such folder`);
    return root;
  }
  return findWorkspaceRoot(near) ?? resolve(near);
}

/** The wrapper next to the bundled CLI (dist/wrapper.js beside dist/cli.js), run by this same Node. */
function defaultLauncher(): WrapperLauncher {
  return { execPath: process.execPath, wrapperScript: join(__dirname, 'wrapper.js') };
}

export function openWorkspace(root: string, io: CliIo, totalGpus?: number, nvidiaSmi?: string): RunsWorkspace {
  const launcher = io.launcher ?? defaultLauncher();
  const recordsDir = workspaceRecordsDir(root);
  return {
    root,
    recordsDir,
    supervisor: new Supervisor({
      recordsDir,
      ...launcher,
      ...(totalGpus !== undefined ? { totalGpus } : {}),
      ...(nvidiaSmi ? { nvidiaSmi } : {}),
      ...(io.slurm ? { slurm: io.slurm } : {}),
    }),
    imageCacheDir: join(root, '.sdxl', 'images'),
    secrets: envSecrets(process.env),
  };
}

/** Checked before a run is started: without the wrapper the record would only say "it exited at once". */
export function assertWrapper(io: CliIo): void {
  const { wrapperScript } = io.launcher ?? defaultLauncher();
  if (!existsSync(wrapperScript)) throw new Error(`the run wrapper ${wrapperScript} is missing (it is built next to cli.js by \`npm run build\`)`);
}

/** A run id, or a prefix of exactly one; unknown or ambiguous ids are usage errors (exit 2). */
export async function resolveRunId(ws: RunsWorkspace, given: string): Promise<string> {
  const ids = (await ws.supervisor.list()).map((e) => e.record.id);
  if (ids.includes(given)) return given;
  const matches = ids.filter((id) => id.startsWith(given));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new UsageError(`no run '${given}' in ${ws.recordsDir} (\`sdxl-trainer run list\` shows the runs; --workspace DIR picks another workspace)`);
  }
  const shown = matches.slice(0, 5).join(', ');
  throw new UsageError(`'${given}' matches ${matches.length} runs (${shown}${matches.length > 5 ? ', …' : ''}); give more of the id`);
}

/** Throws a usage error for any option not in `allowed`. */
export function onlyFlags(flags: Map<string, string | true>, allowed: readonly string[]): void {
  for (const name of flags.keys()) if (!allowed.includes(name)) throw new UsageError(`unknown option --${name}`);
}

/** A flag that must have a value when given. */
export function stringFlag(flags: Map<string, string | true>, name: string): string | undefined {
  const v = flags.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}
