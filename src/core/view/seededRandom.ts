// A small seeded random source (mulberry32) for the Preview Dataset's training crop: the same image and draw number
// give the same crop, so a reloaded panel shows the draw it showed, and "Redraw" moves to the next one.

/** Uniform [0, 1) numbers from a seed made of `parts` (e.g. image index and draw number). */
export function seededRandom(...parts: number[]): () => number {
  let a = 0x9e3779b9;
  for (const p of parts) a = Math.imul(a ^ (p >>> 0), 0x85ebca6b) + 0x165667b1;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
