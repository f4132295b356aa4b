// One image through sharp, as far as the check needs it: the header first (format, size, EXIF orientation) without
// any pixel limit, since a header is a few bytes; then, only when the size is one PIL would load, a full decode to a
// 9×8 thumbnail (truncated or corrupt data fails here, as it would in the script's convert("RGB")), which also gives
// the perceptual hash. Memory stays small: libvips streams the decode and keeps only the shrunk result.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import sharp from 'sharp';
import { PIL_BOMB_ERROR_PIXELS, pilOpens } from './imageFormats';

export type ImageFacts =
  | {
      ok: true;
      format: string;
      /** As the script sees it after exif_transpose (orientations 5–8 swap the sides). */
      width: number;
      height: number;
      /** SHA-256 of the file's bytes (exact duplicates). */
      sha256: string;
      /** 64-bit difference hash of a 9×8 grey thumbnail (near duplicates). */
      dhash: bigint;
      /** Mean red, green, blue of the thumbnail, 0–255: a difference hash ignores flat colour. */
      mean: [number, number, number];
    }
  | {
      ok: false;
      code: 'not-an-image' | 'corrupt-image' | 'unsupported-format' | 'too-large';
      message: string;
      format?: string;
      width?: number;
      height?: number;
    };

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const s = createReadStream(file);
    s.on('data', (c) => hash.update(c));
    s.on('error', reject);
    s.on('end', () => resolve(hash.digest('hex')));
  });
}

function why(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
}

/** libvips keeps one error buffer for all its threads: a failure while another decode clears it says "Unknown error". */
const VAGUE = /^(unknown error)?$/i;

/** `op`, once more when it fails with libvips' lost message (the second try usually keeps it). */
async function retryVague<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (!VAGUE.test(why(e))) throw e;
    return op();
  }
}

export async function inspectImage(file: string): Promise<ImageFacts> {
  let meta: sharp.Metadata;
  try {
    meta = await retryVague(() => sharp(file, { limitInputPixels: false }).metadata());
  } catch (e) {
    const message = why(e);
    if (/unsupported image format/i.test(message))
      return { ok: false, code: 'not-an-image', message: 'not an image file (no image format recognised in its bytes)' };
    return { ok: false, code: 'corrupt-image', message: `unreadable image header: ${message}` };
  }
  const format = meta.format ?? 'unknown';
  const rotated = (meta.orientation ?? 1) >= 5;
  const width = (rotated ? meta.height : meta.width) ?? 0;
  const height = (rotated ? meta.width : meta.height) ?? 0;
  const size = { format, width, height };
  if (!pilOpens(format))
    return { ok: false, code: 'unsupported-format', message: `${format.toUpperCase()} image: PIL, which the script uses, cannot open it`, ...size };
  if (!(width > 0 && height > 0)) return { ok: false, code: 'corrupt-image', message: 'the header gives no image size', ...size };
  if (width * height > PIL_BOMB_ERROR_PIXELS) {
    return {
      ok: false,
      code: 'too-large',
      message: `${width}×${height} is ${((width * height) / 1e6).toFixed(0)} million pixels: PIL refuses images over ${(PIL_BOMB_ERROR_PIXELS / 1e6).toFixed(0)} million (DecompressionBombError), so the run fails on it`,
      ...size,
    };
  }
  try {
    const [thumb, sha256] = await Promise.all([
      retryVague(() =>
        sharp(file, { failOn: 'truncated', limitInputPixels: PIL_BOMB_ERROR_PIXELS })
          .resize(9, 8, { fit: 'fill' })
          .removeAlpha()
          .toColourspace('srgb')
          .raw()
          .toBuffer({ resolveWithObject: true }),
      ),
      sha256Of(file),
    ]);
    const { data, info } = thumb;
    const ch = info.channels;
    const grey: number[] = [];
    const sum = [0, 0, 0];
    for (let i = 0; i < 72; i++) {
      const r = data[i * ch]!;
      const g = data[i * ch + (ch >= 3 ? 1 : 0)]!;
      const b = data[i * ch + (ch >= 3 ? 2 : 0)]!;
      sum[0]! += r;
      sum[1]! += g;
      sum[2]! += b;
      grey.push(0.299 * r + 0.587 * g + 0.114 * b);
    }
    let dhash = 0n;
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) dhash = (dhash << 1n) | (grey[y * 9 + x]! < grey[y * 9 + x + 1]! ? 1n : 0n);
    return { ok: true, ...size, sha256, dhash, mean: [sum[0]! / 72, sum[1]! / 72, sum[2]! / 72] };
  } catch (e) {
    const detail = why(e);
    const message = VAGUE.test(detail) ? 'cannot be decoded: the image data is damaged or cut short' : `cannot be decoded: ${detail}`;
    return { ok: false, code: 'corrupt-image', message, ...size };
  }
}
