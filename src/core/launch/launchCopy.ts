// What the Launch Command view shows and copies: exactly what Start runs (its working folder, its environment
// additions, its argv), as a bash or PowerShell command line, with secrets masked so they never reach a clipboard or
// a screenshot; the view says when something was masked.
import type { LaunchPlan } from './launchPlan';
import { HF_TOKEN_RE, maskSecret, redactArgv, redactEnv, redactText, secretsOf } from '../util/redact';
import { formatCommandLine } from './shellQuote';

export interface CopyableCommand {
  bash: string;
  powershell: string;
  /** The masked forms that stand in for secrets (e.g. `hf_…abcd`); empty when the plan holds none. */
  masked: string[];
}

/**
 * Masks every secret of the plan (and any Hugging Face token) in a text; `masked` collects the masked forms shown, for
 * the view to say what was hidden. Shared by the command line and the Slurm job script views.
 */
export function secretMasker(plan: Pick<LaunchPlan, 'argv' | 'env'>): { secrets: string[]; mask: (text: string) => string; masked: Set<string> } {
  const secrets = secretsOf(plan.argv, plan.env);
  const masked = new Set<string>();
  const mask = (text: string): string => {
    const out = redactText(text, secrets);
    if (out !== text) {
      for (const s of secrets) if (text.includes(s)) masked.add(maskSecret(s));
      for (const m of text.matchAll(HF_TOKEN_RE)) masked.add(maskSecret(m[0]));
    }
    return out;
  };
  return { secrets, mask, masked };
}

/**
 * The command as Start runs it, every secret masked by redact.ts (the one masking: `hf_…` + last 4): secret flags and
 * secret environment values, then every other occurrence of those values or of any Hugging Face token in an argument,
 * a value or the folder. `masked` lists the masked forms, for the view to say what was hidden.
 */
export function copyableCommand(plan: Pick<LaunchPlan, 'argv' | 'env' | 'cwd'>): CopyableCommand {
  const { mask, masked } = secretMasker(plan);
  const argv = redactArgv(plan.argv).map(mask);
  const redactedEnv = redactEnv(plan.env);
  const env = Object.fromEntries(
    Object.keys(plan.env).map((k) => {
      if (redactedEnv[k] !== plan.env[k]) masked.add(redactedEnv[k]!);
      return [k, mask(redactedEnv[k]!)];
    }),
  );
  const opts = { cwd: mask(plan.cwd), env };
  return {
    bash: formatCommandLine(argv, 'bash', opts),
    powershell: formatCommandLine(argv, 'powershell', opts),
    masked: [...masked],
  };
}
