// Image–caption similarity over a dataset: each captioned, readable image scored against its own caption (CLIP score,
// 0–100), and the few that stand out low flagged for review. The rule: the lowest 5% of the scored images (at least
// one, at most 20), and of those only the ones at least 15% below the dataset's median score, so a dataset whose
// captions all fit has nothing flagged, however its scores spread. Needs at least MIN_SCORED images to have a median.
import { basename } from 'node:path';
import type { ImageTextScorer } from '../clip/types';
import type { DatasetFinding, DatasetImage } from './types';

export const CLIP_BATCH = 16;
export const MIN_SCORED = 5;
const LOWEST_FRACTION = 0.05;
const MAX_FLAGGED = 20;
const BELOW_MEDIAN = 0.85;

export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/** Indices (into `scores`) to flag, lowest first. */
export function lowScoreOutliers(scores: readonly number[]): number[] {
  if (scores.length < MIN_SCORED) return [];
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const mid = median(order.map(([s]) => s));
  const k = Math.min(MAX_FLAGGED, Math.max(1, Math.floor(scores.length * LOWEST_FRACTION)));
  return order
    .slice(0, k)
    .filter(([s]) => s < mid * BELOW_MEDIAN)
    .map(([, i]) => i);
}

/**
 * Scores the images that have a caption and no error, in batches (the signal is checked between them), sets each
 * image's clipScore, and returns the low-clip-score findings; `cancelled` when the signal stopped it part way.
 */
export async function reviewCaptions(
  images: DatasetImage[],
  scorer: ImageTextScorer,
  errorCodes: (image: DatasetImage) => boolean,
  signal?: AbortSignal,
): Promise<{ findings: DatasetFinding[]; cancelled: boolean }> {
  const scored = images.filter((im) => im.caption !== null && im.caption.trim() !== '' && im.width !== undefined && !errorCodes(im));
  for (let at = 0; at < scored.length; at += CLIP_BATCH) {
    if (signal?.aborted) return { findings: [], cancelled: true };
    const batch = scored.slice(at, at + CLIP_BATCH);
    const scores = await scorer.scorePairs(
      batch.map((im) => im.file),
      batch.map((im) => im.caption!),
      signal,
    );
    batch.forEach((im, i) => (im.clipScore = scores[i]));
  }
  const values = scored.map((im) => im.clipScore!);
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length > 0 ? median(sorted) : 0;
  const findings = lowScoreOutliers(values).map((i): DatasetFinding => {
    const im = scored[i]!;
    if (!im.codes.includes('low-clip-score')) im.codes.push('low-clip-score');
    // On the caption's metadata.jsonl line when it has one (where it is rewritten; a line number on the image itself
    // would read as "0001.png:2"), else on the image (a DreamBooth prompt).
    const onLine = im.captionLine !== undefined && im.captionFile !== undefined;
    return {
      code: 'low-clip-score',
      severity: 'info',
      file: onLine ? im.captionFile! : im.file,
      ...(onLine ? { line: im.captionLine! } : {}),
      message: `${onLine ? `${basename(im.file)}: ` : ''}CLIP score ${im.clipScore!.toFixed(1)} against its caption, well below the dataset's median of ${mid.toFixed(1)}: the caption may not describe the image`,
      fix: 'Look at the image and its caption; rewrite the caption or drop the image',
    };
  });
  return { findings, cancelled: false };
}
