// Which config values name a Hub repo and which a local folder, decided as the Python libraries decide it: diffusers'
// from_pretrained and datasets' load_dataset take an existing directory first, and only otherwise a repo id
// (huggingface_hub's validate_repo_id: `name` or `org/name`, letters, digits, `-`, `_`, `.`). Values written as paths
// (`./x`, `/x`, `C:\x`, `~/x`, anything with a backslash) are paths even when missing: sending them to the Hub would
// only turn a missing folder into a confusing "repo not found".
import { isAbsolute, resolve } from 'node:path';
import type { SdxlConfig } from '../config/config';
import { buildLaunchPlan } from '../launch/launchPlan';

export type RepoKind = 'model' | 'dataset';

/** The arguments that name a model or a dataset, and what a local folder for each must hold. */
export const HUB_ARGS: ReadonlyArray<{ dest: string; kind: RepoKind; needs?: string; what: string }> = [
  { dest: 'pretrained_model_name_or_path', kind: 'model', needs: 'model_index.json', what: 'base model' },
  { dest: 'pretrained_vae_model_name_or_path', kind: 'model', needs: 'config.json', what: 'VAE' },
  { dest: 'dataset_name', kind: 'dataset', what: 'dataset' },
];

/** huggingface_hub's REPO_ID_REGEX, plus its rules against `--` and `..`. */
const REPO_ID = /^(?:[\w\-.]+\/)?[\w\-.]{1,96}$/;

export function looksLikePath(value: string): boolean {
  return /^(?:\.{1,2}(?:[\\/]|$)|[\\/]|~|[A-Za-z]:)/.test(value) || value.includes('\\');
}

export function isRepoId(value: string): boolean {
  return REPO_ID.test(value) && !value.includes('--') && !value.includes('..') && !/^[-.]|[-.]$/.test(value) && !/[-.]\//.test(value) && !/\/[-.]/.test(value);
}

export type RefKind = { kind: 'hub'; id: string } | { kind: 'path' };

/** `isDir`: whether the value, resolved where the script will resolve it, is an existing folder (unknown: undefined). */
export function classifyRef(value: string, isDir: boolean | undefined): RefKind {
  if (isDir) return { kind: 'path' };
  if (looksLikePath(value) || !isRepoId(value)) return { kind: 'path' };
  return { kind: 'hub', id: value };
}

export interface HubRef {
  dest: string;
  kind: RepoKind;
  /** A folder must hold this file to be loadable (absent: any folder). */
  needs?: string;
  what: string;
  value: string;
  /** Where the script finds the value as a folder (absolute), when the config's location is known. */
  abs?: string;
  ref: RefKind;
}

/** The folder the script resolves a relative path against: the run's working folder, as the launch plan decides. */
export function runPathOf(config: SdxlConfig, configPath: string | undefined, value: string): string | undefined {
  // No `~` expansion: the run is spawned without a shell, so the script sees `~/x` as written.
  const v = value;
  if (isAbsolute(v)) return v;
  if (!configPath) return undefined;
  try {
    return resolve(buildLaunchPlan(config, configPath).cwd, v);
  } catch {
    return undefined;
  }
}

/** Every model or dataset the config names, each marked as a Hub id or a local path. `listDir` undefined: offline of disk too. */
export function hubRefsOf(config: SdxlConfig, configPath: string | undefined, listDir?: (abs: string) => string[] | undefined): HubRef[] {
  const out: HubRef[] = [];
  if (typeof config.args !== 'object' || config.args === null) return out;
  for (const a of HUB_ARGS) {
    const value = (config.args as Record<string, unknown>)[a.dest];
    if (typeof value !== 'string' || value.trim() === '') continue;
    const abs = runPathOf(config, configPath, value);
    const isDir = abs && listDir ? listDir(abs) !== undefined : undefined;
    out.push({ ...a, value, ...(abs ? { abs } : {}), ref: classifyRef(value, isDir) });
  }
  return out;
}

/** The key of a Hub check result in ValidationOptions.hub. */
export function hubKey(kind: RepoKind, id: string): string {
  return `${kind}:${id}`;
}
