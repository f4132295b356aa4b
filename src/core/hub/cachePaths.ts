// The Hugging Face cache layout that huggingface_hub (file_download.py) and so diffusers/transformers read:
//   <cache>/models--org--name/blobs/<etag>              the file's bytes (etag: sha256 for LFS files, git sha1 else)
//   <cache>/models--org--name/snapshots/<commit>/<path> a relative symlink to ../../(..)/blobs/<etag>
//   <cache>/models--org--name/refs/<revision>           the commit hash a branch or tag pointed to
// A download in progress is `blobs/<etag>.incomplete` (the name huggingface_hub resumes from too).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';

export type HubRepoType = 'model' | 'dataset';

/**
 * The hub cache folder, as huggingface_hub's constants.py computes it: HF_HUB_CACHE, else the legacy
 * HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
 */
export function hubCacheDir(env: Readonly<Record<string, string | undefined>>, home: string = homedir()): string {
  const set = envPath(env, home);
  return set('HF_HUB_CACHE') ?? set('HUGGINGFACE_HUB_CACHE') ?? join(hfHome(env, home), 'hub');
}

/**
 * The Hugging Face home folder (constants.HF_HOME): $HF_HOME, else $XDG_CACHE_HOME/huggingface, else
 * ~/.cache/huggingface; the cache, the token file and accelerate's default config live under it.
 */
export function hfHome(env: Readonly<Record<string, string | undefined>>, home: string = homedir()): string {
  const set = envPath(env, home);
  return set('HF_HOME') ?? join(set('XDG_CACHE_HOME') ?? join(home, '.cache'), 'huggingface');
}

/** A path from the environment, `~` expanded as huggingface_hub's expanduser does; unset or empty: undefined. */
function envPath(env: Readonly<Record<string, string | undefined>>, home: string): (name: string) => string | undefined {
  return (name) => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : expandHome(v, home);
  };
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
}

/** `models--org--name` (huggingface_hub's repo_folder_name). */
export function repoFolderName(repoId: string, type: HubRepoType = 'model'): string {
  return [`${type}s`, ...repoId.split('/')].join('--');
}

/** An ETag header as the cache names blobs: no quotes, no weak prefix (huggingface_hub's _normalize_etag). */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

export interface RepoCachePaths {
  repoDir: string;
  blob(etag: string): string;
  incomplete(etag: string): string;
  snapshotDir(commit: string): string;
  /** The pointer file of `path` (a repo path with `/`) in the snapshot of `commit`. */
  pointer(commit: string, path: string): string;
  ref(revision: string): string;
  /** Our lock while a blob downloads (beside huggingface_hub's `.locks/<repo folder>/<etag>.lock`, not the same file). */
  lock(etag: string): string;
}

export function repoCachePaths(cacheDir: string, repoId: string, type: HubRepoType = 'model'): RepoCachePaths {
  const repoDir = join(cacheDir, repoFolderName(repoId, type));
  return {
    repoDir,
    blob: (etag) => join(repoDir, 'blobs', etag),
    incomplete: (etag) => join(repoDir, 'blobs', `${etag}.incomplete`),
    snapshotDir: (commit) => join(repoDir, 'snapshots', commit),
    pointer: (commit, path) => join(repoDir, 'snapshots', commit, ...path.split('/')),
    ref: (revision) => join(repoDir, 'refs', ...revision.split('/')),
    lock: (etag) => join(cacheDir, '.locks', repoFolderName(repoId, type), `${etag}.sdxl-trainer.lock`),
  };
}

/**
 * The snapshot folder a finished download of `repoId` at `revision` left in the cache (a commit hash is taken as it
 * is, a branch or tag through its `refs/` file), or undefined when the cache has no such ref. The folder may be gone.
 */
export async function cachedSnapshotDir(cacheDir: string, repoId: string, revision = 'main'): Promise<string | undefined> {
  const paths = repoCachePaths(cacheDir, repoId);
  const commit = /^[0-9a-f]{40}$/.test(revision) ? revision : (await readFile(paths.ref(revision), 'utf8').catch(() => '')).trim();
  return commit ? paths.snapshotDir(commit) : undefined;
}
