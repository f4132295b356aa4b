// Image → CLIP pixel_values as transformers' CLIPImageProcessor does it (preprocessor_config.json): RGB (alpha dropped,
// EXIF orientation applied), the shortest edge resized to `size` (bicubic), a centre crop of `crop_size`, ×1/255,
// normalised with image_mean/image_std; Float32 NCHW. sharp's cubic kernel (Catmull-Rom) stands in for PIL's bicubic:
// the pixels differ by a level or so, which moves a CLIP score by far less than a prompt change does.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { errText } from '../util/errText';

export interface ClipImageConfig {
  /** The shortest edge after resizing. */
  size: number;
  cropWidth: number;
  cropHeight: number;
  mean: [number, number, number];
  std: [number, number, number];
  /** Multiplier of the 0–255 values (1/255). */
  rescale: number;
}

/** Images with alpha up to this many pixels are made RGB in memory before resizing (48 MB at the limit). */
const ALPHA_IN_MEMORY_PIXELS = 16_000_000;

/** openai CLIP's values, used when a model has no preprocessor_config.json. */
export const OPENAI_CLIP_IMAGE: ClipImageConfig = {
  size: 224,
  cropWidth: 224,
  cropHeight: 224,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
  rescale: 1 / 255,
};

/** Reads preprocessor_config.json's fields (`size` as a number or {shortest_edge}, `crop_size` as a number or {height, width}). */
export function parseImageConfig(json: unknown, where: string): ClipImageConfig {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${where}: not a JSON object`);
  const o = json as Record<string, unknown>;
  const d = OPENAI_CLIP_IMAGE;
  const positive = (v: unknown, name: string): number => {
    if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 4096) return v;
    throw new Error(`${where}: ${name} must be a whole number of pixels (1–4096), not ${JSON.stringify(v)}`);
  };
  let size = d.size;
  if (typeof o.size === 'number') size = positive(o.size, 'size');
  else if (o.size && typeof o.size === 'object') {
    const s = o.size as Record<string, unknown>;
    size = positive(s.shortest_edge ?? s.height, 'size.shortest_edge');
  }
  let cropWidth = d.cropWidth;
  let cropHeight = d.cropHeight;
  if (typeof o.crop_size === 'number') cropWidth = cropHeight = positive(o.crop_size, 'crop_size');
  else if (o.crop_size && typeof o.crop_size === 'object') {
    const c = o.crop_size as Record<string, unknown>;
    cropHeight = positive(c.height, 'crop_size.height');
    cropWidth = positive(c.width, 'crop_size.width');
  } else if (o.crop_size === undefined && o.size !== undefined) cropWidth = cropHeight = size;
  const triple = (v: unknown, fallback: [number, number, number], name: string): [number, number, number] => {
    if (v === undefined) return fallback;
    if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x)))
      return [v[0], v[1], v[2]] as [number, number, number];
    throw new Error(`${where}: ${name} must be three numbers, not ${JSON.stringify(v)}`);
  };
  const mean = triple(o.image_mean, d.mean, 'image_mean');
  const std = triple(o.image_std, d.std, 'image_std');
  if (std.some((s) => s === 0)) throw new Error(`${where}: image_std has a zero`);
  const rescale = o.do_rescale === false ? 1 : typeof o.rescale_factor === 'number' ? o.rescale_factor : d.rescale;
  return { size, cropWidth, cropHeight, mean, std, rescale };
}

export async function loadImageConfig(file: string): Promise<ClipImageConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return OPENAI_CLIP_IMAGE;
    throw new Error(`${file}: ${errText(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: ${errText(e)}`);
  }
  return parseImageConfig(json, file);
}

/** Where the resize and crop of a width × height image go (transformers' get_resize_output_image_size, center_crop). */
export function resizeAndCrop(width: number, height: number, c: ClipImageConfig): { width: number; height: number; left: number; top: number } {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.max(1, Math.floor((c.size * long) / short));
  const w = width <= height ? c.size : newLong;
  const h = width <= height ? newLong : c.size;
  return { width: w, height: h, left: Math.floor((w - c.cropWidth) / 2), top: Math.floor((h - c.cropHeight) / 2) };
}

/** The pixel values of one image, written into `out` at `offset` (3 × cropHeight × cropWidth floats, CHW). */
export async function preprocessInto(path: string, c: ClipImageConfig, out: Float32Array, offset: number): Promise<void> {
  // The part of the resized image inside the crop; a crop larger than the image (crop_size > size) keeps 0 around it,
  // as CLIPImageProcessor's center_crop pads with 0.
  let pixels: Buffer;
  let box: { left: number; top: number; width: number; height: number };
  try {
    const meta = await sharp(path, { failOn: 'error' }).metadata();
    const w0 = meta.autoOrient?.width ?? meta.width;
    const h0 = meta.autoOrient?.height ?? meta.height;
    if (!w0 || !h0) throw new Error('no image size');
    const r = resizeAndCrop(w0, h0, c);
    box = { left: Math.max(0, r.left), top: Math.max(0, r.top), width: Math.min(c.cropWidth, r.width), height: Math.min(c.cropHeight, r.height) };
    // sharp's resize premultiplies by alpha, which blackens fully transparent pixels; PIL's convert('RGB') keeps
    // their colour. So an image with alpha is made RGB first, in memory, up to a size where that is cheap (larger
    // ones take the one pass, their transparent pixels black: a rare image, a small change in its score).
    let rgb = sharp(path, { failOn: 'error' }).autoOrient().removeAlpha().toColourspace('srgb');
    if (meta.hasAlpha && w0 * h0 <= ALPHA_IN_MEMORY_PIXELS) {
      const flat = await rgb.raw().toBuffer({ resolveWithObject: true });
      rgb = sharp(flat.data, { raw: { width: flat.info.width, height: flat.info.height, channels: flat.info.channels } });
    }
    const { data, info } = await rgb.resize(r.width, r.height, { fit: 'fill', kernel: 'cubic' }).extract(box).raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, not RGB`);
    pixels = data;
  } catch (e) {
    throw new Error(`${path}: cannot read the image: ${errText(e)}`);
  }
  const dx = Math.floor((c.cropWidth - box.width) / 2);
  const dy = Math.floor((c.cropHeight - box.height) / 2);
  const plane = c.cropWidth * c.cropHeight;
  for (let ch = 0; ch < 3; ch++) {
    const m = c.mean[ch]!;
    const s = c.std[ch]!;
    const base = offset + ch * plane;
    out.fill(-m / s, base, base + plane);
    for (let y = 0; y < box.height; y++) {
      const row = base + (y + dy) * c.cropWidth + dx;
      const src = y * box.width * 3 + ch;
      for (let x = 0; x < box.width; x++) out[row + x] = (pixels[src + x * 3]! * c.rescale - m) / s;
    }
  }
}

/** pixel_values of the images, [N, 3, cropHeight, cropWidth]; the first unreadable image rejects naming its path. */
export async function preprocessImages(paths: readonly string[], c: ClipImageConfig): Promise<Float32Array> {
  const per = 3 * c.cropWidth * c.cropHeight;
  const out = new Float32Array(paths.length * per);
  for (let i = 0; i < paths.length; i++) await preprocessInto(paths[i]!, c, out, i * per);
  return out;
}
