// The images a folder source holds, and the findings about its layout and captions, before any pixel is read:
//  - DreamBooth: every entry of the instance (and class) folder, as the script's Path.iterdir() + Image.open sees them.
//  - imagefolder: the image files below the folder, each matched to the nearest metadata.jsonl in its folder or above
//    (datasets' rule), with the metadata's bad lines, columns, entries without a file and captions judged.
import { existsSync } from 'node:fs';
import { basename, dirname, extname, relative, sep } from 'node:path';
import { isWithin } from '../util/pathContainment';
import { listDreamboothFolder, walkImagefolder } from './enumerate';
import { isImagefolderImage, isUnloadableImageName } from './imageFormats';
import { normaliseFileName, readMetadata, type MetadataFile } from './metadata';
import type { DatasetFinding, DatasetImage, DatasetRole, DatasetSource } from './types';

/** Files load_dataset reads as a table (a local `dataset_name` folder holding them is not an image folder). */
const DATA_FILE = /\.(parquet|arrow|csv|tsv|jsonl?)$/i;
/** metadata-missing-file findings listed per metadata.jsonl; the rest are counted in one more. */
export const MAX_MISSING_LISTED = 100;

export type Add = (f: DatasetFinding, image?: DatasetImage) => void;
export type CaptionLength = (caption: string, file: string, line: number | undefined, image?: DatasetImage) => void;

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

export async function dreamboothItems(source: Extract<DatasetSource, { kind: 'dreambooth' }>, add: Add, captionLength: CaptionLength): Promise<DatasetImage[]> {
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

export async function imagefolderItems(
  source: Extract<DatasetSource, { kind: 'imagefolder' }>,
  add: Add,
  captionLength: CaptionLength,
  tables: { files: number },
  signal?: AbortSignal,
): Promise<DatasetImage[]> {
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
    image.captionFile = meta.file;
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
