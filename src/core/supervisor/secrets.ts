// How a run's secret environment values (HF_TOKEN, WANDB_API_KEY, …) reach its training without ever being written
// into run.json, which lives in the workspace (world-readable before, and easy to commit):
// - run.json keeps the plan with each secret value replaced by SECRET_PLACEHOLDER;
// - a run started now gets the values through its wrapper's spawn environment (SECRETS_ENV, a JSON object), which
//   the wrapper removes from its own environment at once, so they reach neither a queued run it starts later nor
//   anything but the training;
// - a queued run (started later by another run's wrapper, maybe with the editor closed) keeps them in SECRETS_FILE,
//   mode 0600 in its record folder, which the wrapper reads and deletes as it starts the run; a queued run that is
//   removed or cannot start loses the file too. Queueing is kept for runs with secrets because the queue advances
//   without the editor; the file lives only until the run starts, and `.sdxl/` carries a `.gitignore`.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isSecretEnvName } from '../util/redact';
import type { LaunchPlan } from './types';

/** What run.json holds in place of a secret value. */
export const SECRET_PLACEHOLDER = '<secret: passed to the run, not stored>';
/** The wrapper's spawn-environment variable carrying the secrets of the run it starts now. */
export const SECRETS_ENV = 'SDXL_RUN_SECRETS';
/** A queued run's secrets, in its record folder until it starts. */
export const SECRETS_FILE = 'secrets.json';

export type Secrets = Record<string, string>;

/**
 * The plan as run.json may keep it (secret values replaced by SECRET_PLACEHOLDER) and the values taken out.
 * `known`: values for placeholders the plan already carries (a resume of a recorded plan), used when given.
 */
export function splitSecrets(plan: LaunchPlan, known: Secrets = {}): { plan: LaunchPlan; secrets: Secrets } {
  const env: Record<string, string> = {};
  const secrets: Secrets = {};
  for (const [k, v] of Object.entries(plan.env)) {
    if (!isSecretEnvName(k)) {
      env[k] = v;
      continue;
    }
    env[k] = SECRET_PLACEHOLDER;
    if (v !== SECRET_PLACEHOLDER) secrets[k] = v;
    else if (known[k] !== undefined) secrets[k] = known[k]!;
  }
  return { plan: { ...plan, env }, secrets };
}

/**
 * The environment the training gets: the recorded plan's, with each placeholder replaced by its value; a placeholder
 * without one (its value was lost: a resume of a recorded plan, a secrets file deleted) is left out rather than passed
 * as a wrong value, and named in `missing`.
 */
export function mergeSecrets(planEnv: Readonly<Record<string, string>>, secrets: Secrets): { env: Record<string, string>; missing: string[] } {
  const env: Record<string, string> = {};
  const missing: string[] = [];
  for (const [k, v] of Object.entries(planEnv)) {
    if (v !== SECRET_PLACEHOLDER) env[k] = v;
    else if (secrets[k] !== undefined) env[k] = secrets[k]!;
    else missing.push(k);
  }
  return { env, missing };
}

/** SECRETS_ENV's value for a wrapper's spawn environment, or undefined when there is nothing to pass. */
export function secretsEnvValue(secrets: Secrets): string | undefined {
  return Object.keys(secrets).length ? JSON.stringify(secrets) : undefined;
}

/** Parses SECRETS_ENV's value or a secrets file: string values only; anything else gives no secrets. */
export function parseSecrets(text: string | undefined): Secrets {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

export function secretsFile(recordDir: string): string {
  return join(recordDir, SECRETS_FILE);
}

/** Writes a queued run's secrets, readable by the owner only (created with mode 0600, never widened). */
export function writeSecretsFile(recordDir: string, secrets: Secrets): void {
  const fd = openSync(secretsFile(recordDir), 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(secrets));
  } finally {
    closeSync(fd);
  }
}

/** Reads and deletes a run's secrets file (none: no secrets). */
export function takeSecretsFile(recordDir: string): Secrets {
  let text: string | undefined;
  try {
    text = readFileSync(secretsFile(recordDir), 'utf8');
  } catch {
    return {};
  }
  removeSecretsFile(recordDir);
  return parseSecrets(text);
}

/** Deletes a run's secrets file, if any (a queued run removed, failed or settled). Never throws. */
export function removeSecretsFile(recordDir: string): void {
  try {
    rmSync(secretsFile(recordDir), { force: true });
  } catch {
    // an unreadable folder: nothing more to do here
  }
}
