// Runs a DownloadPlan into the Hugging Face cache: each file's blob (skipped when the cache has it), its pointer in
// snapshots/<commit>/ (a relative symlink, or a copy where symlinks cannot be made, as huggingface_hub does), and
// refs/<revision> written last, once every file of that commit is in place, so nothing claims a complete snapshot early.
import { copyFile, mkdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { repoCachePaths } from './cachePaths';
import { withBlobLock } from './blobLock';
import { downloadBlob, type WriteChunk } from './downloadBlob';
import { HubDownloadError } from './downloadErrors';
import { hubClient, type HubAccess } from './hubAccess';
import type { DownloadPlan, PlannedFile } from './downloadPlan';

export interface DownloadProgress {
  /** The file being fetched (`repo: path`), or undefined at the end. */
  file?: string;
  fileBytes: number;
  fileSize: number;
  /** Bytes in place over all files (cached ones included). */
  doneBytes: number;
  totalBytes: number;
  /** Files finished, of `fileCount`. */
  filesDone: number;
  fileCount: number;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  writeChunk?: WriteChunk;
  /** Whether to try symlinks (default: not on Windows, where they need developer mode; huggingface_hub copies then). */
  symlinks?: boolean;
  retries?: number;
}

export interface DownloadResult {
  /** snapshots/<commit> of the model at the config's revision. */
  snapshot: string;
  downloaded: number;
  skipped: number;
}

async function placePointer(blob: string, pointer: string, useSymlinks: boolean): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  const target = relative(dirname(pointer), blob);
  if (useSymlinks) {
    try {
      if ((await readlink(pointer)) === target) return;
    } catch {
      /* absent or not a link */
    }
    await rm(pointer, { force: true });
    try {
      await symlink(target, pointer);
      return;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
    }
  }
  await rm(pointer, { force: true });
  await copyFile(blob, pointer);
}

export async function runDownload(plan: DownloadPlan, access: HubAccess, options: DownloadOptions = {}): Promise<DownloadResult> {
  const hub = hubClient(access);
  const useSymlinks = options.symlinks ?? process.platform !== 'win32';
  const fileCount = plan.files.length;
  let doneBytes = 0;
  let filesDone = 0;
  let downloaded = 0;
  let skipped = 0;
  const report = (file: PlannedFile | undefined, fileBytes: number): void =>
    options.onProgress?.({
      ...(file ? { file: `${file.repo}: ${file.path}` } : {}),
      fileBytes,
      fileSize: file?.size ?? 0,
      doneBytes: doneBytes + fileBytes,
      totalBytes: plan.totalBytes,
      filesDone,
      fileCount,
    });
  if (plan.freeBytes !== undefined && plan.freeBytes < plan.missingBytes)
    throw new HubDownloadError(
      'disk-full',
      `Not enough free space for the download: ${(plan.missingBytes / 1e9).toFixed(1)} GB to fetch, ${(plan.freeBytes / 1e9).toFixed(1)} GB free where the cache is (${plan.cacheDir}). Free some space (or point HF_HUB_CACHE / HF_HOME at a larger disk), then run Download again.`,
    );
  for (const f of plan.files) {
    if (options.signal?.aborted) throw new HubDownloadError('cancelled', `Cancelled before ${f.repo}: ${f.path}; what is downloaded stays in the cache.`);
    const paths = repoCachePaths(plan.cacheDir, f.repo);
    const blob = paths.blob(f.etag);
    if (f.cached) skipped++;
    else {
      await withBlobLock(paths.lock(f.etag), `${f.repo}: ${f.path}`, () =>
        downloadBlob(
          hub,
          { repo: f.repo, path: f.path, etag: f.etag, size: f.size, url: f.url, blob, incomplete: paths.incomplete(f.etag) },
          {
            onBytes: (have) => report(f, have),
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.writeChunk ? { writeChunk: options.writeChunk } : {}),
            ...(options.retries !== undefined ? { retries: options.retries } : {}),
          },
        ),
      );
      downloaded++;
    }
    await placePointer(blob, paths.pointer(f.commit, f.path), useSymlinks);
    doneBytes += f.size;
    filesDone++;
    report(f, 0);
  }
  for (const r of plan.refs) {
    if (r.revision === r.commit) continue; // a commit needs no ref (huggingface_hub writes none)
    const ref = repoCachePaths(plan.cacheDir, r.repo).ref(r.revision);
    await mkdir(dirname(ref), { recursive: true });
    const old = await readFile(ref, 'utf8').catch(() => undefined);
    if (old !== r.commit) await writeFile(ref, r.commit);
  }
  report(undefined, 0);
  const model = plan.refs[0];
  return { snapshot: model ? repoCachePaths(plan.cacheDir, model.repo).snapshotDir(model.commit) : plan.cacheDir, downloaded, skipped };
}
