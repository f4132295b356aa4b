// Why a download stopped, in words that name the repo (and file) and say the next step. Never holds a token.
export type DownloadErrorKind =
  | 'not-found'
  | 'unauthorized'
  | 'gated'
  | 'rate-limited'
  | 'disk-full'
  | 'cache-unwritable'
  | 'busy'
  | 'cancelled'
  | 'network'
  | 'checksum'
  | 'missing-files'
  | 'hub-error';

export class HubDownloadError extends Error {
  constructor(
    readonly kind: DownloadErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'HubDownloadError';
  }
}

export interface HubAnswer {
  status: number;
  /** The Hub's X-Error-Code header (RepoNotFound, GatedRepo, EntryNotFound, RevisionNotFound, …). */
  errorCode?: string;
  /** Seconds, from Retry-After. */
  retryAfter?: number;
}

/**
 * The error for a refused Hub request. `what` names the thing asked for (`stabilityai/x` or `stabilityai/x: unet/…`);
 * `hadToken` tells "needs a token" from "the token is not enough", as the Hub answers 401 for both a missing repo and a
 * gated one when no token is sent.
 */
export function hubAnswerError(answer: HubAnswer, repo: string, what: string, hubUrl: string, hadToken: boolean): HubDownloadError {
  const { status, errorCode } = answer;
  const signIn = 'sign in with "SDXL: Sign in to Hugging Face" (or set HF_TOKEN) and run Download again';
  if (status === 429) {
    const wait = answer.retryAfter !== undefined ? `about ${answer.retryAfter} s` : 'a minute';
    return new HubDownloadError(
      'rate-limited',
      `The Hub rate-limited the download of ${what} (429). Wait ${wait} and run Download again; partial files are kept and resumed.`,
    );
  }
  if (errorCode === 'GatedRepo' || status === 403) {
    return hadToken
      ? new HubDownloadError(
          'gated',
          `${repo} is gated and your token has no access (${status}): accept its conditions at ${hubUrl}/${repo} with the account of your token, then run Download again.`,
        )
      : new HubDownloadError('unauthorized', `${repo} is gated (${status}): accept its conditions at ${hubUrl}/${repo}, then ${signIn}.`);
  }
  if (status === 401) {
    return hadToken
      ? new HubDownloadError(
          'unauthorized',
          `The Hub refused your token for ${what} (401 ${errorCode ?? ''}`.trimEnd() + `): sign in again with a valid token.`,
        )
      : new HubDownloadError(
          'unauthorized',
          `${what}: the Hub answered 401 (no token sent): the repo does not exist, or is private or gated. Check the id; if it is right, ${signIn}.`,
        );
  }
  if (status === 404) {
    if (errorCode === 'RevisionNotFound')
      return new HubDownloadError('not-found', `${what}: revision not found on ${hubUrl} (404): check "revision" in the config.`);
    if (errorCode === 'EntryNotFound')
      return new HubDownloadError('not-found', `${what}: file not found on ${hubUrl} (404); it was listed a moment ago: run Download again.`);
    return new HubDownloadError('not-found', `${repo} was not found on ${hubUrl} (404): check the model id${hadToken ? '' : ', or sign in if it is private'}.`);
  }
  return new HubDownloadError('hub-error', `The Hub answered ${status}${errorCode ? ` (${errorCode})` : ''} for ${what}: try again later.`);
}

/** Bytes in words for messages: `1.2 GB`, `512 kB`. */
export function bytesText(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
