// What a download will fetch: the repos' commits (refs), the files the script loads with their ETag (the blob name)
// and size from the Hub (@huggingface/hub: modelInfo for the commit, listFiles, fileDownloadInfo), and which of them
// the cache already holds.
import { stat, statfs } from 'node:fs/promises';
import { fileDownloadInfo, listFiles, modelInfo } from '@huggingface/hub';
import { normalizeEtag, repoCachePaths } from './cachePaths';
import { HubDownloadError } from './downloadErrors';
import { hubClient, type HubAccess, type HubClient } from './hubAccess';
import { selectPipelineFiles, selectVaeFiles, type DownloadRequest, type RepoFile, type SelectedFile } from './modelFiles';

export interface PlannedFile {
  repo: string;
  path: string;
  /** The commit the file is taken from (its snapshot folder). */
  commit: string;
  /** The blob name: sha256 for LFS files, git blob sha1 else. */
  etag: string;
  size: number;
  /** The resolve URL to download it from (at the commit, so every file of a snapshot comes from one commit). */
  url: string;
  /** Its blob is in the cache already (it is only linked into the snapshot). */
  cached: boolean;
}

export interface PlannedRef {
  repo: string;
  revision: string;
  commit: string;
}

export interface DownloadPlan {
  cacheDir: string;
  files: PlannedFile[];
  /** refs/<revision> files written once every file of that commit is in place. */
  refs: PlannedRef[];
  totalBytes: number;
  /** Bytes still to fetch (files not cached; partial `.incomplete` files counted whole). */
  missingBytes: number;
  /** Free space where the cache is, when the platform tells. */
  freeBytes?: number;
}

const DEFAULT_BRANCH = 'main';

async function commitOf(hub: HubClient, repo: string, revision: string): Promise<string> {
  const info = await hub.call(repo, `${repo}@${revision}`, () =>
    modelInfo({
      name: repo,
      revision,
      additionalFields: ['sha'],
      hubUrl: hub.hubUrl,
      fetch: hub.fetch,
      ...(hub.accessToken ? { accessToken: hub.accessToken } : {}),
    }),
  );
  const sha = (info as { sha?: unknown }).sha;
  if (typeof sha !== 'string' || !/^[0-9a-f]{40}$/.test(sha))
    throw new HubDownloadError('hub-error', `The Hub gave no commit for ${repo}@${revision}: try again later.`);
  return sha;
}

async function filesAt(hub: HubClient, repo: string, commit: string, path?: string): Promise<RepoFile[]> {
  return hub.call(repo, `the file list of ${repo}`, async () => {
    const out: RepoFile[] = [];
    const credentials = hub.accessToken ? { accessToken: hub.accessToken } : {};
    for await (const f of listFiles({
      repo,
      revision: commit,
      recursive: true,
      hubUrl: hub.hubUrl,
      fetch: hub.fetch,
      ...(path ? { path } : {}),
      ...credentials,
    }))
      if (f.type === 'file') out.push({ path: f.path, size: f.size });
    return out;
  });
}

async function exists(path: string, size: number): Promise<boolean> {
  try {
    const s = await stat(path);
    return s.isFile() && s.size === size;
  } catch {
    return false;
  }
}

export async function freeSpace(dir: string): Promise<number | undefined> {
  // The cache folder may not exist yet: ask for the nearest existing parent.
  for (let d = dir, i = 0; i < 64; i++) {
    try {
      const s = await statfs(d);
      return s.bavail * s.bsize;
    } catch {
      const up = d.replace(/[\\/][^\\/]*$/, '');
      if (up === d || up === '') return undefined;
      d = up;
    }
  }
  return undefined;
}

/** Plans the download of `req` into the hub cache `cacheDir`. Throws HubDownloadError with the next step. */
export async function planDownload(req: DownloadRequest, access: HubAccess, cacheDir: string): Promise<DownloadPlan> {
  const hub = hubClient(access);
  const revision = req.revision ?? DEFAULT_BRANCH;
  const refs: PlannedRef[] = [];
  const picked: { repo: string; commit: string; file: SelectedFile }[] = [];

  const modelCommit = await commitOf(hub, req.model, revision);
  refs.push({ repo: req.model, revision, commit: modelCommit });
  const modelFiles = selectPipelineFiles(req.model, await filesAt(hub, req.model, modelCommit), {
    withVae: req.modelVae,
    ...(req.variant ? { variant: req.variant } : {}),
  });
  // The scripts load the scheduler without `revision`, so from the default branch: take it from there.
  const mainCommit = revision === DEFAULT_BRANCH ? modelCommit : await commitOf(hub, req.model, DEFAULT_BRANCH);
  // refs/main too: offline, the scheduler's load (no revision) finds its snapshot through it, even at the same commit.
  if (revision !== DEFAULT_BRANCH) refs.push({ repo: req.model, revision: DEFAULT_BRANCH, commit: mainCommit });
  for (const file of modelFiles) picked.push({ repo: req.model, commit: file.revisioned ? modelCommit : mainCommit, file });
  if (req.vae) {
    const vaeCommit = await commitOf(hub, req.vae, revision);
    refs.push({ repo: req.vae, revision, commit: vaeCommit });
    for (const file of selectVaeFiles(req.vae, await filesAt(hub, req.vae, vaeCommit), req.variant ? { variant: req.variant } : {}))
      picked.push({ repo: req.vae, commit: vaeCommit, file });
  }

  return finishPlan(hub, cacheDir, picked, refs);
}

/**
 * Plans the download of the files `select` picks from one repo's listing at `revision` (default: main) — a model
 * that is not an SDXL pipeline, such as the CLIP model the editor scores images with.
 */
export async function planRepoDownload(
  repo: string,
  select: (files: readonly RepoFile[]) => RepoFile[],
  access: HubAccess,
  cacheDir: string,
  revision = DEFAULT_BRANCH,
): Promise<DownloadPlan> {
  const hub = hubClient(access);
  const commit = await commitOf(hub, repo, revision);
  const picked = select(await filesAt(hub, repo, commit)).map((file) => ({ repo, commit, file }));
  return finishPlan(hub, cacheDir, picked, [{ repo, revision, commit }]);
}

/** Each picked file's ETag, size and URL, whether the cache has it, and the totals. */
async function finishPlan(
  hub: HubClient,
  cacheDir: string,
  picked: readonly { repo: string; commit: string; file: RepoFile }[],
  refs: PlannedRef[],
): Promise<DownloadPlan> {
  const files: PlannedFile[] = [];
  for (const { repo, commit, file } of picked) {
    const info = await hub.call(repo, `${repo}: ${file.path}`, () =>
      fileDownloadInfo({
        repo,
        path: file.path,
        revision: commit,
        hubUrl: hub.hubUrl,
        fetch: hub.fetch,
        ...(hub.accessToken ? { accessToken: hub.accessToken } : {}),
      }),
    );
    if (!info) throw new HubDownloadError('not-found', `${repo}: ${file.path} was listed but the Hub does not serve it (404): run Download again.`);
    const etag = normalizeEtag(info.etag);
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(etag))
      throw new HubDownloadError('hub-error', `${repo}: ${file.path} came with an ETag the cache cannot name a blob by ("${info.etag}").`);
    const paths = repoCachePaths(cacheDir, repo);
    files.push({ repo, path: file.path, commit, etag, size: info.size, url: info.url, cached: await exists(paths.blob(etag), info.size) });
  }
  let totalBytes = 0;
  let missingBytes = 0;
  for (const f of files) {
    totalBytes += f.size;
    if (!f.cached) missingBytes += f.size;
  }
  const freeBytes = await freeSpace(cacheDir);
  return { cacheDir, files, refs, totalBytes, missingBytes, ...(freeBytes !== undefined ? { freeBytes } : {}) };
}
