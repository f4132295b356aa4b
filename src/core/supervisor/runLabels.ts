// A run's labels: the name, note and tags the user gives it. Kept in the record folder's own `labels.json`, never in
// run.json: the detached wrapper rewrites run.json (read-modify-write), and a rename written there meanwhile is lost.
import { randomUUID } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { errText } from '../util/errText';
import { readJsonIfExists, RECORD_FILE_MAX_BYTES, writeJsonAtomic } from './atomicFile';
import { readRegularFile, UnreadableFileError } from '../util/regularFile';

export const LABELS_FILE = 'labels.json';
/**
 * Rewritten in the records folder on every edit, so another window (recordsWatch.ts) notices a relabel of an ended
 * run, whose monitor reads nothing more. A dot file: listRuns passes over it.
 */
export const LABELS_STAMP = '.labels-stamp';
export const MAX_NAME = 200;
export const MAX_NOTE = 4000;
export const MAX_TAGS = 20;
export const MAX_TAG = 40;

/** What the user named, noted and tagged a run. An absent name means the record's (the config's) name. */
export interface RunLabels {
  name?: string;
  note?: string;
  tags: string[];
}

export function labelsPath(recordDir: string): string {
  return join(recordDir, LABELS_FILE);
}

// Names and tags are one line; a note may hold line breaks and tabs, nothing else below U+0020 (or DEL, C1).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const NOTE_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Why a name cannot be used, or undefined. */
export function nameProblem(name: string): string | undefined {
  if (!name.trim()) return 'the name is empty';
  if (name.length > MAX_NAME) return `the name is ${name.length} characters long (at most ${MAX_NAME})`;
  if (CONTROL.test(name)) return 'the name holds a control character';
  return undefined;
}

export function noteProblem(note: string): string | undefined {
  if (note.length > MAX_NOTE) return `the note is ${note.length} characters long (at most ${MAX_NOTE})`;
  if (NOTE_CONTROL.test(note)) return 'the note holds a control character';
  return undefined;
}

export function tagProblem(tag: string): string | undefined {
  if (!tag.trim()) return 'a tag is empty';
  if (tag.length > MAX_TAG) return `the tag "${tag.slice(0, MAX_TAG)}…" is ${tag.length} characters long (at most ${MAX_TAG})`;
  if (CONTROL.test(tag)) return `the tag ${JSON.stringify(tag)} holds a control character`;
  return undefined;
}

/** Trimmed, without repeats (case-insensitive, the first spelling kept), in the order given. */
export function normalizeTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of tags) {
    const t = raw.trim();
    if (!t || seen.has(t.toLowerCase())) continue;
    seen.add(t.toLowerCase());
    out.push(t);
  }
  return out;
}

/** Every problem of a labels value, each naming the field; empty when it may be written. */
export function labelsProblems(labels: RunLabels): string[] {
  const problems: string[] = [];
  if (labels.name !== undefined) {
    const p = nameProblem(labels.name);
    if (p) problems.push(p);
  }
  if (labels.note !== undefined) {
    const p = noteProblem(labels.note);
    if (p) problems.push(p);
  }
  if (labels.tags.length > MAX_TAGS) problems.push(`${labels.tags.length} tags (at most ${MAX_TAGS})`);
  for (const t of labels.tags) {
    const p = tagProblem(t);
    if (p) problems.push(p);
  }
  return problems;
}

/**
 * Decodes a parsed labels.json leniently: each field that is valid is kept, each that is not is left out and named in
 * `problems` (a file edited by hand loses only what is wrong in it).
 */
export function decodeLabels(value: unknown, where: string): { labels: RunLabels; problems: string[] } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { labels: { tags: [] }, problems: [`${where}: not a JSON object`] };
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  const labels: RunLabels = { tags: [] };
  if (v.name !== undefined) {
    const p = typeof v.name === 'string' ? nameProblem(v.name) : 'the name is not a string';
    if (p) problems.push(`${where}: ${p}`);
    else labels.name = (v.name as string).trim();
  }
  if (v.note !== undefined) {
    const p = typeof v.note === 'string' ? noteProblem(v.note) : 'the note is not a string';
    if (p) problems.push(`${where}: ${p}`);
    else if ((v.note as string).trim()) labels.note = v.note as string;
  }
  if (v.tags !== undefined) {
    if (!Array.isArray(v.tags)) problems.push(`${where}: tags is not a list`);
    else {
      const good: string[] = [];
      for (const t of v.tags) {
        const p = typeof t === 'string' ? tagProblem(t) : `a tag is not a string (${JSON.stringify(t)})`;
        if (p) problems.push(`${where}: ${p}`);
        else good.push(t as string);
      }
      labels.tags = normalizeTags(good);
      if (labels.tags.length > MAX_TAGS) {
        problems.push(`${where}: ${labels.tags.length} tags (at most ${MAX_TAGS}); the first ${MAX_TAGS} kept`);
        labels.tags = labels.tags.slice(0, MAX_TAGS);
      }
    }
  }
  return { labels, problems };
}

export type LabelsRead = { labels: RunLabels; problems: string[]; missing?: boolean };

/** Reads a record folder's labels; never throws (a missing file is no labels, a broken one its problems). */
export async function readLabels(recordDir: string): Promise<LabelsRead> {
  const path = labelsPath(recordDir);
  let text: string;
  try {
    text = await readRegularFile(path, RECORD_FILE_MAX_BYTES);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { labels: { tags: [] }, problems: [], missing: true };
    return { labels: { tags: [] }, problems: [e instanceof UnreadableFileError ? e.message : `cannot read ${path}: ${errText(e)}`] };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { labels: { tags: [] }, problems: [`${path}: not valid JSON: ${errText(e)}`] };
  }
  return decodeLabels(value, path);
}

/** readLabels for synchronous readers (the CLI's list); never throws. */
export function readLabelsSync(recordDir: string): LabelsRead {
  const path = labelsPath(recordDir);
  try {
    const value = readJsonIfExists<unknown>(path);
    if (value === undefined) return { labels: { tags: [] }, problems: [], missing: true };
    return decodeLabels(value, path);
  } catch (e) {
    return { labels: { tags: [] }, problems: [errText(e)] };
  }
}

/** What an edit changes: a name of '' or null goes back to the record's name; a note of '' removes it. */
export interface LabelsEdit {
  name?: string | null;
  note?: string | null;
  /** Replaces the tags. */
  tags?: readonly string[];
  addTags?: readonly string[];
  removeTags?: readonly string[];
}

export function applyLabelsEdit(labels: RunLabels, edit: LabelsEdit): RunLabels {
  const next: RunLabels = { ...labels, tags: [...labels.tags] };
  if (edit.name !== undefined) {
    const n = edit.name?.trim();
    if (n) next.name = n;
    else delete next.name;
  }
  if (edit.note !== undefined) {
    if (edit.note && edit.note.trim()) next.note = edit.note;
    else delete next.note;
  }
  if (edit.tags) next.tags = normalizeTags(edit.tags);
  if (edit.addTags) next.tags = normalizeTags([...next.tags, ...edit.addTags]);
  if (edit.removeTags) {
    const gone = new Set(edit.removeTags.map((t) => t.trim().toLowerCase()));
    next.tags = next.tags.filter((t) => !gone.has(t.toLowerCase()));
  }
  return next;
}

/**
 * Applies an edit to a record folder's labels and writes them atomically (owner-only). Throws, naming the file, when
 * the result is not valid (nothing written) or cannot be written. A broken file on disk is replaced by the edit
 * applied to what could be read of it.
 */
export async function editLabels(recordDir: string, edit: LabelsEdit): Promise<RunLabels> {
  const current = await readLabels(recordDir);
  const next = applyLabelsEdit(current.labels, edit);
  const problems = labelsProblems(next);
  if (problems.length) throw new Error(`${labelsPath(recordDir)}: ${problems.join('; ')}`);
  writeJsonAtomic(labelsPath(recordDir), {
    ...(next.name !== undefined ? { name: next.name } : {}),
    ...(next.note !== undefined ? { note: next.note } : {}),
    tags: next.tags,
  });
  try {
    writeJsonAtomic(join(dirname(recordDir), LABELS_STAMP), { run: basename(recordDir), at: new Date().toISOString(), n: randomUUID() });
  } catch {
    // the labels are written; other windows then see them at their next refresh
  }
  return next;
}
