// The Hub answers for every id a config names, gathered before validation (the editor and `validate --hub`): checks
// run in parallel, each with its deadline, so the whole takes at most one request's timeout (two for a gated repo).
import type { SdxlConfig } from '../config/config';
import type { HubAccess, HubCheck, HubChecker } from './hubCheck';
import { hubKey, hubRefsOf } from './hubRefs';

/** What the Hub answered for each id (ValidationOptions.hub): plain data, posted to the validation worker. */
export interface HubFacts {
  endpoint: string;
  /** By hubKey(kind, id). */
  checks: Record<string, HubCheck>;
}

/** The Hub ids the config names (local folders left out), as [kind, id]. */
export function hubIdsOf(
  config: SdxlConfig,
  configPath: string | undefined,
  listDir?: (abs: string) => string[] | undefined,
): Array<['model' | 'dataset', string]> {
  const out = new Map<string, ['model' | 'dataset', string]>();
  for (const r of hubRefsOf(config, configPath, listDir)) if (r.ref.kind === 'hub') out.set(hubKey(r.kind, r.ref.id), [r.kind, r.ref.id]);
  return [...out.values()];
}

export async function gatherHubFacts(checker: HubChecker, access: HubAccess, ids: ReadonlyArray<readonly ['model' | 'dataset', string]>): Promise<HubFacts> {
  const answers = await Promise.all(ids.map(async ([kind, id]) => [hubKey(kind, id), await checker.check(access, kind, id)] as const));
  return { endpoint: access.endpoint, checks: Object.fromEntries(answers) };
}

/** Why the Hub was not reached, when some id got no answer (for a status line), else undefined. */
export function unreachableReason(facts: HubFacts): string | undefined {
  const all = Object.values(facts.checks);
  const missed = all.find((c) => c.status === 'unreachable');
  return missed?.reason ?? (missed ? 'no answer' : undefined);
}
