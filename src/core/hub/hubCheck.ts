// Does a model or dataset id exist on the Hub, and may this token read it? One answer per (endpoint, token, id),
// cached for a while (shorter when negative, shortest when the Hub was not reached) and shared by concurrent callers,
// so typing in a config never sends the same request twice. Built on @huggingface/hub's modelInfo / datasetInfo, and
// for a gated repo a one-byte ranged request of a file (fileDownloadInfo), the only way to learn whether access was
// granted. The token's value never leaves this module except in the Authorization header; the cache key holds a hash.
import { createHash } from 'node:crypto';
import { datasetInfo, fileDownloadInfo, modelInfo } from '@huggingface/hub';
import { DEFAULT_TIMEOUT_MS, failureOf, fetchWithDeadline, type Fetch } from './hubFetch';
import { hubKey, type RepoKind } from './hubRefs';

export type HubStatus = 'exists' | 'not-found' | 'gated' | 'unauthorized' | 'unreachable';

/** Plain data (posted to the validation worker as it is). */
export interface HubCheck {
  status: HubStatus;
  /** Whether a token was sent. */
  withToken: boolean;
  /** The repo's gating, when gated. */
  gated?: 'auto' | 'manual';
  /** For 'unauthorized': the token was refused (invalid or expired), not merely absent. */
  tokenRefused?: boolean;
  /** For 'unreachable': why, for the status line. */
  reason?: string;
}

export interface HubAccess {
  endpoint: string;
  token?: string | undefined;
}

export interface HubCheckerOptions {
  timeoutMs?: number;
  fetch?: Fetch;
  now?: () => number;
  /** How long answers are kept, by kind of answer (ms). */
  ttl?: { found?: number; negative?: number; unreachable?: number };
  /** At most this many answers are kept (oldest dropped first). */
  maxEntries?: number;
}

const TTL = { found: 10 * 60_000, negative: 60_000, unreachable: 10_000 };

/** How long an answer holds (the defaults): a found id for minutes, a negative one a minute, "not reached" seconds. */
export function answerTtl(r: HubCheck): number {
  return r.status === 'exists' ? TTL.found : r.status === 'unreachable' ? TTL.unreachable : TTL.negative;
}

interface Entry {
  at: number;
  result: Promise<HubCheck>;
  settled?: HubCheck;
}

/** A short hash that tells tokens apart in a cache key without holding them. */
export function tokenIdentity(token: string | undefined): string {
  return token ? createHash('sha256').update(token).digest('hex').slice(0, 16) : 'anonymous';
}

export class HubChecker {
  private readonly cache = new Map<string, Entry>();
  private readonly timeoutMs: number;
  private readonly fetch: Fetch;
  private readonly now: () => number;
  private readonly ttl: typeof TTL;
  private readonly maxEntries: number;
  /** Requests sent (tests read it). */
  requests = 0;

  constructor(options: HubCheckerOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetch = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.ttl = { ...TTL, ...options.ttl };
    this.maxEntries = options.maxEntries ?? 500;
  }

  /** The answer for `id`; never rejects (a failure to reach the Hub is the 'unreachable' answer). */
  check(access: HubAccess, kind: RepoKind, id: string): Promise<HubCheck> {
    const key = `${access.endpoint}\0${tokenIdentity(access.token)}\0${hubKey(kind, id)}`;
    const hit = this.cache.get(key);
    if (hit && (!hit.settled || this.now() - hit.at < this.ttlOf(hit.settled))) return hit.result;
    const entry: Entry = { at: this.now(), result: this.ask(access, kind, id) };
    this.cache.delete(key);
    this.cache.set(key, entry);
    void entry.result.then((r) => {
      entry.settled = r;
      entry.at = this.now();
    });
    while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    return entry.result;
  }

  /** Forgets every answer (a new token signed in: what it may read differs). */
  clear(): void {
    this.cache.clear();
  }

  private ttlOf(r: HubCheck): number {
    return r.status === 'exists' ? this.ttl.found : r.status === 'unreachable' ? this.ttl.unreachable : this.ttl.negative;
  }

  private async ask(access: HubAccess, kind: RepoKind, id: string): Promise<HubCheck> {
    const withToken = !!access.token;
    let retryAfter: string | null = null;
    const f = fetchWithDeadline(this.fetch, this.timeoutMs, undefined, (r) => {
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
    });
    const common = { hubUrl: access.endpoint, fetch: f, ...(access.token ? { accessToken: access.token } : {}) };
    const failed = (e: unknown): HubCheck => {
      const why = failureOf(e, this.timeoutMs, retryAfter);
      if (!why.answered) return { status: 'unreachable', withToken, reason: why.reason };
      if (why.status === 404) return { status: 'not-found', withToken };
      // Without a token the Hub answers 401 for a repo that is missing or private alike; with one, 401 = token refused.
      if (why.status === 401) return { status: 'unauthorized', withToken, ...(withToken ? { tokenRefused: true } : {}) };
      if (why.status === 403) return { status: 'unauthorized', withToken };
      return { status: 'unreachable', withToken, reason: `the Hub answered ${why.status}` };
    };
    let gated: false | 'auto' | 'manual';
    try {
      this.requests++;
      const info = kind === 'model' ? await modelInfo({ name: id, ...common }) : await datasetInfo({ name: id, ...common });
      gated = info.gated;
    } catch (e) {
      return failed(e);
    }
    if (!gated) return { status: 'exists', withToken };
    // A gated repo's info is public; its files are not. One byte of a file says whether this token was granted access
    // (a missing file answers EntryNotFound, i.e. null, only once access is granted).
    try {
      this.requests++;
      await fileDownloadInfo({ repo: { type: kind, name: id }, path: kind === 'model' ? 'model_index.json' : 'README.md', ...common });
      return { status: 'exists', withToken, gated };
    } catch (e) {
      const r = failed(e);
      if (r.status === 'unauthorized' && !r.tokenRefused) return { status: 'gated', withToken, gated };
      return r.status === 'not-found' ? { status: 'exists', withToken, gated } : { ...r, gated };
    }
  }
}
