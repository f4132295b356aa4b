// The dataset check: every image the script would read, opened through sharp a few at a time, and the metadata,
// captions and folder layout judged the way the scripts (diffusers v0.27.2) and datasets' imagefolder would fail or
// silently degrade on them. Never throws on bad input: everything becomes a finding with the file (and line).
import { extname } from 'node:path';
import { CLIP_MAX_POSITIONS, type ImageTextScorer, type TokenCounter } from '../clip/types';
import type { HubAccess } from '../hub/hubAccess';
import { reviewCaptions } from './clipReview';
import { findDuplicates, NEAR_BITS, type HashedImage } from './duplicates';
import { FolderError } from './enumerate';
import { dreamboothItems, imagefolderItems } from './folderItems';
import { checkHubDataset } from './hubDataset';
import { PIL_MAX_IMAGE_PIXELS } from './imageFormats';
import { inspectImage } from './inspectImage';
import { summarize } from './summary';
import { trainingCrop } from './trainingCrop';
import type { DatasetFinding, DatasetImage, DatasetReport, DatasetSource } from './types';

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
        ? await imagefolderItems(source, add, checkCaptionLength, tables, signal)
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
        code: 'clip-unavailable',
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
