// Each run keeps its colour for as long as the panel shows it: an index handed out once, in the order runs arrive,
// the smallest one no run present holds. A colour by position in the list changed whenever a run was added above it.

/**
 * The colour index of every run in `ids`: those in `kept` keep theirs, new ones take the smallest index free; runs no
 * longer present give theirs back. Linear in the runs (a set of the indices in use).
 */
export function assignRunColours(ids: readonly string[], kept: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  const used = new Set<number>();
  for (const id of ids) {
    const k = kept[id];
    if (k !== undefined && Number.isInteger(k) && k >= 0 && !used.has(k)) {
      out[id] = k;
      used.add(k);
    }
  }
  let next = 0;
  for (const id of ids) {
    if (out[id] !== undefined) continue;
    while (used.has(next)) next++;
    out[id] = next;
    used.add(next);
  }
  return out;
}
