// The Runs view's filter (text, state, tag) and grouping (by config, state or tag), and what a run quick pick shows of
// a run so that typing its name, id, start time or a tag finds it. Pure: the extension keeps the choice and draws it.
import type { RunStateName } from '../run/state';

/** What the filter and the grouping look at of one run. */
export interface RunFilterItem {
  id: string;
  /** The name shown (the user's, else the config's). */
  name: string;
  /** The config file the run was started from, when known. */
  configPath?: string;
  state: RunStateName;
  tags: readonly string[];
  note?: string;
  createdAt: string;
}

/** The states the filter and the groups use: every phase of a live run is "running". */
export const STATE_GROUPS = ['running', 'queued', 'finished', 'failed', 'stopped'] as const;
export type StateGroup = (typeof STATE_GROUPS)[number];

export function stateGroup(s: RunStateName): StateGroup {
  return s === 'queued' || s === 'finished' || s === 'failed' || s === 'stopped' ? s : 'running';
}

export interface RunFilter {
  /** Words that must all occur (case-insensitive) in the name, id, config, tags or note. */
  text?: string;
  state?: StateGroup;
  tag?: string;
}

export const GROUP_BYS = ['none', 'config', 'state', 'tag'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

/** A filter and grouping as kept in workspace state: anything not understood is dropped (an older or edited value). */
export function decodeRunsViewChoice(value: unknown): { filter: RunFilter; groupBy: GroupBy } {
  const v = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const f = v.filter && typeof v.filter === 'object' ? (v.filter as Record<string, unknown>) : {};
  const filter: RunFilter = {};
  if (typeof f.text === 'string' && f.text.trim()) filter.text = f.text.trim();
  if (typeof f.state === 'string' && (STATE_GROUPS as readonly string[]).includes(f.state)) filter.state = f.state as StateGroup;
  if (typeof f.tag === 'string' && f.tag.trim()) filter.tag = f.tag.trim();
  const groupBy = typeof v.groupBy === 'string' && (GROUP_BYS as readonly string[]).includes(v.groupBy) ? (v.groupBy as GroupBy) : 'none';
  return { filter, groupBy };
}

export function isFilterEmpty(f: RunFilter): boolean {
  return !f.text && !f.state && !f.tag;
}

/** The config's file name without folders and `.sdxl.json`: how a group of its runs is titled. */
export function configTitle(configPath: string | undefined): string {
  if (!configPath) return '(no config)';
  const base = configPath.split(/[\\/]/).pop() ?? configPath;
  return base.replace(/\.sdxl\.json$/i, '') || base;
}

export function matchesFilter(item: RunFilterItem, f: RunFilter): boolean {
  if (f.state && stateGroup(item.state) !== f.state) return false;
  if (f.tag && !item.tags.some((t) => t.toLowerCase() === f.tag!.toLowerCase())) return false;
  if (f.text) {
    const hay = [item.name, item.id, configTitle(item.configPath), ...item.tags.map((t) => `#${t}`), item.note ?? ''].join('\n').toLowerCase();
    for (const word of f.text.toLowerCase().split(/\s+/)) if (word && !hay.includes(word)) return false;
  }
  return true;
}

/** The filter in words, for the view's description ("tag: best · failed · "lr""); '' when none. */
export function describeFilter(f: RunFilter, groupBy: GroupBy): string {
  const parts: string[] = [];
  if (f.text) parts.push(`"${f.text}"`);
  if (f.state) parts.push(f.state);
  if (f.tag) parts.push(`#${f.tag}`);
  if (groupBy !== 'none') parts.push(`by ${groupBy}`);
  return parts.join(' · ');
}

export interface RunGroup<T> {
  /** Stable across refreshes: the tree keeps a group's expansion by it. */
  key: string;
  title: string;
  items: T[];
}

/**
 * The runs in groups, in their given order within each group. Groups of configs and tags are sorted by title, states in
 * STATE_GROUPS order; a run with several tags is in each of their groups, one with none in "(no tag)" at the end.
 */
export function groupRuns<T extends RunFilterItem>(items: readonly T[], by: Exclude<GroupBy, 'none'>): RunGroup<T>[] {
  const groups = new Map<string, RunGroup<T>>();
  const add = (key: string, title: string, item: T) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, title, items: [] }));
    g.items.push(item);
  };
  for (const item of items) {
    if (by === 'config') add(`config:${item.configPath ?? ''}`, configTitle(item.configPath), item);
    else if (by === 'state') add(`state:${stateGroup(item.state)}`, stateGroup(item.state), item);
    else if (item.tags.length === 0) add('tag:', '(no tag)', item);
    else for (const t of item.tags) add(`tag:${t.toLowerCase()}`, `#${t}`, item);
  }
  const list = [...groups.values()];
  if (by === 'state') return list.sort((a, b) => STATE_GROUPS.indexOf(a.title as StateGroup) - STATE_GROUPS.indexOf(b.title as StateGroup));
  const last = by === 'tag' ? 'tag:' : 'config:';
  return list.sort((a, b) => Number(a.key === last) - Number(b.key === last) || a.title.localeCompare(b.title));
}

/** Every tag of the runs, each once (the first spelling), sorted: the tag quick picks offer these. */
export function knownTags(items: ReadonlyArray<{ tags: readonly string[] }>): string[] {
  const seen = new Map<string, string>();
  for (const i of items) for (const t of i.tags) if (!seen.has(t.toLowerCase())) seen.set(t.toLowerCase(), t);
  return [...seen.values()].sort((a, b) => a.localeCompare(b));
}

/** A local time as people type it when looking for a run: `2026-11-29 14:05`. */
export function pickTime(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '';
  const two = (n: number) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} ${two(t.getHours())}:${two(t.getMinutes())}`;
}

/**
 * What a run quick pick shows of a run: the name as label, id and start time as description, state and tags as detail.
 * With matchOnDescription and matchOnDetail, typing any of them finds the run.
 */
export function runPickFields(run: { id: string; name: string; createdAt: string; tags: readonly string[]; summary: string }): {
  label: string;
  description: string;
  detail: string;
} {
  const time = pickTime(run.createdAt);
  return {
    label: run.name,
    description: time ? `${run.id} · ${time}` : run.id,
    detail: [run.summary, ...run.tags.map((t) => `#${t}`)].filter(Boolean).join(' · '),
  };
}
