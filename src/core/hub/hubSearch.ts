// Hub search for completion of ids as the user types: at most `limit` ids containing the typed text, most downloaded
// first (the Hub's own order). Answers are cached a few minutes per (endpoint, kind, query); a newer search of the
// same kind aborts the one it supersedes, and every request has a deadline. Never rejects: no answer is no ids.
import { listDatasets, listModels } from '@huggingface/hub';
import { DEFAULT_TIMEOUT_MS, fetchWithDeadline, type Fetch } from './hubFetch';
import type { HubAccess } from './hubCheck';
import type { RepoKind } from './hubRefs';

export const SEARCH_LIMIT = 20;
const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 200;

export interface SearchResult {
  ids: string[];
  /** False when the Hub was not reached (or the search was superseded): the ids are then empty. */
  ok: boolean;
}

export class HubSearch {
  private readonly cache = new Map<string, { at: number; ids: string[] }>();
  private readonly running = new Map<RepoKind, AbortController>();
  private readonly fetch: Fetch;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  /** Searches sent to the Hub (tests read it). */
  requests = 0;

  constructor(options: { fetch?: Fetch; timeoutMs?: number; now?: () => number; limit?: number } = {}) {
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
    this.limit = options.limit ?? SEARCH_LIMIT;
  }

  private readonly limit: number;

  async search(access: HubAccess, kind: RepoKind, query: string, signal?: AbortSignal): Promise<SearchResult> {
    const q = query.trim();
    if (q.length < 2) return { ids: [], ok: true };
    const key = `${access.endpoint}\0${kind}\0${q.toLowerCase()}`;
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < TTL_MS) return { ids: hit.ids, ok: true };
    this.running.get(kind)?.abort();
    const mine = new AbortController();
    this.running.set(kind, mine);
    const onAbort = (): void => mine.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const params = {
      search: { query: q },
      limit: this.limit,
      hubUrl: access.endpoint,
      fetch: fetchWithDeadline(this.fetch, this.timeoutMs, mine.signal),
      ...(access.token ? { accessToken: access.token } : {}),
    };
    const ids: string[] = [];
    try {
      this.requests++;
      const it = kind === 'model' ? listModels(params) : listDatasets(params);
      for await (const entry of it) {
        ids.push(entry.name);
        if (ids.length >= this.limit) break;
      }
    } catch {
      return { ids: [], ok: false };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (this.running.get(kind) === mine) this.running.delete(kind);
    }
    this.cache.delete(key);
    this.cache.set(key, { at: this.now(), ids });
    while (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return { ids, ok: true };
  }
}
