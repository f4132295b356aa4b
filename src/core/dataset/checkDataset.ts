// The dataset check: every image the script would read, opened through sharp a few at a time, and the metadata,
// captions and folder layout judged the way the scripts (diffusers v0.27.2) and datasets' imagefolder would fail or
// silently degrade on them. Never throws on bad input: everything becomes a finding with the file (and line).
import { existsSync } from 'node:fs';
import { basename, dirname, extname, relative, sep } from 'node:path';
import { CLIP_MAX_POSITIONS, type ImageTextScorer, type TokenCounter } from '../clip/types';
import type { HubAccess } from '../hub/hubAccess';
import { isWithin } from '../util/pathContainment';
import { reviewCaptions } from './clipReview';
import { findDuplicates, NEAR_BITS, type HashedImage } from './duplicates';
import { FolderError, listDreamboothFolder, walkImagefolder } from './enumerate';
import { checkHubDataset } from './hubDataset';
import { isImagefolderImage, isUnloadableImageName, PIL_MAX_IMAGE_PIXELS } from './imageFormats';
import { inspectImage } from './inspectImage';
import { normaliseFileName, readMetadata, type MetadataFile } from './metadata';
import { summarize } from './summary';
import { trainingCrop } from './trainingCrop';
import type { DatasetFinding, DatasetImage, DatasetReport, DatasetRole, DatasetSource } from './types';

export interface CheckOptions {
  /** The training resolution (the config's, else the script's default). */
  resolution: number;
  centerCrop: boolean;
  randomFlip: boolean;
  /** CLIP token counter of the configured model; captions are checked for length only when given. */
  tokenCount?: TokenCounter;
  /** Image–caption similarity; scored only when given. */
  scorer?: ImageTextScorer;
  /** Endpoint and token for a Hub dataset's file listing; without it a Hub dataset is not looked up. */
  hub?: HubAccess;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
  /** Images decoded at once (default 3). */
  concurrency?: number;
}

/** A crop keeping less than this share of the resized image is reported. */
export const CROP_LOSS_BELOW = 0.6;
/** Files load_dataset reads as a table (a local `dataset_name` folder holding them is not an image folder). */
const DATA_FILE = /\.(parquet|arrow|csv|tsv|jsonl?)$/i;
/** metadata-missing-file findings listed per metadata.jsonl; the rest are counted in one more. */
export const MAX_MISSING_LISTED = 100;
/** Tokens a caption may have: the 77 positions less BOS and EOS. */
export const CAPTION_TOKENS = CLIP_MAX_POSITIONS - 2;

/** Formats PIL opens that sharp cannot decode: such a file is left unchecked, not called "not an image". */
// prettier-ignore
const SHARP_BLIND = new Set([
  '.bmp', '.dib', '.ico', '.cur', '.tga', '.psd', '.pcx', '.dcx', '.icns', '.sgi', '.rgb', '.rgba', '.bw', '.ras',
  '.xbm', '.xpm', '.eps', '.ps', '.blp', '.dds', '.im', '.msp', '.pcd', '.pxr', '.wmf', '.emf',
]);

export async function checkDataset(source: DatasetSource, options: CheckOptions): Promise<DatasetReport> {
  const { resolution, signal } = options;
  const findings: DatasetFinding[] = [];
  const images: DatasetImage[] = [];
  const add = (f: DatasetFinding, image?: DatasetImage): void => {
    findings.push(f);
    if (image && !image.codes.includes(f.code)) image.codes.push(f.code);
  };
  // Images finish in any order: findings are sorted by file, then line, so a report reads (and diffs) the same each time.
  const report = (cancelled: boolean): DatasetReport => ({
    source,
    resolution,
    images,
    findings: findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0))),
    summary: summarize(images, findings),
    ...(cancelled ? { cancelled: true } : {}),
  });
  const checkCaptionLength = (caption: string, file: string, line: number | undefined, image?: DatasetImage): void => {
    if (!options.tokenCount) return;
    const n = options.tokenCount(caption);
    if (n > CAPTION_TOKENS)
      add(
        {
          code: 'caption-too-long',
          severity: 'warning',
          file,
          ...(line !== undefined ? { line } : {}),
          message: `caption is ${n} CLIP tokens; both text encoders keep the first ${CAPTION_TOKENS} and drop the rest silently`,
          fix: `Shorten the caption to at most ${CAPTION_TOKENS} tokens, most important words first`,
        },
        image,
      );
  };

  if (source.kind === 'hub') {
    if (!options.hub) {
      add({
        code: 'hub-dataset',
        severity: 'info',
        file: source.id,
        message: `Hub dataset ${source.id}: not looked up (no Hub access in this check); its images are checked only once downloaded`,
      });
    } else for (const f of await checkHubDataset(source.id, options.hub, signal)) add(f);
    return report(signal?.aborted === true);
  }

  const tables = { files: 0 };
  let pending: DatasetImage[];
  try {
    pending =
      source.kind === 'imagefolder'
        ? await imagefolderItems(source, options, add, checkCaptionLength, tables)
        : await dreamboothItems(source, add, checkCaptionLength);
  } catch (e) {
    if (!(e instanceof FolderError)) throw e;
    const file = source.kind === 'imagefolder' ? source.dir : source.instanceDir;
    add({
      code: 'no-images',
      severity: 'error',
      file,
      message: `${e.message}: there are no training images`,
      fix: 'Set the folder to one that holds the images',
    });
    return report(false);
  }
  if (signal?.aborted) return report(true);
  for (const image of pending) images.push(image);
  if (images.length === 0 && tables.files > 0) {
    // A local dataset_name folder of parquet/arrow/csv files: load_dataset reads it as a table, not as images.
    add({
      code: 'no-images',
      severity: 'info',
      file: source.kind === 'imagefolder' ? source.dir : source.instanceDir,
      message: `no image files, but ${tables.files} data file(s) (parquet, arrow, csv, json): load_dataset reads those as a table, which this check does not open`,
    });
  } else if (images.length === 0) {
    const file = source.kind === 'imagefolder' ? source.dir : source.instanceDir;
    add({
      code: 'no-images',
      severity: 'error',
      file,
      message: 'no images found: the script has nothing to train on',
      fix: 'Put the training images in this folder',
    });
  }

  // Pixels: a few images in flight at once; each ends as facts or a finding.
  const hashed: HashedImage[] = [];
  let done = 0;
  const total = images.length;
  options.onProgress?.(0, total);
  const checkOne = async (index: number): Promise<void> => {
    const image = images[index]!;
    const facts = await inspectImage(image.file);
    if (facts.format) image.format = facts.format;
    if (facts.width && facts.height) {
      image.width = facts.width;
      image.height = facts.height;
    }
    if (!facts.ok) {
      const ext = extname(image.file).toLowerCase();
      if (facts.code === 'not-an-image' && SHARP_BLIND.has(ext)) {
        add(
          {
            code: 'unsupported-format',
            severity: 'info',
            file: image.file,
            message: `${ext} image: PIL opens it, but this check cannot decode it, so it was not checked`,
          },
          image,
        );
      } else {
        add({ code: facts.code, severity: 'error', file: image.file, message: facts.message, fix: fixOf(facts.code, source) }, image);
      }
      return;
    }
    hashed.push({ index, sha256: facts.sha256, dhash: facts.dhash, mean: facts.mean });
    const { width, height } = facts;
    if (width * height > PIL_MAX_IMAGE_PIXELS) {
      add(
        {
          code: 'too-large',
          severity: 'warning',
          file: image.file,
          message: `${width}×${height} is over PIL's ${(PIL_MAX_IMAGE_PIXELS / 1e6).toFixed(0)} million pixel limit: it loads with a DecompressionBombWarning, slowly`,
          fix: `Downscale it; a shorter side of ${resolution} px is all the training uses`,
        },
        image,
      );
    }
    const short = Math.min(width, height);
    if (short < resolution) {
      add(
        {
          code: 'too-small',
          severity: 'warning',
          file: image.file,
          message: `${width}×${height}: the shorter side ${short} px is below the resolution ${resolution}, so it is upscaled ×${(resolution / short).toFixed(2)} and trains blurry`,
          fix: `Use an image with a shorter side of at least ${resolution} px, or lower --resolution`,
        },
        image,
      );
    }
    const crop = trainingCrop(width, height, resolution, { centerCrop: options.centerCrop, flip: false, random: () => 0 });
    if (crop.keptFraction < CROP_LOSS_BELOW) {
      const lost = Math.round((1 - crop.keptFraction) * 100);
      add(
        {
          code: 'crop-loss',
          severity: 'warning',
          file: image.file,
          message: `${width}×${height} is resized to ${crop.resizedWidth}×${crop.resizedHeight} and cropped to ${resolution}×${resolution}: the ${options.centerCrop ? 'centre' : 'random'} crop drops ${lost}% of it`,
          fix: 'Crop the image to the part that matters, near square, before training',
        },
        image,
      );
    }
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < images.length && !signal?.aborted) {
      const index = next++;
      await checkOne(index);
      options.onProgress?.(++done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 3) }, () => worker()));

  for (const group of findDuplicates(hashed)) {
    const [first, ...rest] = group.members.map((i) => images[i]!);
    for (const im of rest) {
      const others = group.members.map((i) => images[i]!.file).filter((f) => f !== im.file);
      if (group.kind === 'exact')
        add(
          {
            code: 'duplicate',
            severity: 'warning',
            file: im.file,
            message: `exact copy of ${first!.file}: it trains twice as often`,
            fix: 'Delete the copy',
            related: others,
          },
          im,
        );
      else
        add(
          {
            code: 'duplicate',
            severity: 'info',
            file: im.file,
            message: `near duplicate of ${first!.file} (perceptual hash within ${NEAR_BITS} of 64 bits)`,
            fix: 'Keep one unless the difference matters',
            related: others,
          },
          im,
        );
    }
  }
  if (signal?.aborted) return report(true);

  if (options.scorer) {
    const errorFiles = new Set(findings.filter((f) => f.severity === 'error').map((f) => f.file));
    try {
      const review = await reviewCaptions(images, options.scorer, (im) => errorFiles.has(im.file), signal);
      for (const f of review.findings) findings.push(f);
      if (review.cancelled) return report(true);
    } catch (e) {
      if (signal?.aborted) return report(true);
      add({
        code: 'low-clip-score',
        severity: 'info',
        file: source.kind === 'imagefolder' ? source.dir : source.instanceDir,
        message: `image–caption scoring stopped: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  }
  return report(signal?.aborted === true);
}

function fixOf(code: 'not-an-image' | 'corrupt-image' | 'unsupported-format' | 'too-large', source: DatasetSource): string {
  switch (code) {
    case 'not-an-image':
      return source.kind === 'dreambooth'
        ? 'Move it out of the folder: the script opens every file in it as an image'
        : 'Remove it or replace it with the real image';
    case 'corrupt-image':
      return 'Re-export or re-download the image, or remove it: the run fails when it reaches it';
    case 'unsupported-format':
      return 'Convert it to PNG or JPEG';
    case 'too-large':
      return 'Downscale it (a shorter side of a few thousand pixels is plenty)';
  }
}

type Add = (f: DatasetFinding, image?: DatasetImage) => void;
type CaptionLength = (caption: string, file: string, line: number | undefined, image?: DatasetImage) => void;

function outside(add: Add, path: string, target: string | undefined): void {
  add({
    code: 'outside-folder',
    severity: 'warning',
    file: path,
    message: target ? `symlink to ${target}, outside the dataset folder: not checked` : 'symlink whose target does not exist: not checked',
    fix: 'Copy the file into the dataset folder, or remove the link',
  });
}

function newImage(file: string, role: DatasetRole, caption: string | null): DatasetImage {
  return { file, role, caption, codes: [] };
}

async function dreamboothItems(source: Extract<DatasetSource, { kind: 'dreambooth' }>, add: Add, captionLength: CaptionLength): Promise<DatasetImage[]> {
  const out: DatasetImage[] = [];
  const folders: Array<[string, DatasetRole, string | undefined]> = [[source.instanceDir, 'instance', source.instancePrompt]];
  if (source.classDir !== undefined) folders.push([source.classDir, 'class', source.classPrompt]);
  for (const [dir, role, prompt] of folders) {
    if (role === 'class' && !existsSync(dir)) {
      add({
        code: 'no-images',
        severity: 'info',
        file: dir,
        message: 'the class folder does not exist yet: the script creates it and generates the class images before training',
      });
      continue;
    }
    if (prompt !== undefined) captionLength(prompt, dir, undefined);
    for await (const e of listDreamboothFolder(dir)) {
      if (e.kind === 'outside') outside(add, e.path, e.target);
      else if (e.kind === 'dir')
        add({
          code: 'not-an-image',
          severity: 'error',
          file: e.path,
          message: `a folder inside the ${role} folder: the script opens every entry of it as an image (Path.iterdir), and Image.open fails on a folder`,
          fix: 'Move the subfolder out; the script does not look inside it',
        });
      else if (e.kind === 'special')
        add({
          code: 'not-an-image',
          severity: 'error',
          file: e.path,
          message: `not a regular file (a FIFO, socket or device) inside the ${role} folder: the script opens every entry as an image`,
          fix: 'Remove it from the folder',
        });
      else out.push(newImage(e.path, role, prompt ?? null));
    }
  }
  return out;
}

async function imagefolderItems(
  source: Extract<DatasetSource, { kind: 'imagefolder' }>,
  options: CheckOptions,
  add: Add,
  captionLength: CaptionLength,
  tables: { files: number },
): Promise<DatasetImage[]> {
  const { signal } = options;
  const files: string[] = [];
  const metaPaths: string[] = [];
  const linkedOut = new Set<string>();
  for await (const e of walkImagefolder(source.dir, signal)) {
    if (e.kind === 'outside') {
      outside(add, e.path, e.target);
      linkedOut.add(e.path);
    } else if (e.kind === 'file') {
      const name = basename(e.path);
      if (name === 'metadata.jsonl') metaPaths.push(e.path);
      else if (isImagefolderImage(name)) files.push(e.path);
      else if (DATA_FILE.test(name)) tables.files++;
      else if (isUnloadableImageName(name))
        add({
          code: 'unsupported-format',
          severity: 'warning',
          file: e.path,
          message: `imagefolder skips ${extname(name)} files (PIL cannot open them): this image is not trained on`,
          fix: 'Convert it to PNG or JPEG',
        });
    }
  }
  const metas = new Map<string, MetadataFile>();
  for (const path of metaPaths) {
    if (signal?.aborted) return [];
    const m = await readMetadata(path, source.captionColumn, signal);
    metas.set(m.dir, m);
    for (const b of m.badLines)
      add({
        code: 'metadata-bad-line',
        severity: 'error',
        file: path,
        line: b.line,
        message: `${b.message}: datasets cannot load the file, so the run fails`,
        fix: 'Fix or delete the line: one JSON object per line, with "file_name" and the caption',
      });
    if (m.moreBadLines > 0) add({ code: 'metadata-bad-line', severity: 'error', file: path, message: `${m.moreBadLines} more bad lines not listed` });
  }
  const columns = new Set(['image']);
  for (const m of metas.values()) for (const c of m.columns) columns.add(c);
  const colList = Array.from(columns).join(', ');
  const metaFile = metaPaths[0] ?? source.dir;
  let captionsUsable = source.captionColumn !== null;
  if (metas.size === 0) {
    if (source.captionColumn !== null && files.length > 0) {
      captionsUsable = false;
      add({
        code: 'missing-metadata',
        severity: 'error',
        file: source.dir,
        message: `no metadata.jsonl in the folder: the dataset has only the column "image", and the script stops with "--caption_column' value '${source.captionColumn}' needs to be one of: image"`,
        fix: `Add a metadata.jsonl with one line per image, e.g. {"file_name": "0001.png", "${source.captionColumn}": "a caption"}`,
      });
    }
  } else {
    if (!columns.has(source.imageColumn))
      add({
        code: 'column-mismatch',
        severity: 'error',
        file: metaFile,
        message: `image_column "${source.imageColumn}" is not a column of the dataset (${colList}): the script stops`,
        fix: 'Set image_column to "image" (imagefolder names the image column so)',
      });
    if (source.captionColumn !== null && !columns.has(source.captionColumn)) {
      captionsUsable = false;
      add({
        code: 'column-mismatch',
        severity: 'error',
        file: metaFile,
        message: `caption_column "${source.captionColumn}" is not a column of the dataset (${colList}): the script stops`,
        fix: `Set caption_column to one of ${colList}, or rename the key in metadata.jsonl`,
      });
    }
  }
  // Each image takes its entry from the nearest metadata.jsonl in its own folder or above (datasets' rule).
  const used = new Map<MetadataFile, Set<string>>();
  const out: DatasetImage[] = [];
  for (const file of files) {
    let meta: MetadataFile | undefined;
    for (let d = dirname(file); isWithin(source.dir, d); d = dirname(d)) {
      meta = metas.get(d);
      if (meta || d === dirname(d)) break;
    }
    const image = newImage(file, 'train', null);
    out.push(image);
    if (metas.size === 0) continue;
    if (!meta) {
      add(
        {
          code: 'no-metadata-entry',
          severity: 'error',
          file,
          message: 'no metadata.jsonl in its folder or above it, while others exist: datasets stops on it',
          fix: 'Move the image under a folder whose metadata.jsonl lists it',
        },
        image,
      );
      continue;
    }
    const key = normaliseFileName(relative(meta.dir, file).split(sep).join('/'));
    const entry = meta.entries.get(key);
    if (!entry) {
      add(
        {
          code: 'no-metadata-entry',
          severity: 'error',
          file,
          message: `${key} has no line in ${meta.file}: datasets stops with "doesn't have metadata"`,
          fix: `Add a line {"file_name": ${JSON.stringify(key)}, …} or remove the image`,
        },
        image,
      );
      continue;
    }
    let u = used.get(meta);
    if (!u) used.set(meta, (u = new Set()));
    u.add(key);
    image.captionLine = entry.line;
    if (!captionsUsable || source.captionColumn === null) continue;
    const caption = entry.caption;
    image.caption = typeof caption === 'string' ? caption : caption === null ? null : caption[0]!;
    if (caption === null) {
      add(
        {
          code: 'no-caption',
          severity: 'error',
          file: meta.file,
          line: entry.line,
          message: `${key} has no "${source.captionColumn}" text: the LoRA script stops ("Caption column … should contain either strings or lists of strings"); the full script drops it, and the batch's captions no longer line up with its images`,
          fix: `Give the line a "${source.captionColumn}" string`,
        },
        image,
      );
      continue;
    }
    const texts = typeof caption === 'string' ? [caption] : caption;
    if (texts.some((t) => t.trim() === '')) {
      add(
        {
          code: 'no-caption',
          severity: 'warning',
          file: meta.file,
          line: entry.line,
          message: `${key} has an empty caption: it trains as an unconditional image`,
          fix: 'Write a caption, or leave it empty on purpose',
        },
        image,
      );
    }
    for (const t of texts) captionLength(t, meta.file, entry.line, image);
  }
  for (const m of metas.values()) {
    const u = used.get(m);
    let listed = 0;
    let more = 0;
    for (const [key, entry] of m.entries) {
      if (u?.has(key)) continue;
      if (listed >= MAX_MISSING_LISTED) {
        more++;
        continue;
      }
      listed++;
      const target = `${m.dir}${sep}${key.split('/').join(sep)}`;
      // A link out of the folder is reported as such; the script would read it.
      if (linkedOut.has(target)) continue;
      const there = existsSync(target);
      add({
        code: 'metadata-missing-file',
        severity: 'warning',
        file: m.file,
        line: entry.line,
        message: there
          ? `${key} is listed but imagefolder does not load it (not an image extension it reads, or hidden): its caption is unused`
          : `${key} is listed but there is no such file: its caption is unused`,
        fix: there ? 'Convert the file to PNG or JPEG, or remove the line' : 'Fix the file_name or remove the line',
      });
    }
    if (more > 0) add({ code: 'metadata-missing-file', severity: 'warning', file: m.file, message: `${more} more lines name files that are not loaded` });
  }
  return out;
}
