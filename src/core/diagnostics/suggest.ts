// "Did you mean" for misspelt keys and values.
import type { WorkCounter } from '../util/workCounter';

/** Unknown keys and values per document that get a "did you mean": past these a hostile file costs no more. */
export const MAX_SUGGESTIONS = 100;

/**
 * Levenshtein distance (insert, delete, substitute each cost 1), or a number above `max` as soon as it is certain to
 * exceed `max`: at once when the lengths differ by more, else when a whole row of the table does.
 */
export function editDistance(a: string, b: string, max = Infinity, work?: WorkCounter): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = new Uint32Array(b.length + 1).map((_, j) => j);
  let cur = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (cur[j]! < rowMin) rowMin = cur[j]!;
    }
    if (work) work.editCells += b.length;
    if (rowMin > max) return max + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** The candidate closest to `word`, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: Iterable<string>, work?: WorkCounter): string | undefined {
  const w = normaliseKey(word);
  // Allow about one typo per four characters, at least two: `learnig_rate` yes, `foo` → `seed` no.
  const limit = Math.max(2, Math.floor(w.length / 4));
  let best: string | undefined;
  let bestDist = limit + 1;
  for (const c of candidates) {
    if (normaliseKey(c) === w) return c;
    const lower = c.toLowerCase();
    // Only a strictly closer candidate replaces the best, so ties go to the first, as they always have.
    if (Math.abs(lower.length - w.length) >= bestDist) continue;
    const d = editDistance(w, lower, bestDist - 1, work);
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

/** `closest` for the first `budget` words of a document, then nothing (the diagnostic stays, without its hint). */
export class Suggester {
  private left: number;

  constructor(
    budget = MAX_SUGGESTIONS,
    private readonly work?: WorkCounter,
  ) {
    this.left = budget;
  }

  closest(word: string, candidates: Iterable<string>): string | undefined {
    if (this.left <= 0) return undefined;
    this.left--;
    return closest(word, candidates, this.work);
  }
}

/** `--Learning-Rate` → `learning_rate`: how users often paste argparse flags. */
export function normaliseKey(key: string): string {
  return key.replace(/^-+/, '').replace(/-/g, '_').toLowerCase();
}
