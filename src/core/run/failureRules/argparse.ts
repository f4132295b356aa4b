// The script's argparse refused its arguments (`train_….py: error: …`, exit status 2).
import { SCRIPTS, SCRIPT_KINDS, scriptKindFromPath, type ScriptKind } from '../../scripts/scriptTables';
import type { FailureRule, RuleDiagnosis } from './rule';

export const argparseError: FailureRule = {
  id: 'argparse',
  class: 'argparse',
  pattern: /(\S+\.py): error: (.*)/,
  example: "train_text_to_image_sdxl.py: error: argument --lr_scheduler: invalid choice: 'x'",
  diagnose: (c, m) => argparseDiagnosis(m![2]!, scriptKindFromPath(m![1]!) ?? c.input.script ?? undefined),
};

function argparseDiagnosis(error: string, script: ScriptKind | undefined): RuleDiagnosis {
  let m: RegExpExecArray | null;
  const dest = (flag: string) => flag.replace(/^--?/, '');
  if ((m = /the following arguments are required: (.*)/.exec(error))) {
    const first = m[1]!.split(',')[0]!.trim();
    return {
      message: error,
      remedy: `Set the required argument(s) ${m[1]} in the config's args.`,
      configKey: `/args/${dest(first)}`,
    };
  }
  if ((m = /unrecognized arguments: (\S+)/.exec(error))) {
    const flag = m[1]!.split('=')[0]!;
    const key = `/args/${dest(flag)}`;
    return {
      message: error,
      remedy: unknownArgumentRemedy(flag, script),
      configKey: key,
      fix: { title: `Remove ${flag}`, edits: [{ op: 'remove', path: key }] },
    };
  }
  if ((m = /argument (--[\w-]+)/.exec(error))) {
    return {
      message: error,
      remedy: `Fix the value of ${m[1]}: ${error}`,
      configKey: `/args/${dest(m[1]!)}`,
    };
  }
  return { message: error, remedy: 'Fix the script arguments named in the message.' };
}

/**
 * Why the script the user runs does not know `flag`. Our tables come from a newer diffusers than many users' clones:
 * an argument they list for this very script means the installed script is older, not that it belongs elsewhere.
 */
function unknownArgumentRemedy(flag: string, script: ScriptKind | undefined): string {
  const d = flag.replace(/^--?/, '');
  if (script && SCRIPTS[script].byDest.has(d)) {
    const file = SCRIPTS[script].fileName;
    return (
      `The installed ${file} does not know ${flag}: it comes from a newer diffusers release than the script you run. ` +
      `Remove it from the config, or update the script (a diffusers checkout at a newer release, or launch.scriptPath) to one that has it.`
    );
  }
  const others = SCRIPT_KINDS.filter((k) => k !== script && SCRIPTS[k].byDest.has(d)).map((k) => SCRIPTS[k].fileName);
  if (others.length)
    return `This script has no argument ${flag}; remove it (${others.join(' and ')} ${others.length > 1 ? 'have' : 'has'} it: another of the three scripts).`;
  return `This script has no argument ${flag}, nor do the other two SDXL scripts; remove it (check the spelling).`;
}
