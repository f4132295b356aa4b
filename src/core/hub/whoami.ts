// Who a token belongs to (whoami-v2), to check a token before it is stored and to say who is signed in.
import { whoAmI } from '@huggingface/hub';
import { DEFAULT_TIMEOUT_MS, failureOf, fetchWithDeadline, type Fetch } from './hubFetch';

export type WhoAmI = { ok: true; name: string } | { ok: false; refused: true } | { ok: false; refused: false; reason: string };

export async function tokenOwner(endpoint: string, token: string, options: { fetch?: Fetch; timeoutMs?: number } = {}): Promise<WhoAmI> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    const me = await whoAmI({ accessToken: token, hubUrl: endpoint, fetch: fetchWithDeadline(options.fetch ?? fetch, timeoutMs) });
    return { ok: true, name: me.name };
  } catch (e) {
    const why = failureOf(e, timeoutMs);
    if (why.answered && (why.status === 401 || why.status === 403)) return { ok: false, refused: true };
    return { ok: false, refused: false, reason: why.answered ? `the Hub answered ${why.status}` : why.reason };
  }
}
