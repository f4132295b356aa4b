// Exact and near-duplicate images. Exact: equal SHA-256 of the bytes, grouped through a map. Near: a 64-bit
// difference hash (dHash of a 9×8 grey thumbnail) within NEAR_BITS bits and a similar mean colour (dHash sees only
// gradients, so two flat images of different colours hash alike). Not all pairs: the hash is cut into 8 bands of 8
// bits, and by pigeonhole two hashes within 7 bits agree on at least one band, so only hashes sharing a band value are
// compared. Each band bucket compares at most BUCKET_CAP hashes, which keeps a degenerate set (thousands of images
// with one band value) linear; equal hashes are folded first, so copies never fill a bucket.

export interface HashedImage {
  index: number;
  sha256: string;
  dhash: bigint;
  mean: [number, number, number];
}

export interface DuplicateGroup {
  kind: 'exact' | 'near';
  /** Image indices, first the one kept (the first in the listing). */
  members: number[];
}

/** Hamming distance allowed for a near duplicate (of 64 bits). Must stay below 8 for the banding to find every pair. */
export const NEAR_BITS = 6;
/** Largest per-channel difference of mean colour (0–255) for a near duplicate. */
export const NEAR_MEAN = 12;
const BUCKET_CAP = 512;

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

class UnionFind {
  private parent = new Map<number, number>();
  find(a: number): number {
    let root = a;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(a, root);
    return root;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
}

export interface DuplicateStats {
  /** Pairs of hashes compared for the near check (all pairs would be n(n−1)/2). */
  comparisons: number;
}

export function findDuplicates(images: readonly HashedImage[], stats?: DuplicateStats): DuplicateGroup[] {
  const groups: DuplicateGroup[] = [];
  // Exact copies: one representative each goes on to the near check.
  const bySha = new Map<string, number[]>();
  // In listing order (callers hash images as they finish): the first of a group is the one kept, the rest are copies.
  for (const im of images.slice().sort((a, b) => a.index - b.index)) {
    const list = bySha.get(im.sha256);
    if (list) list.push(im.index);
    else bySha.set(im.sha256, [im.index]);
  }
  const byIndex = new Map(images.map((im) => [im.index, im]));
  const reps: HashedImage[] = [];
  for (const members of bySha.values()) {
    if (members.length > 1) groups.push({ kind: 'exact', members });
    reps.push(byIndex.get(members[0]!)!);
  }
  // The hash as two 32-bit halves: plain number arithmetic in the inner loop instead of BigInt.
  const hi = new Map<number, number>();
  const lo = new Map<number, number>();
  for (const im of reps) {
    hi.set(im.index, Number((im.dhash >> 32n) & 0xffffffffn));
    lo.set(im.index, Number(im.dhash & 0xffffffffn));
  }
  let comparisons = 0;
  const close = (a: HashedImage, b: HashedImage): boolean => {
    comparisons++;
    const bits = popcount32((hi.get(a.index)! ^ hi.get(b.index)!) >>> 0) + popcount32((lo.get(a.index)! ^ lo.get(b.index)!) >>> 0);
    return bits <= NEAR_BITS && a.mean.every((m, i) => Math.abs(m - b.mean[i]!) <= NEAR_MEAN);
  };
  const uf = new UnionFind();
  const linked = new Set<number>();
  for (let band = 0; band < 8; band++) {
    const buckets = new Map<number, HashedImage[]>();
    for (const im of reps) {
      const key = Number((im.dhash >> BigInt(band * 8)) & 0xffn);
      const list = buckets.get(key);
      if (!list) buckets.set(key, [im]);
      else if (list.length < BUCKET_CAP) list.push(im);
    }
    for (const list of buckets.values()) {
      for (let i = 0; i < list.length; i++)
        for (let j = i + 1; j < list.length; j++) {
          if (close(list[i]!, list[j]!)) {
            uf.union(list[i]!.index, list[j]!.index);
            linked.add(list[i]!.index);
            linked.add(list[j]!.index);
          }
        }
    }
  }
  const near = new Map<number, number[]>();
  for (const index of Array.from(linked).sort((a, b) => a - b)) {
    const root = uf.find(index);
    const list = near.get(root);
    if (list) list.push(index);
    else near.set(root, [index]);
  }
  for (const members of near.values()) if (members.length > 1) groups.push({ kind: 'near', members });
  if (stats) stats.comparisons = comparisons;
  return groups;
}
