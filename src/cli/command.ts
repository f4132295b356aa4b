// `sdxl-trainer command FILE [--json | --shell bash|powershell] [--show-secrets]`: the exact launch a config produces.
// Secret values (HF_TOKEN, …) are masked unless --show-secrets: a terminal is read over shoulders, logged and pasted.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { lineColumn, parseConfigText } from '../core/config';
import { buildLaunchPlan } from '../core/launchPlan';
import { SCRIPTS } from '../core/scripts';
import { formatCommandLine, type ShellKind } from '../core/shellQuote';
import { redactArgv, redactEnv, secretsOf } from '../core/redact';
import { parseFlags, UsageError, type CliIo } from './io';

export async function commandCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json', 'show-secrets']);
  if (positional.length !== 1) throw new UsageError('usage: command FILE [--json | --shell bash|powershell] [--show-secrets]');
  const shell = flags.get('shell') ?? 'bash';
  if (shell !== 'bash' && shell !== 'powershell') throw new UsageError('--shell must be bash or powershell');
  const file = resolve(io.cwd, positional[0]!);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    io.err(`sdxl-trainer command: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return 1;
  }
  const parsed = parseConfigText(text);
  if (parsed.problems.length > 0 || !parsed.config) {
    for (const p of parsed.problems) {
      const { line, column } = lineColumn(text, p.offset);
      io.err(`${file}:${line}:${column}: error: ${p.message}\n`);
    }
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
  const plan = buildLaunchPlan(config, file);
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
