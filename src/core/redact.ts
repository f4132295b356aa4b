// Secrets never reach a log: the Hub token in an argv, an environment, or any text that repeats them.
const SECRET_FLAGS = ['--hub_token'];
const SECRET_ENV = /(TOKEN|SECRET|PASSWORD|API_KEY)/i;
export const REDACTED = '***';

/** The argv with the value of every secret flag (`--hub_token X` or `--hub_token=X`) replaced. */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    if (eq > 0 && SECRET_FLAGS.includes(a.slice(0, eq))) out.push(`${a.slice(0, eq)}=${REDACTED}`);
    else if (SECRET_FLAGS.includes(a) && i + 1 < argv.length) {
      out.push(a, REDACTED);
      i++;
    } else out.push(a);
  }
  return out;
}

/** The environment with the values of secret-looking variables (HF_TOKEN, WANDB_API_KEY, …) replaced. */
export function redactEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, SECRET_ENV.test(k) ? REDACTED : v]));
}

/** Replaces every occurrence of the given secret values in a text (e.g. an error message that quotes a command). */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(REDACTED);
  return out;
}

/** The secret values a launch carries, for redactText. */
export function secretsOf(argv: readonly string[], env: Readonly<Record<string, string>>): string[] {
  const found: string[] = [];
  argv.forEach((a, i) => {
    const eq = a.indexOf('=');
    if (eq > 0 && SECRET_FLAGS.includes(a.slice(0, eq))) found.push(a.slice(eq + 1));
    else if (SECRET_FLAGS.includes(a) && argv[i + 1] !== undefined) found.push(argv[i + 1]!);
  });
  for (const [k, v] of Object.entries(env)) if (SECRET_ENV.test(k)) found.push(v);
  return found.filter((s) => s.length > 0);
}
