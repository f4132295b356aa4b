// "Did you mean" for misspelt keys and values.

/** Levenshtein distance (insert, delete, substitute each cost 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The candidate closest to `word`, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = normaliseKey(word);
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    if (normaliseKey(c) === w) return c;
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  // Allow about one typo per four characters, at least two: `learnig_rate` yes, `foo` → `seed` no.
  return best !== undefined && bestDist <= Math.max(2, Math.floor(w.length / 4)) ? best : undefined;
}

/** `--Learning-Rate` → `learning_rate`: how users often paste argparse flags. */
export function normaliseKey(key: string): string {
  return key.replace(/^-+/, '').replace(/-/g, '_').toLowerCase();
}
