// Which files the scripts take as images, and which of those PIL can open.
//  - imagefolder (`--train_data_dir`) keeps files by extension only: datasets' ImageFolder.EXTENSIONS, built from PIL's
//    registered extensions (datasets/packaged_modules/imagefolder/imagefolder.py). Other files are skipped silently.
//  - DreamBooth (`--instance_data_dir`) opens every entry of the folder with PIL.Image.open, whatever its name.
// sharp (libvips) decodes some formats PIL 9–10 cannot (AVIF/HEIF, SVG, PDF, JPEG XL): those fail in the script.
import { extname } from 'node:path';

/** datasets' imagefolder extensions (lower case, with the dot). */
// prettier-ignore
export const IMAGEFOLDER_EXTENSIONS: ReadonlySet<string> = new Set([
  '.blp', '.bmp', '.dib', '.bufr', '.cur', '.pcx', '.dcx', '.dds', '.ps', '.eps', '.fit', '.fits', '.fli', '.flc',
  '.ftc', '.ftu', '.gbr', '.gif', '.grib', '.h5', '.hdf', '.png', '.apng', '.jp2', '.j2k', '.jpc', '.jpf', '.jpx',
  '.j2c', '.icns', '.ico', '.im', '.iim', '.tif', '.tiff', '.jfif', '.jpe', '.jpg', '.jpeg', '.mpg', '.mpeg', '.msp',
  '.pcd', '.pxr', '.pbm', '.pgm', '.ppm', '.pnm', '.psd', '.bw', '.rgb', '.rgba', '.sgi', '.ras', '.tga', '.icb',
  '.vda', '.vst', '.webp', '.wmf', '.emf', '.xbm', '.xpm',
]);

/** Extensions of image formats PIL (without plugins) does not open, which people still put in datasets. */
const NOT_PIL_EXTENSIONS: ReadonlySet<string> = new Set(['.avif', '.heic', '.heif', '.svg', '.jxl', '.pdf', '.raw', '.cr2', '.nef', '.dng', '.arw']);

/** sharp `metadata().format` values PIL opens. Others (heif, svg, pdf, jxl, magick, openslide, raw…) it does not. */
const PIL_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'ppm', 'fits', 'jp2']);

export function isImagefolderImage(name: string): boolean {
  return IMAGEFOLDER_EXTENSIONS.has(extname(name).toLowerCase());
}

/** A name that says "image" to a person but that imagefolder skips and PIL cannot open. */
export function isUnloadableImageName(name: string): boolean {
  return NOT_PIL_EXTENSIONS.has(extname(name).toLowerCase());
}

export function pilOpens(sharpFormat: string): boolean {
  return PIL_FORMATS.has(sharpFormat);
}

/**
 * PIL's decompression-bomb limits (PIL.Image.MAX_IMAGE_PIXELS = 89,478,485 in Pillow 9–10): above it Image.open
 * warns; above twice it, it raises DecompressionBombError, so the run fails on that image.
 */
export const PIL_MAX_IMAGE_PIXELS = 89_478_485;
export const PIL_BOMB_ERROR_PIXELS = 2 * PIL_MAX_IMAGE_PIXELS;
