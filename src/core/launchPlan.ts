// From a config to the exact process to start: `accelerate launch [options] script.py [script args]`.
// Pure: no file system access, so it can be shown (and tested) before anything runs.
import * as nodePath from 'node:path';
import { homedir } from 'node:os';
import type { AccelerateOptions, SdxlConfig } from './config';
import { SCRIPTS, type ArgSpec, type ArgValue, type ScriptKind } from './scripts';

export interface LaunchPlan {
  /** argv[0] is the executable; spawn it with the rest as arguments, never through a shell. */
  argv: string[];
  /** Variables to add to the inherited environment (the caller merges them over process.env). */
  env: Record<string, string>;
  cwd: string;
  script: ScriptKind;
}

export interface LaunchPlanOptions {
  /** Platform whose path rules and executable names apply. Default: process.platform. */
  platform?: NodeJS.Platform;
  /** Home folder for a leading `~` in paths. Default: os.homedir(). */
  home?: string;
}

/** Text form of a number that Python's int()/float() reads back to the same value. */
export function numberText(value: number, type: ArgSpec['type'] | 'int'): string {
  // String() switches to exponent form from 1e21, which int() rejects; BigInt prints every digit.
  if (type === 'int' && Number.isInteger(value)) return BigInt(value).toString();
  return String(value);
}

/**
 * argv elements for one script argument, or none when it is not passed.
 * - `store_true` flags: `--flag` when true, nothing when false.
 * - `type=bool`: argparse calls bool() on the string, so only an empty string gives False:
 *   false → `--name=`, true → `--name=True`.
 * - null / undefined: not passed (the script's default applies).
 * - values starting with `-` use `--name=value` so argparse does not read them as an option.
 */
export function argWords(spec: ArgSpec, value: ArgValue | undefined): string[] {
  if (value === null || value === undefined) return [];
  if (spec.type === 'bool-flag') return value === true ? [spec.name] : [];
  if (spec.type === 'bool') {
    if (typeof value === 'boolean') return [`${spec.name}=${value ? 'True' : ''}`];
    return [`${spec.name}=${String(value)}`];
  }
  const text = typeof value === 'number' ? numberText(value, spec.type) : String(value);
  return text.startsWith('-') ? [`${spec.name}=${text}`] : [spec.name, text];
}

/**
 * Script arguments that travel in the environment instead of the command line: `hub_token` becomes HF_TOKEN.
 * All three SDXL scripts use args.hub_token only for `create_repo(…, token=args.hub_token)` (and their check that
 * refuses it with report_to wandb); `upload_folder` gets no token at all, and huggingface_hub reads HF_TOKEN whenever
 * a token is None. So HF_TOKEN does everything --hub_token did (and the final upload too), while an argv is readable
 * by every user of the machine (ps, /proc/<pid>/cmdline), is quoted whole by accelerate's CalledProcessError on every
 * failed launch, and is stored by the scripts' `init_trackers(config=vars(args))` in the TensorBoard hparams of
 * output_dir.
 */
export const ENV_ARGS: Readonly<Record<string, string>> = { hub_token: 'HF_TOKEN' };

/**
 * Script arguments in the order of the script's argument table; keys the script does not know are skipped, and so
 * are those passed in the environment (ENV_ARGS).
 */
export function scriptArgv(kind: ScriptKind, args: Record<string, ArgValue>): string[] {
  const out: string[] = [];
  for (const spec of SCRIPTS[kind].args) {
    if (Object.prototype.hasOwnProperty.call(ENV_ARGS, spec.dest)) continue;
    if (Object.prototype.hasOwnProperty.call(args, spec.dest)) out.push(...argWords(spec, args[spec.dest]));
  }
  return out;
}

/** `accelerate launch` options in the config's order: true → `--name`, false/null → left out, else `--name value`. */
export function accelerateArgv(opts: AccelerateOptions | Record<string, unknown> | undefined): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(opts ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (value === true) out.push(`--${name}`);
    else if (typeof value === 'number') out.push(`--${name}`, numberText(value, Number.isInteger(value) ? 'int' : 'float'));
    else if (typeof value === 'string') out.push(...(value.startsWith('-') ? [`--${name}=${value}`] : [`--${name}`, value]));
  }
  return out;
}

function hasSeparator(p: string, path: typeof nodePath.posix): boolean {
  return p.includes('/') || (path.sep === '\\' && p.includes('\\'));
}

/** A leading `~` means the home folder, as in a shell (nothing is spawned through a shell, so expand it here). */
function expandHome(p: string, path: typeof nodePath.posix, home: string): string {
  if (p === '~' || p.startsWith('~/') || (path.sep === '\\' && p.startsWith('~\\'))) return path.join(home, p.slice(1));
  return p;
}

/** Bare names stay as they are (found on PATH); paths are made absolute against `base`. */
function resolveExecutable(p: string, base: string, path: typeof nodePath.posix, home: string): string {
  const expanded = expandHome(p, path, home);
  return hasSeparator(expanded, path) ? path.resolve(base, expanded) : expanded;
}

/** Build the process to start for a config stored at `configPath`. */
export function buildLaunchPlan(config: SdxlConfig, configPath: string, opts: LaunchPlanOptions = {}): LaunchPlan {
  const platform = opts.platform ?? process.platform;
  const path = platform === 'win32' ? nodePath.win32 : nodePath.posix;
  const home = opts.home ?? homedir();
  const info = SCRIPTS[config.script];
  if (!info) throw new Error(`Unknown script ${JSON.stringify(config.script)}`);
  const launch = config.launch ?? {};
  const configDir = path.dirname(path.resolve(configPath));

  let accelerate: string;
  if (typeof launch.accelerate === 'string' && launch.accelerate !== '') {
    accelerate = resolveExecutable(launch.accelerate, configDir, path, home);
  } else {
    const python = typeof launch.python === 'string' ? resolveExecutable(launch.python, configDir, path, home) : '';
    // The venv's accelerate sits next to its python (bin/ on POSIX, Scripts\ on Windows).
    accelerate = hasSeparator(python, path)
      ? path.join(path.dirname(python), platform === 'win32' ? 'accelerate.exe' : 'accelerate')
      : 'accelerate';
  }

  // A relative scriptPath stays relative: Python reads it against cwd.
  const scriptPath = typeof launch.scriptPath === 'string' && launch.scriptPath !== ''
    ? expandHome(launch.scriptPath, path, home)
    : info.fileName;
  const cwd = path.resolve(configDir, typeof launch.cwd === 'string' ? expandHome(launch.cwd, path, home) : '.');

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(launch.env ?? {})) {
    if (typeof v === 'string') env[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') env[k] = String(v);
  }
  // The monitor reads the console live; Python buffers stdout when it is not a terminal.
  env.PYTHONUNBUFFERED = '1';
  // The config's hub_token wins over launch.env's HF_TOKEN, as --hub_token would have (see ENV_ARGS).
  for (const [dest, name] of Object.entries(ENV_ARGS)) {
    const value = config.args?.[dest];
    if (typeof value === 'string' && value !== '') env[name] = value;
  }

  const argv = [
    accelerate, 'launch',
    ...accelerateArgv(launch.accelerateArgs),
    scriptPath,
    ...scriptArgv(config.script, config.args ?? {}),
  ];
  return { argv, env, cwd, script: config.script };
}

