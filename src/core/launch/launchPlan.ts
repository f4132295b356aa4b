// From a config to the exact process to start: `accelerate launch [options] script.py [script args]`.
// Pure: no file system access, so it can be shown (and tested) before anything runs.
import * as nodePath from 'node:path';
import { homedir } from 'node:os';
import {
  isLaunchProfile,
  LAUNCH_PROFILES,
  SLURM_KEYS,
  type AccelerateOptions,
  type LaunchProfile,
  type SdxlConfig,
  type SlurmSettings,
} from '../config/config';
import { SCRIPTS, type ArgSpec, type ArgValue, type ScriptKind } from '../scripts/scriptTables';

export interface LaunchPlan {
  /** argv[0] is the executable; spawn it with the rest as arguments, never through a shell. */
  argv: string[];
  /** Variables to add to the inherited environment (the caller merges them over process.env). */
  env: Record<string, string>;
  cwd: string;
  script: ScriptKind;
  /** The launch profile it was built for; absent means `local`. */
  profile?: LaunchProfile;
  /**
   * Profile `slurm`: the job to submit. argv is then what each node runs (`accelerate launch … script.py …`, before the
   * distributed flags sbatchScript.ts adds from Slurm's environment), and nothing of it runs on this machine.
   */
  slurm?: SlurmJob;
}

/** `launch.slurm` checked, with its defaults filled in: what sbatchScript.ts writes. */
export interface SlurmJob extends SlurmSettings {
  nodes: number;
  gpusPerNode: number;
}

/** A config value that cannot become a program argument or environment entry; the message names its key. */
export class LaunchPlanError extends Error {}

const NUL = '\u0000';

/** A config value in words, for errors and diagnostics ("an object", "the string \"…\""); argChecks uses it too. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `${typeof v} ${String(v)}`;
}

/** `where` for a key that may itself hold odd characters: `launch.env["A\u0000"]`. */
function keyPath(parent: string, key: string): string {
  return /^[\w.$-]+$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** The string itself, unless it holds a NUL: the OS takes arguments and variables as C strings, so spawn would throw. */
function text(where: string, s: string): string {
  if (s.includes(NUL)) throw new LaunchPlanError(`${where} contains a NUL character (\\u0000), which no program argument or environment variable can carry`);
  return s;
}

export interface LaunchPlanOptions {
  /** Overrides `launch.profile` (the CLI's `--profile`). */
  profile?: LaunchProfile;
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
 * argv elements for one script argument, or none when it is not passed. Throws LaunchPlanError for a value that would
 * reach the script as something else: an object or array (no script argument takes a list: see launchValues.test.ts),
 * a switch that is not true/false (it would be dropped), a NUL character.
 * - `store_true` flags: `--flag` when true, nothing when false.
 * - `type=bool`: argparse calls bool() on the string, so only an empty string gives False:
 *   false → `--name=`, true → `--name=True`.
 * - null / undefined: not passed (the script's default applies).
 * - values starting with `-` use `--name=value` so argparse does not read them as an option.
 */
export function argWords(spec: ArgSpec, value: ArgValue | undefined, where = `args.${spec.dest}`): string[] {
  // Typed as the config promises, checked as the JSON may hold.
  const v: unknown = value;
  if (v === null || v === undefined) return [];
  if (typeof v === 'object') throw new LaunchPlanError(`${where} is ${describeValue(v)}: ${spec.name} takes one value (a string, number or boolean)`);
  if (spec.type === 'bool-flag') {
    if (typeof v !== 'boolean') throw new LaunchPlanError(`${where} is a switch: use true or false, not ${describeValue(v)}`);
    return v ? [spec.name] : [];
  }
  if (spec.type === 'bool') {
    if (typeof v === 'boolean') return [`${spec.name}=${v ? 'True' : ''}`];
    return [`${spec.name}=${text(where, String(v))}`];
  }
  const word = typeof v === 'number' ? numberText(v, spec.type) : text(where, String(v));
  return word.startsWith('-') ? [`${spec.name}=${word}`] : [spec.name, word];
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

/**
 * `accelerate launch` options in the config's order: true → `--name`, false/null → left out, else `--name value`.
 * Throws LaunchPlanError for an object or array value (accelerate's options take one value) or a NUL character.
 */
export function accelerateArgv(opts: AccelerateOptions | Record<string, unknown> | undefined): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(opts ?? {})) {
    const where = keyPath('launch.accelerateArgs', name);
    if (value === null || value === undefined || value === false) continue;
    text(`The name of ${where}`, name);
    if (value === true) out.push(`--${name}`);
    else if (typeof value === 'number') out.push(`--${name}`, numberText(value, Number.isInteger(value) ? 'int' : 'float'));
    else if (typeof value === 'string') out.push(...(value.startsWith('-') ? [`--${name}=${text(where, value)}`] : [`--${name}`, text(where, value)]));
    else throw new LaunchPlanError(`${where} is ${describeValue(value)}: accelerate's --${name} takes one value (a string, number or boolean)`);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A `launch` path setting: undefined when unset (or empty, meaning the default), else the string. */
function launchPath(launch: Record<string, unknown>, key: 'python' | 'accelerate' | 'scriptPath' | 'cwd'): string | undefined {
  const v = launch[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new LaunchPlanError(`launch.${key} must be a string (a path), not ${describeValue(v)}`);
  return text(`launch.${key}`, v);
}

/** The config's environment additions; names must be non-empty without `=` (the OS splits entries at the first one). */
function launchEnv(env: unknown): Record<string, string> {
  if (env === undefined || env === null) return {};
  if (!isObject(env)) throw new LaunchPlanError(`launch.env must be an object of NAME: "value" pairs, not ${describeValue(env)}`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    const where = keyPath('launch.env', k);
    if (k === '' || k.includes('=')) throw new LaunchPlanError(`${where}: an environment variable name cannot be empty or contain "="`);
    text(`The name of ${where}`, k);
    if (typeof v === 'string') out[k] = text(where, v);
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else if (v !== null && v !== undefined) throw new LaunchPlanError(`${where} is ${describeValue(v)}: an environment variable holds one string`);
  }
  return out;
}

function accelerateOptions(v: unknown): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new LaunchPlanError(`launch.accelerateArgs must be an object of accelerate options, not ${describeValue(v)}`);
  return v;
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

function positiveInt(where: string, v: unknown, min: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new LaunchPlanError(`${where} must be an integer >= ${min}, not ${describeValue(v)}`);
  return v;
}

/** One line of a job script: no line break, or it would become a line of its own (an `#SBATCH` option, a command). */
function oneLine(where: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new LaunchPlanError(`${where} must be a string, not ${describeValue(v)}`);
  if (/[\r\n\u0000]/.test(v)) throw new LaunchPlanError(`${where} must be one line: it holds a line break or NUL character`);
  return v;
}

function lines(where: string, v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new LaunchPlanError(`${where} must be an array of strings, not ${describeValue(v)}`);
  return v.map((x, i) => oneLine(`${where}[${i}]`, x)!);
}

/** `launch.slurm` checked (LaunchPlanError naming the key), defaults filled: 1 node, 1 GPU per node. */
export function slurmJobOf(raw: unknown): SlurmJob {
  if (raw !== undefined && raw !== null && !isObject(raw))
    throw new LaunchPlanError(`launch.slurm must be an object of sbatch settings, not ${describeValue(raw)}`);
  const s: Record<string, unknown> = isObject(raw) ? raw : {};
  const job: SlurmJob = {
    nodes: positiveInt('launch.slurm.nodes', s.nodes, 1) ?? 1,
    gpusPerNode: positiveInt('launch.slurm.gpusPerNode', s.gpusPerNode, 0) ?? 1,
  };
  for (const key of ['partition', 'account', 'qos', 'memory', 'time'] as const) {
    const v = oneLine(`launch.slurm.${key}`, s[key]);
    if (v !== undefined && v !== '') job[key] = v;
  }
  const cpus = positiveInt('launch.slurm.cpusPerTask', s.cpusPerTask, 1);
  if (cpus !== undefined) job.cpusPerTask = cpus;
  const port = positiveInt('launch.slurm.mainProcessPort', s.mainProcessPort, 1);
  if (port !== undefined) {
    if (port > 65535) throw new LaunchPlanError(`launch.slurm.mainProcessPort must be a port (1…65535), not ${port}`);
    job.mainProcessPort = port;
  }
  const setup = lines('launch.slurm.setup', s.setup);
  if (setup?.length) job.setup = setup;
  const extra = lines('launch.slurm.sbatchArgs', s.sbatchArgs);
  if (extra?.length) job.sbatchArgs = extra;
  const unknown = Object.keys(s).filter((k) => !(SLURM_KEYS as readonly string[]).includes(k));
  if (unknown.length)
    throw new LaunchPlanError(`launch.slurm has unknown key(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')} (expected ${SLURM_KEYS.join(', ')})`);
  return job;
}

/** The profile to build for: the option, else `launch.profile`, else `local`. */
export function profileOf(config: SdxlConfig, opts: LaunchPlanOptions = {}): LaunchProfile {
  const p: unknown = opts.profile ?? config.launch?.profile ?? 'local';
  if (!isLaunchProfile(p)) throw new LaunchPlanError(`launch.profile must be one of ${LAUNCH_PROFILES.join(', ')}, not ${describeValue(p)}`);
  return p;
}

/**
 * Build the process to start for a config stored at `configPath`. Throws LaunchPlanError, naming the key, for a value
 * that cannot be passed as the config says (validateConfig reports each as an error diagnostic first).
 */
export function buildLaunchPlan(config: SdxlConfig, configPath: string, opts: LaunchPlanOptions = {}): LaunchPlan {
  const platform = opts.platform ?? process.platform;
  const path = platform === 'win32' ? nodePath.win32 : nodePath.posix;
  const home = opts.home ?? homedir();
  const info = SCRIPTS[config.script];
  if (!info) throw new Error(`Unknown script ${JSON.stringify(config.script)}`);
  const launch: Record<string, unknown> = { ...config.launch };
  const configDir = path.dirname(path.resolve(configPath));

  let accelerate: string;
  const accelerateSetting = launchPath(launch, 'accelerate');
  const pythonSetting = launchPath(launch, 'python');
  if (accelerateSetting !== undefined) {
    accelerate = resolveExecutable(accelerateSetting, configDir, path, home);
  } else {
    const python = pythonSetting !== undefined ? resolveExecutable(pythonSetting, configDir, path, home) : '';
    // The venv's accelerate sits next to its python (bin/ on POSIX, Scripts\ on Windows).
    accelerate = hasSeparator(python, path) ? path.join(path.dirname(python), platform === 'win32' ? 'accelerate.exe' : 'accelerate') : 'accelerate';
  }

  // A relative scriptPath stays relative: Python reads it against cwd. One starting with `-` would reach accelerate's
  // argparse as an option, so it is made unambiguous the way a shell user would (`./-x.py`).
  const scriptSetting = launchPath(launch, 'scriptPath');
  const script = scriptSetting !== undefined ? expandHome(scriptSetting, path, home) : info.fileName;
  const scriptPath = script.startsWith('-') ? `.${path.sep}${script}` : script;
  const cwdSetting = launchPath(launch, 'cwd');
  const cwd = path.resolve(configDir, cwdSetting !== undefined ? expandHome(cwdSetting, path, home) : '.');

  const env = launchEnv(launch.env);
  // The monitor reads the console live; Python buffers stdout when it is not a terminal.
  env.PYTHONUNBUFFERED = '1';
  // The config's hub_token wins over launch.env's HF_TOKEN, as --hub_token would have (see ENV_ARGS).
  for (const [dest, name] of Object.entries(ENV_ARGS)) {
    const value = config.args?.[dest];
    if (typeof value === 'string' && value !== '') env[name] = value;
  }

  const profile = profileOf(config, opts);
  const argv = [accelerate, 'launch', ...accelerateArgv(accelerateOptions(launch.accelerateArgs)), scriptPath, ...scriptArgv(config.script, config.args ?? {})];
  const plan: LaunchPlan = { argv, env, cwd, script: config.script };
  if (profile !== 'local') plan.profile = profile;
  if (profile === 'slurm') plan.slurm = slurmJobOf(launch.slurm);
  return plan;
}
