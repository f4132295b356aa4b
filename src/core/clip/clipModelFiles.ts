// Which CLIP model scores images (setting sdxl.clip.model): a local folder, or a Hub repo in ONNX form, downloaded on
// first use into the Hugging Face cache with the project's own download (hub/downloadPlan.ts planRepoDownload,
// hub/download.ts runDownload) — only the files the scorer reads, one vision/text pair (see clipModelDir.ts for which).
// Once refs/<revision> is written (last, by runDownload) the cached snapshot is used without asking the Hub again.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { runDownload, type DownloadProgress } from '../hub/download';
import { HubDownloadError } from '../hub/downloadErrors';
import { planRepoDownload, type DownloadPlan } from '../hub/downloadPlan';
import type { HubAccess } from '../hub/hubAccess';
import { cachedSnapshotDir } from '../hub/cachePaths';
import { isHubId, type RepoFile } from '../hub/modelFiles';
import { COMBINED_NAMES, findClipModelFiles, PREPROCESSOR_NAME, TEXT_NAMES, TOKENIZER_NAMES, VISION_NAMES, type ClipModelFiles } from './clipModelDir';

/** openai's CLIP ViT-B/32 exported to ONNX by transformers.js (public, Apache-2.0 like the original's MIT weights). */
export const DEFAULT_CLIP_MODEL = 'Xenova/clip-vit-base-patch32';
/** Downloads above this ask first (the default model's quantized files are ~90 MB). */
export const ASK_ABOVE_BYTES = 5_000_000;

/** The files of a Hub CLIP repo the scorer reads: one vision+text pair (or a combined model), tokenizer, preprocessor. */
export function selectClipFiles(repo: string, files: readonly RepoFile[]): RepoFile[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const pick = (names: readonly string[]): RepoFile | undefined => names.map((n) => byPath.get(n)).find((f) => f !== undefined);
  // The pair from one folder, so a repo with quantized files only under onnx/ does not mix with a root export.
  let models: RepoFile[] | undefined;
  for (let i = 0; i < VISION_NAMES.length && !models; i++) {
    const v = byPath.get(VISION_NAMES[i]!);
    const t = byPath.get(TEXT_NAMES[i]!);
    if (v && t) models = [v, t];
  }
  if (!models) {
    const combined = pick(COMBINED_NAMES);
    if (combined) models = [combined];
  }
  if (!models)
    throw new HubDownloadError(
      'missing-files',
      `${repo} has no CLIP model in ONNX form (onnx/vision_model.onnx and onnx/text_model.onnx, or model.onnx): choose an ONNX export in sdxl.clip.model.`,
    );
  const tokenizer = TOKENIZER_NAMES.map((n) => byPath.get(n)).filter((f): f is RepoFile => f !== undefined);
  if (!byPath.has('vocab.json')) {
    const single = byPath.get('tokenizer.json');
    if (!single) throw new HubDownloadError('missing-files', `${repo} has no tokenizer (vocab.json and merges.txt, or tokenizer.json) at its root.`);
    tokenizer.push(single);
  } else if (!byPath.has('merges.txt')) throw new HubDownloadError('missing-files', `${repo} has vocab.json but no merges.txt.`);
  const pre = byPath.get(PREPROCESSOR_NAME);
  return [...models, ...tokenizer, ...(pre ? [pre] : [])];
}

export interface ResolveClipOptions {
  access: HubAccess;
  /** The Hugging Face cache (hubCacheDir). */
  cacheDir: string;
  /** Folder that a relative local path is taken from (the workspace). */
  baseDir?: string;
  revision?: string;
  /** Asked before fetching more than `askAboveBytes`; false declines the download. */
  confirm?: (plan: DownloadPlan) => Promise<boolean>;
  /** Default ASK_ABOVE_BYTES. */
  askAboveBytes?: number;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** The snapshot of `repo` at `revision` that a finished download left in the cache, when it holds a usable model. */
export async function cachedClipModel(repo: string, cacheDir: string, revision = 'main'): Promise<ClipModelFiles | undefined> {
  const dir = await cachedSnapshotDir(cacheDir, repo, revision);
  if (!dir) return undefined;
  try {
    return await findClipModelFiles(dir);
  } catch {
    return undefined;
  }
}

/**
 * The model files for the setting `model` when they need no download: a local folder, or a Hub id whose snapshot a
 * finished download left in the cache. Undefined when the Hub must be asked; throws for a value that is neither.
 */
export async function localClipModel(
  model: string,
  options: Pick<ResolveClipOptions, 'baseDir' | 'cacheDir' | 'revision'>,
): Promise<ClipModelFiles | undefined> {
  const value = model.trim() || DEFAULT_CLIP_MODEL;
  const local = resolve(options.baseDir ?? process.cwd(), value);
  if (await isDir(local)) return findClipModelFiles(local);
  if (!isHubId(value)) throw new Error(`CLIP model "${value}": no such folder (${local}), and not a Hub model id (org/name)`);
  return cachedClipModel(value, options.cacheDir, options.revision);
}

/**
 * The model files for the setting `model` (a local folder, or a Hub id; empty = DEFAULT_CLIP_MODEL), downloading
 * them on first use. Throws naming the folder or repo, or a HubDownloadError with the next step.
 */
export async function resolveClipModel(model: string, options: ResolveClipOptions): Promise<ClipModelFiles> {
  const found = await localClipModel(model, options);
  if (found) return found;
  const value = model.trim() || DEFAULT_CLIP_MODEL;
  const plan = await planRepoDownload(value, (files) => selectClipFiles(value, files), options.access, options.cacheDir, options.revision);
  if (plan.missingBytes > (options.askAboveBytes ?? ASK_ABOVE_BYTES) && options.confirm && !(await options.confirm(plan))) {
    throw new HubDownloadError('cancelled', `The CLIP model ${value} (${(plan.missingBytes / 1e6).toFixed(0)} MB) was not downloaded.`);
  }
  const result = await runDownload(plan, options.access, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return findClipModelFiles(result.snapshot);
}
