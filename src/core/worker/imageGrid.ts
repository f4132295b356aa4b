// Cutting a logged validation grid back into single images. torch's add_images turns N images into one PNG with
// make_grid: ncols = min(N, 8), rows = ceil(N / 8), no padding between cells, black for the missing cells of the last row.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { errText } from '../util/errText';

export const GRID_COLUMNS = 8;

export interface GridHint {
  /** Number of images in the grid (the run's num_validation_images), when known. */
  count?: number;
  /** Size of one image (e.g. the validation resolution), used when `count` is unknown. */
  cellWidth?: number;
  cellHeight?: number;
}

export interface GridLayout {
  cols: number;
  rows: number;
  cellWidth: number;
  cellHeight: number;
  /** Images in the grid: exact when the hint gave `count`, else cols × rows before trailing black cells are dropped. */
  count: number;
  /** The count was guessed from sizes, so trailing all-black cells of the last row are taken to be padding. */
  inferred: boolean;
}

export class GridError extends Error {}

/** Works out the grid's cells from its size and a hint; throws GridError when the size does not fit the hint. */
export function gridLayout(width: number, height: number, hint: GridHint = {}): GridLayout {
  if (!(width > 0 && height > 0)) throw new GridError(`grid has no pixels (${width}×${height})`);
  const fit = (cols: number, rows: number, count: number, inferred: boolean, why: string): GridLayout => {
    if (width % cols !== 0 || height % rows !== 0) {
      throw new GridError(`a ${width}×${height} grid does not divide into ${cols}×${rows} equal cells (${why})`);
    }
    return { cols, rows, cellWidth: width / cols, cellHeight: height / rows, count, inferred };
  };
  if (hint.count !== undefined) {
    if (!Number.isInteger(hint.count) || hint.count < 1) throw new GridError(`image count must be a positive integer, got ${hint.count}`);
    const cols = Math.min(hint.count, GRID_COLUMNS);
    return fit(cols, Math.ceil(hint.count / cols), hint.count, false, `${hint.count} images`);
  }
  if (hint.cellWidth) {
    const cw = hint.cellWidth;
    const ch = hint.cellHeight ?? cw;
    const cols = Math.round(width / cw);
    const rows = Math.round(height / ch);
    if (cols >= 1 && rows >= 1 && cols * cw === width && rows * ch === height && (rows === 1 || cols === GRID_COLUMNS)) {
      return fit(cols, rows, cols * rows, true, `cells of ${cw}×${ch}`);
    }
    // The images were not generated at the stated size: fall through to the shape-only guess.
  }
  // Square cells. One row of up to 8 when the width is a whole multiple of the height (this includes the default
  // N = 4; 16 images in 2 rows of 8 look the same and come out as 4 wide cells' worth: pass `count` to be exact).
  const ratio = width / height;
  if (Number.isInteger(ratio) && ratio <= GRID_COLUMNS) return fit(ratio, 1, ratio, true, 'square cells in one row');
  const cell = width / GRID_COLUMNS;
  const rows = Math.round(height / cell);
  if (Number.isInteger(cell) && rows >= 1 && rows * cell === height) return fit(GRID_COLUMNS, rows, GRID_COLUMNS * rows, true, 'square cells in rows of 8');
  return { cols: 1, rows: 1, cellWidth: width, cellHeight: height, count: 1, inferred: true };
}

export interface GridImage {
  index: number;
  /** Full-size PNG of this image. */
  path: string;
  /** JPEG no larger than the thumbnail size on either side. */
  thumbPath: string;
  width: number;
  height: number;
}

export interface SplitResult {
  layout: GridLayout;
  images: GridImage[];
  /** The images came from an earlier split in the same folder. */
  cached: boolean;
}

export interface SplitOptions extends GridHint {
  /** Folder for this grid's images (one folder per grid: e.g. `<cache>/<run>/<tag>-<step>`). Created if needed. */
  outDir: string;
  /** Longest side of the thumbnails (default 256). */
  thumbSize?: number;
  /** Names the source in errors, e.g. "validation step 3 in events.out.tfevents…". */
  source?: string;
}

const MANIFEST = 'grid.json';

/**
 * Splits an encoded grid image into `outDir/<i>.png` plus `outDir/<i>.thumb.jpg`. Finished splits are recorded in
 * `outDir/grid.json` (written last), so calling again is cheap. Undecodable data throws GridError naming `source`.
 */
export async function splitGrid(encoded: Uint8Array, opts: SplitOptions): Promise<SplitResult> {
  const where = opts.source ?? 'grid image';
  const thumbSize = opts.thumbSize ?? 256;
  const cached = await readManifest(opts.outDir, encoded.length, thumbSize);
  if (cached) return cached;

  let raw: { data: Buffer; info: sharp.OutputInfo };
  try {
    raw = await sharp(encoded, { failOn: 'error' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new GridError(`${where}: not a decodable image (${errText(e)})`);
  }
  const { width, height, channels } = raw.info;
  const layout = gridLayout(width, height, opts);
  const cells: { left: number; top: number }[] = [];
  for (let i = 0; i < layout.cols * layout.rows && i < layout.count; i++) {
    cells.push({ left: (i % layout.cols) * layout.cellWidth, top: Math.floor(i / layout.cols) * layout.cellHeight });
  }
  if (layout.inferred) {
    // Missing cells are black; drop trailing black cells of the last row (a whole black image would go too: pass count).
    while (cells.length > 1 && cells.length > (layout.rows - 1) * layout.cols) {
      const c = cells[cells.length - 1]!;
      if (!isBlack(raw.data, width, channels, c.left, c.top, layout.cellWidth, layout.cellHeight)) break;
      cells.pop();
    }
    layout.count = cells.length;
  }

  await mkdir(opts.outDir, { recursive: true });
  const images: GridImage[] = [];
  for (const [index, c] of cells.entries()) {
    const cell = () =>
      sharp(raw.data, { raw: { width, height, channels } }).extract({ left: c.left, top: c.top, width: layout.cellWidth, height: layout.cellHeight });
    const path = join(opts.outDir, `${index}.png`);
    const thumbPath = join(opts.outDir, `${index}.thumb.jpg`);
    await writeAtomic(path, await cell().png().toBuffer());
    await writeAtomic(thumbPath, await cell().resize(thumbSize, thumbSize, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 82 }).toBuffer());
    images.push({ index, path, thumbPath, width: layout.cellWidth, height: layout.cellHeight });
  }
  const result: SplitResult = { layout, images, cached: false };
  await writeAtomic(join(opts.outDir, MANIFEST), JSON.stringify({ bytes: encoded.length, thumbSize, layout, images }));
  return result;
}

function isBlack(data: Buffer, width: number, channels: number, left: number, top: number, w: number, h: number): boolean {
  for (let y = top; y < top + h; y++) {
    const row = (y * width + left) * channels;
    for (let i = row; i < row + w * channels; i++) if (data[i] !== 0) return false;
  }
  return true;
}

async function readManifest(outDir: string, bytes: number, thumbSize: number): Promise<SplitResult | undefined> {
  try {
    const m = JSON.parse(await readFile(join(outDir, MANIFEST), 'utf8')) as { bytes: number; thumbSize: number; layout: GridLayout; images: GridImage[] };
    // The byte count guards against a folder reused for a different grid (e.g. a rerun logging the same tag and step).
    if (m.bytes !== bytes || m.thumbSize !== thumbSize || !Array.isArray(m.images)) return undefined;
    return { layout: m.layout, images: m.images, cached: true };
  } catch {
    return undefined;
  }
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
