// `sdxl-trainer validate FILE [--json] [--gpus] [--nvidia-smi PATH] [--builtin-table] [--hub] [--profile P]`: the
// Problems panel's diagnostics, for CI and scripts (`--profile`: as `run start --profile` would start it). Arguments
// are checked against the config's own script file's table (its --help, cached: see core/scriptHelp) unless
// --builtin-table; which table was used goes to stderr (the JSON: argumentTable).
// --hub checks the model and dataset ids on the Hub too ($HF_ENDPOINT, token from $HF_TOKEN or the CLI's token file);
// without it validate stays offline.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isLaunchProfile, LAUNCH_PROFILES, MAX_CONFIG_BYTES, parseConfigText, type SdxlConfig } from '../core/config/config';
import { validateConfig, type Diagnostic } from '../core/diagnostics';
import { queryGpus } from '../core/gpu/gpuQuery';
import { helpTargetOf } from '../core/scriptHelp/helpTarget';
import { describeTableChoice, type ArgTableChoice } from '../core/scriptHelp/scriptTable';
import { ScriptTableCache } from '../core/scriptHelp/scriptTableCache';
import { parseFlags, UsageError, type CliIo } from './io';
import { hubEndpoint } from '../core/hub/endpoint';
import { resolveHubToken } from '../core/hub/token';
import { HubChecker } from '../core/hub/hubCheck';
import { gatherHubFacts, hubIdsOf, unreachableReason, type HubFacts } from '../core/hub/hubFacts';
import { errText } from '../core/util/errText';

/** The file's text, or why it cannot be a config; never throws. */
export function readConfigFile(file: string): { text: string } | { error: string } {
  try {
    const st = statSync(file);
    if (st.isDirectory()) return { error: 'is a directory, not a config file' };
    if (!st.isFile()) return { error: 'is not a regular file' };
    if (st.size > MAX_CONFIG_BYTES) {
      return { error: `is ${(st.size / 1048576).toFixed(1)} MB; configs over ${MAX_CONFIG_BYTES / 1048576} MB are not read` };
    }
    const buf = readFileSync(file);
    if (buf.subarray(0, 8192).includes(0)) return { error: 'looks like a binary file (it contains NUL bytes), not a JSON config' };
    return { text: buf.toString('utf8').replace(/^\uFEFF/, '') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { error: 'no such file' };
    if (code === 'EACCES' || code === 'EPERM') return { error: 'permission denied' };
    return { error: `cannot be read (${code ?? errText(e)})` };
  }
}

/** The config in `file`, or undefined after saying on stderr why there is none (for commands that only read it). */
export function readConfigOrSay(file: string, io: Pick<CliIo, 'err'>): SdxlConfig | undefined {
  const read = readConfigFile(file);
  if ('error' in read) {
    io.err(`${file}: error: ${file} ${read.error}.\n`);
    return undefined;
  }
  const config = parseConfigText(read.text).config;
  if (!config) io.err(`${file}: error: not a valid training config (\`sdxl-trainer validate\` shows where)\n`);
  return config;
}

export function listDir(abs: string): string[] | undefined {
  try {
    return readdirSync(abs);
  } catch {
    return undefined;
  }
}

/** Where the CLI keeps scripts' argument tables: $SDXL_TRAINER_CACHE_DIR, else the user's cache folder. */
export function cliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SDXL_TRAINER_CACHE_DIR) return env.SDXL_TRAINER_CACHE_DIR;
  const base = process.platform === 'win32' ? env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local') : env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'sdxl-trainer');
}

/** The table the config's arguments are checked against: its script's own, or the built-in one and why. */
async function argTableFor(text: string, file: string, builtinOnly: boolean): Promise<ArgTableChoice | undefined> {
  const config = parseConfigText(text).config;
  if (!config) return undefined;
  if (builtinOnly) return { source: 'builtin', kind: config.script, reason: '--builtin-table was given' };
  const target = helpTargetOf(config, file);
  if ('error' in target) return { source: 'builtin', kind: config.script, reason: `the script cannot be located (${target.error})` };
  return new ScriptTableCache({ cacheDir: join(cliCacheDir(), 'script-help') }).get(target);
}

/** The JSON form: exactly these keys, `fix` only when there is one. */
function toJson(d: Pick<Diagnostic, 'severity' | 'code' | 'message' | 'path' | 'line' | 'column' | 'fix'>): Record<string, unknown> {
  return { severity: d.severity, code: d.code, message: d.message, path: d.path, line: d.line, column: d.column, ...(d.fix ? { fix: d.fix } : {}) };
}

export async function validateCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json', 'gpus', 'builtin-table', 'hub']);
  if (positional.length !== 1)
    throw new UsageError(`usage: validate FILE [--json] [--gpus] [--nvidia-smi PATH] [--builtin-table] [--hub] [--profile ${LAUNCH_PROFILES.join('|')}]`);
  const profile = flags.get('profile');
  if (profile !== undefined && (typeof profile !== 'string' || !isLaunchProfile(profile)))
    throw new UsageError(`--profile must be one of ${LAUNCH_PROFILES.join(', ')}`);
  const json = flags.has('json');
  const file = resolve(io.cwd, positional[0]!);
  const read = readConfigFile(file);
  let diagnostics: Array<Pick<Diagnostic, 'severity' | 'code' | 'message' | 'path' | 'line' | 'column' | 'fix'>>;
  let argTable: ArgTableChoice | undefined;
  let hub: HubFacts | undefined;
  if ('error' in read) {
    diagnostics = [{ severity: 'error', code: 'file', message: `${file} ${read.error}.`, path: '', line: 1, column: 1 }];
  } else {
    const smi = flags.get('nvidia-smi');
    const gpus = flags.has('gpus') || typeof smi === 'string' ? await queryGpus(typeof smi === 'string' ? smi : undefined) : undefined;
    if (flags.has('gpus') && gpus === undefined && !json) io.err('sdxl-trainer validate: nvidia-smi not available; GPU memory not checked\n');
    argTable = await argTableFor(read.text, file, flags.has('builtin-table'));
    if (flags.has('hub')) hub = await hubFactsFor(read.text, file, io.env ?? process.env);
    diagnostics = validateConfig(read.text, {
      configPath: file,
      listDir,
      ...(gpus ? { gpus } : {}),
      ...(argTable ? { argTable } : {}),
      ...(hub ? { hub } : {}),
      ...(profile ? { profile } : {}),
    });
  }
  const notReached = hub ? unreachableReason(hub) : undefined;
  if (json) {
    const hubJson = hub ? { hub: { endpoint: hub.endpoint, reached: notReached === undefined, ...(notReached ? { reason: notReached } : {}) } } : {};
    io.out(JSON.stringify({ diagnostics: diagnostics.map(toJson), ...(argTable ? { argumentTable: tableJson(argTable) } : {}), ...hubJson }, null, 2) + '\n');
  } else {
    for (const d of diagnostics) io.out(`${file}:${d.line}:${d.column}: ${d.severity}: ${oneLine(d.message)} [${d.code}]\n`);
    // On stderr: stdout stays the diagnostics alone (empty for a clean config), for scripts that read it.
    if (argTable) io.err(`sdxl-trainer validate: ${oneLine(describeTableChoice(argTable))}\n`);
    if (notReached) io.err(`sdxl-trainer validate: the Hub (${hub!.endpoint}) was not reached: ${notReached}; model and dataset ids not checked\n`);
  }
  return diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
}

/** The Hub's answers for the config's ids; none asked when the config does not parse. */
async function hubFactsFor(text: string, file: string, env: NodeJS.ProcessEnv): Promise<HubFacts | undefined> {
  const config = parseConfigText(text).config;
  if (!config) return undefined;
  const token = resolveHubToken({ env });
  const access = { endpoint: hubEndpoint(env), ...(token ? { token: token.value } : {}) };
  return gatherHubFacts(new HubChecker(), access, hubIdsOf(config, file, listDir));
}

function tableJson(c: ArgTableChoice): Record<string, unknown> {
  return c.source === 'script'
    ? { source: 'script', scriptPath: c.table.scriptPath, description: describeTableChoice(c) }
    : { source: 'builtin', ...(c.scriptPath ? { scriptPath: c.scriptPath } : {}), reason: c.reason, description: describeTableChoice(c) };
}

/** Keeps one diagnostic per line even when a message quotes a value with line breaks. */
function oneLine(s: string): string {
  return s.replace(/\r?\n/g, '\\n');
}
