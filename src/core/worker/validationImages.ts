// Validation images of a run, as files the dashboard can show: TensorBoard grids cut back into single images, and the
// wandb fallback (one PNG per image under the run's local wandb folder). Everything lands in a per-run cache folder:
//
//   <imageCacheDir>/<run id>/<tag>-<step>-<key>/<i>.png         full-size image i of that logged grid (ValidationImage.ref)
//   <imageCacheDir>/<run id>/<tag>-<step>-<key>/<i>.thumb.jpg   its thumbnail (longest side 256): see thumbPathOf
//   <imageCacheDir>/<run id>/wandb-<file name>/0.png, 0.thumb.jpg    one wandb media image
//
// `<key>` is a short hash of where the grid was read (event file + byte offset), so a resumed run that logs the same
// tag and step again gets its own folder, and rereading a finished run reuses the split already on disk.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { splitGrid, type SplitResult } from './imageGrid';
import type { ValidationImage } from '../run/events';

/** The thumbnail that goes with a full image written here: `<dir>/<i>.png` → `<dir>/<i>.thumb.jpg`. */
export function thumbPathOf(imagePath: string): string {
  return imagePath.replace(/\.png$/i, '') + '.thumb.jpg';
}

function safeName(text: string): string {
  return text.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'image';
}

function shortHash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 10);
}

/** Folder for one TensorBoard grid (see the layout above). */
export function gridFolder(runCacheDir: string, tag: string, step: number, eventFile: string, offset: number): string {
  return join(runCacheDir, `${safeName(tag)}-${step}-${shortHash(`${basename(eventFile)}#${offset}`)}`);
}

// Two monitors of the same run in one process (a view and a tree, say) must not write the same folder at once.
const inflight = new Map<string, Promise<SplitResult>>();

function splitOnce(encoded: Uint8Array, outDir: string, count: number | undefined, source: string): Promise<SplitResult> {
  const running = inflight.get(outDir);
  if (running) return running;
  const p = splitGrid(encoded, { outDir, source, ...(count !== undefined ? { count } : {}) }).finally(() => inflight.delete(outDir));
  inflight.set(outDir, p);
  return p;
}

/** Cuts a logged grid of `count` images into `outDir`; throws GridError (naming `source`) for undecodable or odd-sized data. */
export async function extractGrid(encoded: Uint8Array, outDir: string, count: number | undefined, source: string): Promise<ValidationImage[]> {
  const r = await splitOnce(encoded, outDir, count, source);
  return r.images.map((i) => ({ ref: i.path, width: i.width, height: i.height }));
}

/** Copies one standalone image (wandb media) into the cache with its thumbnail. */
export async function extractSingle(path: string, runCacheDir: string): Promise<ValidationImage> {
  const encoded = await readFile(path);
  const images = await extractGrid(encoded, join(runCacheDir, `wandb-${safeName(basename(path).replace(/\.png$/i, ''))}`), 1, path);
  return images[0]!;
}

export interface WandbImage {
  path: string;
  /** The logged key (`validation`, `test`). */
  key: string;
  /** wandb's step when the image was logged (the global step: images are logged without a step). */
  step: number;
}

const WANDB_RUN_RE = /^(?:offline-)?run-(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})-\w+$/;
const WANDB_IMAGE_RE = /^(.+)_(\d+)_[0-9a-f]{8,}\.png$/;

/**
 * Media images of the wandb runs under `<wandbBase>/wandb/` that started between `fromMs` and `toMs` (wall clock, the
 * run folders are named in local time to the second). Missing folders give [].
 */
export async function findWandbImages(wandbBase: string, fromMs: number, toMs = Infinity): Promise<WandbImage[]> {
  const root = join(wandbBase, 'wandb');
  let runs: string[];
  try {
    runs = await readdir(root);
  } catch {
    return [];
  }
  const out: WandbImage[] = [];
  for (const name of runs.sort()) {
    const m = WANDB_RUN_RE.exec(name);
    if (!m) continue;
    const started = new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!).getTime();
    // One second of rounding each way, plus a little clock slack between our record and the trainer.
    if (started < fromMs - 2_000 || started > toMs + 2_000) continue;
    const dir = join(root, name, 'files', 'media', 'images');
    let files: string[];
    try {
      files = await readdir(dir);
    } catch {
      continue;
    }
    const found: Array<WandbImage & { mtime: number }> = [];
    for (const f of files) {
      const im = WANDB_IMAGE_RE.exec(f);
      if (!im) continue;
      const path = join(dir, f);
      let mtime = 0;
      try {
        mtime = (await stat(path)).mtimeMs;
      } catch {
        continue;
      }
      found.push({ path, key: im[1]!, step: Number(im[2]), mtime });
    }
    // The order images were written in is the order they were logged in.
    found.sort((a, b) => a.mtime - b.mtime || (a.path < b.path ? -1 : 1));
    for (const { path, key, step } of found) out.push({ path, key, step });
  }
  return out;
}
