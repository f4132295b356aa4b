// One metadata.jsonl of an imagefolder, read line by line. datasets reads the whole file as a table (one JSON object
// per line, `file_name` relative to the file's own folder) and fails the load on a line that does not parse, so each
// such line is an error here, named by its line number; the rest of the file is still checked.
import { dirname } from 'node:path';
import { readLines, type LineItem } from './lineReader';

export interface MetadataEntry {
  line: number;
  /** The caption column's value: a string, a list of strings (the script picks one), or null when absent/not text. */
  caption: string | string[] | null;
  /** The caption key is present (null: present but null or not text). */
  hasCaption: boolean;
}

export interface MetadataBadLine {
  line: number;
  message: string;
}

export interface MetadataFile {
  file: string;
  dir: string;
  /** By `file_name`, normalised to forward slashes without `./`. A later line for the same file wins, as in datasets. */
  entries: Map<string, MetadataEntry>;
  /** Every key seen on any line except `file_name`: the dataset's columns besides `image`. */
  columns: Set<string>;
  badLines: MetadataBadLine[];
  /** Bad lines past those kept in `badLines`. */
  moreBadLines: number;
  lines: number;
}

/** Longest line read; a caption is a few hundred bytes, so a longer line is a broken file, not data. */
export const MAX_METADATA_LINE = 1024 * 1024;
const KEPT_BAD_LINES = 50;

export function normaliseFileName(name: string): string {
  return name
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/\/+/g, '/');
}

export function readMetadata(file: string, captionColumn: string | null, signal?: AbortSignal): Promise<MetadataFile> {
  return parseMetadata(readLines(file, MAX_METADATA_LINE, signal), file, captionColumn);
}

/** The metadata of `file` from its lines (readLines' or splitLines'): what readMetadata reads, without the file. */
export async function parseMetadata(lines: AsyncIterable<LineItem>, file: string, captionColumn: string | null): Promise<MetadataFile> {
  const out: MetadataFile = { file, dir: dirname(file), entries: new Map(), columns: new Set(), badLines: [], moreBadLines: 0, lines: 0 };
  const bad = (line: number, message: string): void => {
    if (out.badLines.length < KEPT_BAD_LINES) out.badLines.push({ line, message });
    else out.moreBadLines++;
  };
  for await (const item of lines) {
    out.lines = item.line;
    if ('tooLong' in item) {
      bad(item.line, `line ${item.line} is longer than ${MAX_METADATA_LINE / 1048576} MiB`);
      continue;
    }
    if (item.text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(item.text);
    } catch (e) {
      bad(item.line, `line ${item.line} is not JSON (${e instanceof Error ? e.message : String(e)})`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      bad(item.line, `line ${item.line} is not a JSON object`);
      continue;
    }
    const obj = value as Record<string, unknown>;
    const name = obj['file_name'];
    if (typeof name !== 'string' || name === '') {
      bad(item.line, `line ${item.line} has no "file_name"`);
      continue;
    }
    for (const k of Object.keys(obj)) if (k !== 'file_name') out.columns.add(k);
    // Own keys only ("constructor" is in every object), and never file_name: datasets turns it into the image column.
    const hasCaption = captionColumn !== null && captionColumn !== 'file_name' && Object.prototype.hasOwnProperty.call(obj, captionColumn);
    const raw = hasCaption ? obj[captionColumn] : undefined;
    const caption = typeof raw === 'string' ? raw : Array.isArray(raw) && raw.length > 0 && raw.every((c) => typeof c === 'string') ? (raw as string[]) : null;
    out.entries.set(normaliseFileName(name), { line: item.line, caption, hasCaption });
  }
  return out;
}
