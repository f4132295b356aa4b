// Small copies of dataset images for the Preview Dataset webview, made with sharp into a cache folder under the
// extension's storage: the webview is given only that folder (never the dataset's), and a 20,000-px image never
// reaches it. A copy is named by a hash of the image's path, size, mtime and the copy's size, so an edited image gets
// a new one. At most `concurrency` images are decoded at once; sharp's pixel limit refuses decompression bombs.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { errText } from '../util/errText';

/** Longest side of a gallery thumbnail and of the crop preview. */
export const THUMB_SIDE = 256;
export const PREVIEW_SIDE = 768;
/** Decoding stops above this many pixels (a 20,000 × 20,000 image is 400 M): the preview says it is too large. */
export const MAX_PREVIEW_PIXELS = 150_000_000;
/** The cache is pruned to half this many files when it grows past it. */
export const MAX_CACHED_FILES = 20_000;

/** `skipped`: no longer wanted when its turn came (the gallery moved to another page), so not made. */
export type ThumbResult = { ok: true; path: string } | { ok: false; error: string; skipped?: true };

export class DatasetThumbs {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly inFlight = new Map<string, Promise<ThumbResult>>();
  private dirReady: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    private readonly concurrency = 2,
    private readonly maxPixels = MAX_PREVIEW_PIXELS,
  ) {}

  /**
   * The cached copy of `file` with longest side `side`, made now if missing (when `wanted` still says so once a decoder
   * is free). `autoOrient` applies the EXIF rotation, as the DreamBooth script's exif_transpose does. Never throws.
   */
  async get(file: string, side: number, autoOrient = false, wanted: () => boolean = () => true): Promise<ThumbResult> {
    let key: string;
    try {
      const s = await stat(file);
      if (!s.isFile()) return { ok: false, error: 'not a file' };
      key = createHash('sha256').update(`${file}\0${s.size}\0${s.mtimeMs}\0${side}\0${autoOrient}`).digest('hex').slice(0, 32);
    } catch (e) {
      return { ok: false, error: errText(e) };
    }
    const out = join(this.dir, `${key}.webp`);
    const pending = this.inFlight.get(out);
    if (pending) return pending;
    const p = this.make(file, out, side, autoOrient, wanted).finally(() => this.inFlight.delete(out));
    this.inFlight.set(out, p);
    return p;
  }

  private async make(file: string, out: string, side: number, autoOrient: boolean, wanted: () => boolean): Promise<ThumbResult> {
    try {
      if ((await stat(out)).isFile()) return { ok: true, path: out };
    } catch {
      // Not cached yet.
    }
    await this.slot();
    try {
      if (!wanted()) return { ok: false, error: 'no longer wanted', skipped: true };
      this.dirReady ??= mkdir(this.dir, { recursive: true }).then(() => this.prune());
      await this.dirReady;
      const tmp = `${out}.${process.pid}.tmp`;
      let img = sharp(file, { limitInputPixels: this.maxPixels, failOn: 'error', sequentialRead: true });
      if (autoOrient) img = img.rotate();
      await img.resize(side, side, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toFile(tmp);
      await rename(tmp, out);
      return { ok: true, path: out };
    } catch (e) {
      return { ok: false, error: errText(e) };
    } finally {
      this.release();
    }
  }

  private async slot(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  /** Removes the older half of the cache once it holds more than MAX_CACHED_FILES files. */
  private async prune(): Promise<void> {
    try {
      const names = await readdir(this.dir);
      if (names.length <= MAX_CACHED_FILES) return;
      const dated: { name: string; t: number }[] = [];
      for (const name of names) {
        try {
          dated.push({ name, t: (await stat(join(this.dir, name))).mtimeMs });
        } catch {
          // Gone already.
        }
      }
      dated.sort((a, b) => a.t - b.t);
      for (const { name } of dated.slice(0, dated.length - MAX_CACHED_FILES / 2)) await unlink(join(this.dir, name)).catch(() => undefined);
    } catch {
      // A cache that cannot be pruned still works.
    }
  }
}
