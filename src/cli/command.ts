// `sdxl-trainer command FILE [--json | --shell bash|powershell] [--show-secrets]`: the exact launch a config produces.
// Secret values (HF_TOKEN, …) are masked unless --show-secrets: a terminal is read over shoulders, logged and pasted.
import { resolve } from 'node:path';
import { parseConfigText } from '../core/config/config';
import { buildLaunchPlan, LaunchPlanError, type LaunchPlan } from '../core/launch/launchPlan';
import { SCRIPTS } from '../core/scripts/scriptTables';
import { formatCommandLine, type ShellKind } from '../core/launch/shellQuote';
import { redactArgv, redactEnv, secretsOf } from '../core/util/redact';
import { parseFlags, UsageError, type CliIo } from './io';
import { printParseProblems } from './parseProblems';
import { readConfigFile } from './validate';

export async function commandCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json', 'show-secrets']);
  if (positional.length !== 1) throw new UsageError('usage: command FILE [--json | --shell bash|powershell] [--show-secrets]');
  const shell = flags.get('shell') ?? 'bash';
  if (shell !== 'bash' && shell !== 'powershell') throw new UsageError('--shell must be bash or powershell');
  const file = resolve(io.cwd, positional[0]!);
  // The reader validate uses: regular files only (a FIFO would block, /dev/zero never end), size cap, BOM dropped.
  const read = readConfigFile(file);
  if ('error' in read) {
    io.err(`${file}: error: ${file} ${read.error}.\n`);
    return 1;
  }
  const text = read.text;
  const parsed = parseConfigText(text);
  if (parsed.problems.length > 0 || !parsed.config) {
    printParseProblems(io, file, text, parsed.problems);
    if (parsed.problems.length === 0) io.err(`${file}: error: not a valid training config\n`);
    return 1;
  }
  const config = parsed.config;
  if (typeof config.args !== 'object' || config.args === null || Array.isArray(config.args)) {
    io.err(`${file}: error: "args" must be an object\n`);
    return 1;
  }
  const info = SCRIPTS[config.script];
  for (const key of Object.keys(config.args)) {
    if (!info.byDest.has(key)) io.err(`${file}: warning: args.${key} is not an argument of ${info.fileName}; it is not passed\n`);
  }
  let plan: LaunchPlan;
  try {
    plan = buildLaunchPlan(config, file);
  } catch (e) {
    if (!(e instanceof LaunchPlanError)) throw e;
    io.err(`${file}: error: ${e.message} (\`sdxl-trainer validate\` shows where)\n`);
    return 1;
  }
  const show = flags.has('show-secrets');
  const secrets = secretsOf(plan.argv, plan.env);
  const argv = show ? plan.argv : redactArgv(plan.argv);
  const env = show ? plan.env : redactEnv(plan.env);
  if (flags.has('json')) {
    io.out(JSON.stringify({ argv, env, cwd: plan.cwd }, null, 2) + '\n');
  } else {
    io.out(formatCommandLine(argv, shell as ShellKind, { env, cwd: plan.cwd }) + '\n');
  }
  if (!show && secrets.length > 0) io.err('note: secret values are masked; --show-secrets prints them\n');
  return 0;
}
