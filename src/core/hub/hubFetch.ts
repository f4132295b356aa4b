// Every Hub request with a deadline (AbortSignal): a hung Hub or a black-holed network must never leave a check
// pending. What went wrong is sorted into "the Hub answered no" (401/403/404) and "the Hub was not reached"
// (offline, DNS, refused, timeout, 5xx, 429): only the first may become a diagnostic.
import { HubApiError } from '@huggingface/hub';

export const DEFAULT_TIMEOUT_MS = 5000;

export type Fetch = typeof fetch;

/** A fetch for the @huggingface/hub client that gives up after `timeoutMs` or when `signal` aborts. */
export function fetchWithDeadline(base: Fetch, timeoutMs: number, signal?: AbortSignal, seen?: (r: Response) => void): Fetch {
  return async (input, init) => {
    const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : []), ...(init?.signal ? [init.signal] : [])];
    const r = await base(input, { ...init, signal: AbortSignal.any(signals) });
    seen?.(r);
    return r;
  };
}

export type Failure = { answered: true; status: number } | { answered: false; reason: string };

/** Why a request failed: the Hub's answer, or why it was not reached (a sentence for the status line). */
export function failureOf(e: unknown, timeoutMs: number, retryAfter?: string | null): Failure {
  if (e instanceof HubApiError) {
    if (e.statusCode === 429) return { answered: false, reason: `the Hub is rate-limiting requests${retryAfter ? ` (retry after ${retryAfter} s)` : ''}` };
    if (e.statusCode >= 500) return { answered: false, reason: `the Hub answered ${e.statusCode} (a server error)` };
    return { answered: true, status: e.statusCode };
  }
  const name = e instanceof Error ? e.name : '';
  if (name === 'TimeoutError') return { answered: false, reason: `no answer within ${Math.round(timeoutMs / 100) / 10} s` };
  if (name === 'AbortError') return { answered: false, reason: 'cancelled' };
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : undefined;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { answered: false, reason: "the Hub's address could not be resolved (offline?)" };
  if (code === 'ECONNREFUSED') return { answered: false, reason: 'the connection was refused (offline, or a wrong HF_ENDPOINT?)' };
  if (cause?.name === 'TimeoutError') return { answered: false, reason: `no answer within ${Math.round(timeoutMs / 100) / 10} s` };
  return { answered: false, reason: `${code ?? (cause ?? (e instanceof Error ? e : undefined))?.message ?? String(e)} (offline?)` };
}
