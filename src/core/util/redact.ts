// Secrets never reach a log or a view: the Hub token in an argv, an environment, or any text that repeats them.
// The one redaction of the code base: the console parser applies it to every line it keeps (so the reducer's texts,
// every view and `summarize` are redacted), and the output channel, notifications, Problems, the dashboard and the
// CLI apply it again to what they print. A secret is shown as `hf_…` + its last 4 characters at most.
const SECRET_FLAGS = ['--hub_token'];
/** HF_TOKEN, HUGGING_FACE_HUB_TOKEN, WANDB_API_KEY, AWS_SECRET_ACCESS_KEY, …: a whole word of the name, so that
 * TOKENIZERS_PARALLELISM=false is not taken for a secret (and "false" masked in every console line). */
const SECRET_ENV = /(?:^|_)(?:TOKEN|SECRET|PASSWORD|API_KEY)(?:_|$)/i;
/** What a short secret becomes (its last 4 characters would give most of it away). */
export const REDACTED = '***';
/** Hugging Face tokens (`hf_` + 34 letters and digits today) wherever they appear, known to us or not. */
export const HF_TOKEN_RE = /(?<![A-Za-z0-9])hf_[A-Za-z0-9]{20,}/g;
/** The start of a token cut off at the end of a truncated text: masked too, however short. */
const HF_TOKEN_TAIL_RE = /(?<![A-Za-z0-9])hf_[A-Za-z0-9]+$/;
/** Shorter known secrets are not searched for: "1234" would mask step counts and leaves little to hide anyway. */
const MIN_KNOWN = 6;

/** A secret-looking environment variable name (HF_TOKEN, WANDB_API_KEY, …). */
export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV.test(name);
}

/** How a secret is shown: `hf_…wxyz` (or `…wxyz`), `***` when it is too short to show a part of it. */
export function maskSecret(value: string): string {
  if (value.length < 12) return REDACTED;
  return `${value.startsWith('hf_') ? 'hf_' : ''}…${value.slice(-4)}`;
}

/** The argv with the value of every secret flag (`--hub_token X` or `--hub_token=X`) masked. */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    if (eq > 0 && SECRET_FLAGS.includes(a.slice(0, eq))) out.push(`${a.slice(0, eq)}=${maskSecret(a.slice(eq + 1))}`);
    else if (SECRET_FLAGS.includes(a) && i + 1 < argv.length) {
      out.push(a, maskSecret(argv[i + 1]!));
      i++;
    } else out.push(redactText(a));
  }
  return out;
}

/** The environment with the values of secret-looking variables (HF_TOKEN, WANDB_API_KEY, …) masked. */
export function redactEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, isSecretEnvName(k) ? maskSecret(v) : redactText(v)]));
}

/**
 * Masks every occurrence of the given secret values, then any Hugging Face token, in a text (a console line, an
 * error message that quotes a command). `truncated`: the text was cut, so a token at its very end may be cut too.
 */
export function redactText(text: string, secrets: readonly string[] = [], truncated = false): string {
  return applyRedaction(text, secrets.length ? knownSecrets(secrets) : secrets, truncated);
}

/** A redactor bound to a run's known secrets, prepared once (for the console parser's every line). */
export function redactorOf(secrets: readonly string[] = []): (text: string, truncated?: boolean) => string {
  const known = knownSecrets(secrets);
  return (text, truncated = false) => applyRedaction(text, known, truncated);
}

/** Longest first, so a secret that contains another is masked whole. */
function knownSecrets(secrets: readonly string[]): string[] {
  return [...new Set(secrets)].filter((s) => s.length >= MIN_KNOWN).sort((a, b) => b.length - a.length);
}

function applyRedaction(text: string, known: readonly string[], truncated: boolean): string {
  let out = text;
  for (const s of known) if (out.includes(s)) out = out.split(s).join(maskSecret(s));
  if (!out.includes('hf_')) return out;
  out = out.replace(HF_TOKEN_RE, maskSecret);
  return truncated ? out.replace(HF_TOKEN_TAIL_RE, (t) => (t.length >= 12 ? maskSecret(t) : REDACTED)) : out;
}

/** The secret values a launch carries, for redactText. */
export function secretsOf(argv: readonly string[], env: Readonly<Record<string, string>>): string[] {
  const found: string[] = [];
  argv.forEach((a, i) => {
    const eq = a.indexOf('=');
    if (eq > 0 && SECRET_FLAGS.includes(a.slice(0, eq))) found.push(a.slice(eq + 1));
    else if (SECRET_FLAGS.includes(a) && argv[i + 1] !== undefined) found.push(argv[i + 1]!);
  });
  return [...found, ...envSecrets(env)];
}

/**
 * The values of an environment's secret-looking variables. For process.env: a run's training inherits the
 * environment of whoever started it, so the editor's or the shell's own HF_TOKEN is one of the run's secrets too.
 */
export function envSecrets(env: Readonly<Record<string, string | undefined>>): string[] {
  const found: string[] = [];
  for (const [k, v] of Object.entries(env)) if (isSecretEnvName(k) && v) found.push(v);
  return found;
}

/** Secret values learnt along the way (the plans a window started, its own environment's), for every output. */
export class KnownSecrets {
  private readonly values: string[] = [];

  constructor(initial: Iterable<string> = []) {
    this.add(initial);
  }

  add(values: Iterable<string>): void {
    for (const v of values) if (v.length >= MIN_KNOWN && !this.values.includes(v)) this.values.push(v);
  }

  get list(): readonly string[] {
    return this.values;
  }

  /** redactText with every secret known so far. */
  redact(text: string): string {
    return redactText(text, this.values);
  }
}
