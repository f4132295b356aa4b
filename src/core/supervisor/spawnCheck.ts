// Why the operating system cannot start a launch plan as recorded, said in words: spawn() would throw synchronously
// (Node's ERR_INVALID_ARG_VALUE) on a NUL character in the command, an argument, an environment entry or the working
// folder. buildLaunchPlan refuses such plans, but a record may come from elsewhere (an older version, an edit).
// Values are never quoted: they may be secrets.
import type { LaunchPlan } from './types';

const NUL = '\u0000';

/** Which flag a word belongs to, for the message: `--name=value` or the value after `--name`. */
function flagOf(argv: readonly string[], i: number): string | undefined {
  const word = argv[i]!;
  if (word.startsWith('--')) {
    const eq = word.indexOf('=');
    return eq > 2 ? word.slice(0, eq) : undefined;
  }
  const before = argv[i - 1];
  return i > 1 && before?.startsWith('--') && !before.includes('=') ? before : undefined;
}

export function unspawnableReason(plan: LaunchPlan): string | undefined {
  const argv = plan.argv;
  if (argv[0]?.includes(NUL)) return 'the program path contains a NUL character';
  for (let i = 1; i < argv.length; i++) {
    if (!argv[i]!.includes(NUL)) continue;
    const flag = flagOf(argv, i);
    return `argument ${i}${flag ? ` (${flag})` : ''} contains a NUL character`;
  }
  if (plan.cwd.includes(NUL)) return 'the working folder path contains a NUL character';
  for (const [k, v] of Object.entries(plan.env)) {
    const name = k.includes(NUL) ? JSON.stringify(k) : k;
    if (k.includes(NUL)) return `the name of environment variable ${name} contains a NUL character`;
    if (typeof v === 'string' && v.includes(NUL)) return `environment variable ${name} contains a NUL character`;
  }
  return undefined;
}
