// From a config to the exact process to start: `accelerate launch [options] script.py [script args]`.
// Pure: no file system access, so it can be shown (and tested) before anything runs.
import * as nodePath from 'node:path';
import { homedir } from 'node:os';
import { isLaunchProfile, LAUNCH_PROFILES, type AccelerateOptions, type LaunchProfile, type SdxlConfig } from '../config/config';
import { SCRIPTS, type ArgSpec, type ArgValue, type ScriptKind } from '../scripts/scriptTables';
import { describeValue } from './describeValue';
import { checkSlurmSettings, distributedLaunch, type SlurmJob } from './profileSettings';

export { describeValue } from './describeValue';
export type { SlurmJob } from './profileSettings';

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

/** A config value that cannot become a program argument or environment entry; the message names its key. */
export class LaunchPlanError extends Error {}

const NUL = '\u0000';

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

/** `launch.slurm` checked (LaunchPlanError naming the key, profileSettings.ts), defaults filled: 1 node, 1 GPU per node. */
export function slurmJobOf(raw: unknown): SlurmJob {
  const { job, problems } = checkSlurmSettings(raw);
  if (problems[0]) throw new LaunchPlanError(problems[0].message);
  return job;
}

/** The profile to build for: the option, else `launch.profile`, else `local`. */
export function profileOf(config: SdxlConfig, opts: LaunchPlanOptions = {}): LaunchProfile {
  const p: unknown = opts.profile ?? config.launch?.profile ?? 'local';
  if (!isLaunchProfile(p)) throw new LaunchPlanError(`launch.profile must be one of ${LAUNCH_PROFILES.join(', ')}, not ${describeValue(p)}`);
  return p;
}

/**
 * False for a Slurm job: it runs on the cluster's nodes, so this machine's GPUs (nvidia-smi on a login node or a
 * laptop) say nothing about whether it fits. True for the other profiles, and for a profile spelt wrong.
 */
export function runsOnLocalGpus(config: SdxlConfig, opts: LaunchPlanOptions = {}): boolean {
  try {
    return profileOf(config, opts) !== 'slurm';
  } catch {
    return true;
  }
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
  const acc = accelerateOptions(launch.accelerateArgs);
  // multi-gpu / multi-node flags the user did not set themselves (profileSettings.ts); none for local and slurm.
  const distributed = distributedLaunch(profile, acc);
  if (distributed.problems[0]) throw new LaunchPlanError(distributed.problems[0].message);
  const argv = [accelerate, 'launch', ...accelerateArgv(acc), ...distributed.words, scriptPath, ...scriptArgv(config.script, config.args ?? {})];
  const plan: LaunchPlan = { argv, env, cwd, script: config.script };
  if (profile !== 'local') plan.profile = profile;
  if (profile === 'slurm') plan.slurm = slurmJobOf(launch.slurm);
  return plan;
}
