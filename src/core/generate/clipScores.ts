// CLIP scores of a generation job's images against their prompts, computed once and kept in
// `<job outputDir>/clip-scores.json` ({version, model, scores: {<image file>: score}}), so the comparison panel, a
// reload and a second window read the same numbers. A file of another model counts for nothing (scored anew).
import { join } from 'node:path';
import type { ImageTextScorer } from '../clip/types';
import { writeJsonAtomic } from '../supervisor/atomicFile';
import { isWithin } from '../util/pathContainment';
import type { GeneratedImage } from './types';
import { readRegularFile } from '../util/regularFile';
import { RECORD_FILE_MAX_BYTES } from '../supervisor/atomicFile';

export const GENERATION_CLIP_SCORES_FILE = 'clip-scores.json';

export interface GenerationClipScoresFile {
  version: 1;
  /** The model's id (sdxl.clip.model: a Hub id or a folder). */
  model: string;
  scores: Record<string, number>;
}

/** The scores of `model` kept for the job, by image file; empty when there are none (or they are another model's). */
export async function readGenerationClipScores(outputDir: string, model: string): Promise<Map<string, number>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readRegularFile(join(outputDir, GENERATION_CLIP_SCORES_FILE), RECORD_FILE_MAX_BYTES));
  } catch {
    // No file yet, or a torn one (written by a tool other than ours): scored anew.
    return new Map();
  }
  const out = new Map<string, number>();
  if (typeof parsed !== 'object' || parsed === null) return out;
  const f = parsed as Partial<GenerationClipScoresFile>;
  if (f.version !== 1 || f.model !== model || typeof f.scores !== 'object' || f.scores === null) return out;
  for (const [file, score] of Object.entries(f.scores)) if (typeof score === 'number' && Number.isFinite(score)) out.set(file, score);
  return out;
}

export interface ScoreGenerationOptions {
  outputDir: string;
  images: readonly GeneratedImage[];
  prompts: readonly string[];
  model: string;
  scorer: ImageTextScorer;
  /** Scores already known (readGenerationClipScores): only the others are scored. */
  known: ReadonlyMap<string, number>;
  signal?: AbortSignal;
}

/** The images of `images` not in `known` (and inside the output folder, with a prompt), to score. */
export function unscoredImages(o: Pick<ScoreGenerationOptions, 'outputDir' | 'images' | 'prompts' | 'known'>): GeneratedImage[] {
  return o.images.filter((i) => !o.known.has(i.file) && o.prompts[i.promptIndex] !== undefined && isWithin(o.outputDir, join(o.outputDir, i.file)));
}

/**
 * Scores the images not scored yet against their prompts (one scorer call per prompt), and writes every score to the
 * job's file (writeJsonAtomic: a temp file renamed over it). Returns all scores. A scorer error (an unreadable image names
 * its path) rejects, with the scores so far not written.
 */
export async function scoreGenerationImages(o: ScoreGenerationOptions): Promise<Map<string, number>> {
  const todo = unscoredImages(o);
  const scores = new Map(o.known);
  if (todo.length === 0) return scores;
  const byPrompt = new Map<number, GeneratedImage[]>();
  for (const img of todo) {
    const list = byPrompt.get(img.promptIndex) ?? [];
    list.push(img);
    byPrompt.set(img.promptIndex, list);
  }
  for (const [promptIndex, imgs] of byPrompt) {
    const got = await o.scorer.score(
      imgs.map((i) => join(o.outputDir, i.file)),
      o.prompts[promptIndex]!,
      o.signal,
    );
    if (got.length !== imgs.length) throw new Error(`the scorer gave ${got.length} scores for ${imgs.length} images`);
    imgs.forEach((img, n) => scores.set(img.file, got[n]!));
  }
  const file: GenerationClipScoresFile = { version: 1, model: o.model, scores: Object.fromEntries(scores) };
  writeJsonAtomic(join(o.outputDir, GENERATION_CLIP_SCORES_FILE), file);
  return scores;
}
