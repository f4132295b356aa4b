// What the Launch Command view shows and copies: exactly what Start runs (its working folder, its environment
// additions, its argv), as a bash or PowerShell command line, with secrets masked so they never reach a clipboard or
// a screenshot; the view says when something was masked.
import type { LaunchPlan } from './launchPlan';
import { redactArgv, redactEnv } from './redact';
import { formatCommandLine } from './shellQuote';

export interface CopyableCommand {
  bash: string;
  powershell: string;
  /** The masked forms that stand in for secrets (e.g. `hf_…abcd`); empty when the plan holds none. */
  masked: string[];
}

/** A secret as it may be shown: a Hugging Face token as `hf_…` plus its last 4 characters, others as `…` plus theirs. */
export function maskSecret(secret: string): string {
  const prefix = secret.startsWith('hf_') ? 'hf_' : '';
  // Short secrets show nothing of themselves: 4 characters of 8 would be half of it.
  const tail = secret.length >= 12 ? secret.slice(-4) : '';
  return `${prefix}…${tail}`;
}

/** Length of the common start of two strings. */
function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * `words` with secrets masked: where `redacted` (redact.ts's verdict, word by word) differs, the rest of the word
 * after the part both share (`--hub_token=`) is a secret. Other occurrences of a secret long enough not to be a
 * common word are masked too (a token repeated in another argument).
 */
function maskWords(words: readonly string[], redacted: readonly string[], found: Map<string, string>): string[] {
  const out = words.map((w, i) => {
    const r = redacted[i] ?? w;
    if (r === w) return w;
    const keep = commonPrefix(w, r);
    const secret = w.slice(keep);
    if (secret === '') return w;
    found.set(secret, maskSecret(secret));
    return w.slice(0, keep) + maskSecret(secret);
  });
  return out;
}

function maskRepeats(text: string, found: ReadonlyMap<string, string>): string {
  let out = text;
  for (const [secret, masked] of [...found].sort((a, b) => b[0].length - a[0].length)) {
    if (secret.length >= 8) out = out.split(secret).join(masked);
  }
  return out;
}

export function copyableCommand(plan: Pick<LaunchPlan, 'argv' | 'env' | 'cwd'>): CopyableCommand {
  const found = new Map<string, string>();
  const argvMasked = maskWords(plan.argv, redactArgv(plan.argv), found);
  const names = Object.keys(plan.env);
  const redactedEnv = redactEnv(plan.env);
  const envMasked = maskWords(names.map((k) => plan.env[k]!), names.map((k) => redactedEnv[k] ?? plan.env[k]!), found);
  // Masked forms left in place are kept whole; other copies of the secrets go too.
  const argv = argvMasked.map((w) => maskRepeats(w, found));
  const env = Object.fromEntries(names.map((k, i) => [k, maskRepeats(envMasked[i]!, found)]));
  const opts = { cwd: maskRepeats(plan.cwd, found), env };
  return {
    bash: formatCommandLine(argv, 'bash', opts),
    powershell: formatCommandLine(argv, 'powershell', opts),
    masked: [...new Set(found.values())],
  };
}
