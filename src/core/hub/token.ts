// Which Hugging Face token the editor uses, in the order the user expects: the one they signed in with here (kept in
// the editor's SecretStorage, handed in), then $HF_TOKEN (and the older $HUGGING_FACE_HUB_TOKEN, which huggingface_hub
// still reads), then the file `huggingface-cli login` writes ($HF_TOKEN_PATH, else $HF_HOME/token, else
// ~/.cache/huggingface/token). The result says where the token came from; its value is never shown.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { hfHome } from './cachePaths';

export type TokenSource = 'signed-in' | 'HF_TOKEN' | 'HUGGING_FACE_HUB_TOKEN' | 'token-file';

export interface HubToken {
  value: string;
  source: TokenSource;
  /** The token file read, for source 'token-file'. */
  path?: string;
}

export interface TokenLookup {
  /** The token stored by "SDXL: Sign in to Hugging Face", if any. */
  signedIn?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  home?: string;
  /** Reads a file's text, undefined when it is absent or unreadable (tests stand in their own). */
  readText?: (path: string) => string | undefined;
}

/** Where the Hugging Face CLI keeps its token, as huggingface_hub.constants computes it. */
export function tokenFilePath(env: Readonly<Record<string, string | undefined>> = process.env, home = homedir()): string {
  if (env.HF_TOKEN_PATH) return env.HF_TOKEN_PATH;
  return join(hfHome(env, home), 'token');
}

function readTextFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function resolveHubToken(lookup: TokenLookup = {}): HubToken | undefined {
  const env = lookup.env ?? process.env;
  const signedIn = lookup.signedIn?.trim();
  if (signedIn) return { value: signedIn, source: 'signed-in' };
  for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN'] as const) {
    const v = env[name]?.trim();
    if (v) return { value: v, source: name };
  }
  const path = tokenFilePath(env, lookup.home ?? homedir());
  const text = (lookup.readText ?? readTextFile)(path)?.trim();
  // The file holds the token alone; a first line only, so a stray newline or comment does not become part of it.
  const value = text?.split(/\r?\n/)[0]?.trim();
  return value ? { value, source: 'token-file', path } : undefined;
}

/** Where the token came from, for people (never the value). */
export function describeTokenSource(t: HubToken | undefined): string {
  if (!t) return 'no Hugging Face token (sign in, set HF_TOKEN, or run `huggingface-cli login`)';
  switch (t.source) {
    case 'signed-in':
      return 'the token you signed in with (SDXL: Sign in to Hugging Face)';
    case 'HF_TOKEN':
    case 'HUGGING_FACE_HUB_TOKEN':
      return `$${t.source}`;
    case 'token-file':
      return `the Hugging Face CLI's token file ${t.path}`;
  }
}

/**
 * The Hub language status item's detail: the endpoint's host and, in a word, which token. Kept short: the status
 * hover clips a long row, and its Sign In / Sign Out link with it.
 */
export function hubStatusDetail(endpoint: string, t: HubToken | undefined): string {
  let host = endpoint;
  try {
    host = new URL(endpoint).host || endpoint;
  } catch {
    /* not a URL: shown as it is */
  }
  if (!t) return `${host}, not signed in`;
  const source = t.source === 'signed-in' ? 'signed in' : t.source === 'token-file' ? "the Hugging Face CLI's token" : `$${t.source}`;
  return `${host}, ${source}`;
}

/**
 * The environment a run gets for the signed-in token: HF_TOKEN, unless the config sets a token itself. Only a token
 * signed in here needs passing (the run inherits $HF_TOKEN, and huggingface_hub reads its own token file); it goes
 * the way of every run secret (supervisor/secrets.ts: never in run.json).
 */
export function runTokenEnv(planEnv: Readonly<Record<string, string>>, token: HubToken | undefined): Record<string, string> {
  if (token?.source !== 'signed-in' || planEnv.HF_TOKEN !== undefined || planEnv.HUGGING_FACE_HUB_TOKEN !== undefined) return {};
  return { HF_TOKEN: token.value };
}
