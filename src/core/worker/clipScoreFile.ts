// The CLIP scores of a run's validation images: one file owned by the run, next to its cut images,
//
//   <imageCacheDir>/<run id>/clip-scores.jsonl
//
// one JSON object per line and image, appended by the extension's scoring service (whole lines in one append):
//
//   {"ref":"validation-3-ab12cd34ef/0.png","tag":"validation","epoch":3,"step":120,"index":0,"score":27.31,"model":"…"}
//
// `ref` is the image's file relative to the run's image folder (its grid folder and file name, validationImages.ts),
// so the file stays true when the workspace moves. `model` names the scoring model: a new model appends its own lines
// and the older ones are kept, never mixed with them (run/clipScores.ts mergeClipScores). The monitor's clipScores
// source reads the file; this module is its format, and which images still need a score. Pure.
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { ClipImageScore } from '../run/events';
import type { RunState } from '../run/state';
import { validationStep } from '../run/clipScores';

export const CLIP_SCORES_FILE = 'clip-scores.jsonl';

/** `<imageCacheDir>/<run id>/clip-scores.jsonl` (the run's image folder, as the monitor's image sources use it). */
export function clipScoresPath(imageCacheDir: string, runId: string): string {
  return join(imageCacheDir, runId, CLIP_SCORES_FILE);
}

/**
 * The key of an extracted image (`ValidationImage.ref`, an absolute path): its grid folder and file name. Undefined
 * for a ref that is no extracted file (a summary's `eventfile#offset`).
 */
export function imageKeyOf(ref: string): string | undefined {
  if (!isAbsolute(ref) || !/\.png$/i.test(ref)) return undefined;
  return `${basename(dirname(ref))}/${basename(ref)}`;
}

/** One line of the file, newline included. */
export function formatClipScoreLine(c: ClipImageScore): string {
  const line = { ref: c.key, tag: c.tag, epoch: c.epoch, ...(c.step !== undefined ? { step: c.step } : {}), index: c.index, score: c.score, model: c.model };
  return JSON.stringify(line) + '\n';
}

const MAX_TEXT = 1000;
/**
 * The highest image index a line may give (the scripts' --num_validation_images is a handful): the views keep a
 * validation's scores in an array by index, so an index of 10^8 from a damaged file would cost a walk of 10^8 slots.
 */
export const MAX_IMAGE_INDEX = 9999;
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A line of the file (without its newline) → the score, or what is wrong with it. */
export function parseClipScoreLine(text: string): ClipImageScore | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { error: 'not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  if (!isText(o.ref)) return { error: '"ref" is not a file name' };
  if (!isText(o.tag)) return { error: '"tag" is not a text' };
  if (!isCount(o.epoch)) return { error: '"epoch" is not an integer >= 0' };
  if (o.step !== undefined && !isCount(o.step)) return { error: '"step" is not an integer >= 0' };
  if (!isCount(o.index) || o.index > MAX_IMAGE_INDEX) return { error: `"index" is not an integer from 0 to ${MAX_IMAGE_INDEX}` };
  if (typeof o.score !== 'number' || !Number.isFinite(o.score) || o.score < 0 || o.score > 100) return { error: '"score" is not a number from 0 to 100' };
  if (!isText(o.model)) return { error: '"model" is not a text' };
  return {
    key: o.ref,
    tag: o.tag,
    epoch: o.epoch,
    ...(o.step !== undefined ? { step: o.step as number } : {}),
    index: o.index,
    score: o.score,
    model: o.model,
  };
}

/** The prompt the run's validation and test images were made from (the scripts' --validation_prompt). */
export function validationPromptOf(s: RunState): string | undefined {
  const p = s.args?.validation_prompt;
  return typeof p === 'string' && p.trim() !== '' ? p : undefined;
}

export interface ImageToScore {
  /** The extracted image file. */
  path: string;
  /** What its line says, all but the score and model. */
  line: Omit<ClipImageScore, 'score' | 'model'>;
}

/**
 * The run's extracted validation and test images that have no score of `model` yet, in the state's order; `pending`
 * holds keys being scored or written but not read back yet.
 */
export function imagesToScore(s: RunState, model: string, pending: ReadonlySet<string> = new Set()): ImageToScore[] {
  const scored = new Set<string>();
  if (s.clip.model === model) for (const c of s.clip.scores) scored.add(c.key);
  const out: ImageToScore[] = [];
  for (const entry of s.validation.entries) {
    const step = validationStep(s, entry.tag, entry.epoch);
    entry.images.forEach((img, index) => {
      const key = imageKeyOf(img.ref);
      if (key === undefined || scored.has(key) || pending.has(key)) return;
      out.push({ path: img.ref, line: { key, tag: entry.tag, epoch: entry.epoch, ...(step !== undefined ? { step } : {}), index } });
    });
  }
  return out;
}
