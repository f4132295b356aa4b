// How the download talks to the Hub: the endpoint and token as plain values (the extension resolves them from
// HF_ENDPOINT / the token sources), and one fetch for the @huggingface/hub calls and our own, which keeps the Hub's
// X-Error-Code and Retry-After of a refused request: the library's HubApiError drops those headers, and they tell a
// gated repo from a missing one and say how long to wait after a 429.
import { HubApiError } from '@huggingface/hub';
import { HubDownloadError, hubAnswerError, type HubAnswer } from './downloadErrors';
import { hubEndpoint } from './endpoint';

export interface HubAccess {
  /** The endpoint, e.g. `https://huggingface.co` (HF_ENDPOINT), without a trailing slash. */
  hubUrl: string;
  accessToken?: string;
  /** For tests and proxies; default the global fetch. */
  fetch?: typeof fetch;
}

export interface HubClient {
  hubUrl: string;
  accessToken: string | undefined;
  fetch: typeof fetch;
  /** The last refused answer seen, to explain a library error. */
  lastRefusal(): HubAnswer | undefined;
  /** Runs a library call; a refused request becomes a HubDownloadError naming `repo` and `what`. */
  call<T>(repo: string, what: string, run: () => Promise<T>): Promise<T>;
}

export function hubClient(access: HubAccess): HubClient {
  const base = access.fetch ?? fetch;
  let refusal: HubAnswer | undefined;
  const recording: typeof fetch = async (input, init) => {
    const res = await base(input, init);
    if (!res.ok && res.status !== 206) {
      const retry = Number(res.headers.get('retry-after'));
      refusal = {
        status: res.status,
        ...(res.headers.get('x-error-code') ? { errorCode: res.headers.get('x-error-code')! } : {}),
        ...(Number.isFinite(retry) && retry > 0 ? { retryAfter: retry } : {}),
      };
    }
    return res;
  };
  const hubUrl = access.hubUrl.replace(/\/+$/, '');
  const client: HubClient = {
    hubUrl,
    accessToken: access.accessToken,
    fetch: recording,
    lastRefusal: () => refusal,
    async call(repo, what, run) {
      refusal = undefined;
      try {
        return await run();
      } catch (e) {
        if (e instanceof HubDownloadError) throw e;
        if (e instanceof HubApiError) {
          const seen = client.lastRefusal();
          const answer = seen?.status === e.statusCode ? seen : { status: e.statusCode };
          throw hubAnswerError(answer, repo, what, hubUrl, access.accessToken !== undefined);
        }
        if (isAbort(e)) throw new HubDownloadError('cancelled', `Cancelled while asking the Hub about ${what}.`);
        throw new HubDownloadError(
          'network',
          `Could not reach the Hub at ${hubUrl} for ${what} (${networkText(e)}): check the connection (and HF_ENDPOINT), then run Download again.`,
        );
      }
    },
  };
  return client;
}

export function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || (e as { code?: string }).code === 'ABORT_ERR');
}

/** A network failure in words: undici's "fetch failed" hides the real cause in `cause`. */
export function networkText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? ((cause as { code?: string }).code ?? cause.message) : undefined;
  return inner ? `${e.message}: ${inner}` : e.message;
}

/**
 * The endpoint and token of a download. The endpoint is HF_ENDPOINT as the run will see it (`runEnv`: the config's
 * launch.env over this process's environment), since that is where the script looks. The token is the user's
 * (`token`: signed in, $HF_TOKEN or the CLI's token file, see token.ts) and goes only to the endpoint it belongs to,
 * this process's: a config that names another address gets no token, so a workspace cannot choose where it is sent.
 */
export function hubAccessFor(
  runEnv: Readonly<Record<string, string | undefined>>,
  token: string | undefined,
  ownEnv: Readonly<Record<string, string | undefined>> = process.env,
): HubAccess {
  const hubUrl = hubEndpoint(runEnv);
  const sendToken = token !== undefined && token !== '' && hubUrl === hubEndpoint(ownEnv);
  return { hubUrl, ...(sendToken ? { accessToken: token } : {}) };
}
