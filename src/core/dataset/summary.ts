// The report's summary: counts by severity, and histograms of the readable images' shorter side and aspect ratio.
import type { DatasetFinding, DatasetSummary, Histogram } from './types';

const RESOLUTION_EDGES = [256, 512, 768, 1024, 1536, 2048];
export const RESOLUTION_LABELS = ['<256', '256–511', '512–767', '768–1023', '1024–1535', '1536–2047', '≥2048'];

/** Common ratios, width:height, in ascending order; an image goes to the nearest on a log scale. */
const ASPECTS: ReadonlyArray<[string, number]> = [
  ['1:2', 1 / 2],
  ['9:16', 9 / 16],
  ['2:3', 2 / 3],
  ['3:4', 3 / 4],
  ['4:5', 4 / 5],
  ['1:1', 1],
  ['5:4', 5 / 4],
  ['4:3', 4 / 3],
  ['3:2', 3 / 2],
  ['16:9', 16 / 9],
  ['2:1', 2],
];
export const ASPECT_LABELS = ['<1:2', ...ASPECTS.map(([l]) => l), '>2:1'];

export function resolutionBucket(shortSide: number): number {
  let i = 0;
  while (i < RESOLUTION_EDGES.length && shortSide >= RESOLUTION_EDGES[i]!) i++;
  return i;
}

export function aspectBucket(width: number, height: number): number {
  const r = width / height;
  // Clearly past the ends (more than halfway to the next step out): its own bucket.
  if (r < (1 / 2) * 0.9) return 0;
  if (r > 2 / 0.9) return ASPECT_LABELS.length - 1;
  let best = 0;
  for (let i = 1; i < ASPECTS.length; i++) if (Math.abs(Math.log(r / ASPECTS[i]![1])) < Math.abs(Math.log(r / ASPECTS[best]![1]))) best = i;
  return best + 1;
}

export function summarize(images: ReadonlyArray<{ width?: number; height?: number }>, findings: readonly DatasetFinding[]): DatasetSummary {
  const resolution: Histogram = { labels: RESOLUTION_LABELS.slice(), counts: RESOLUTION_LABELS.map(() => 0) };
  const aspect: Histogram = { labels: ASPECT_LABELS.slice(), counts: ASPECT_LABELS.map(() => 0) };
  for (const im of images) {
    if (!(im.width && im.height)) continue;
    resolution.counts[resolutionBucket(Math.min(im.width, im.height))]!++;
    aspect.counts[aspectBucket(im.width, im.height)]!++;
  }
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const f of findings) {
    if (f.severity === 'error') errors++;
    else if (f.severity === 'warning') warnings++;
    else infos++;
  }
  return { images: images.length, errors, warnings, infos, resolution, aspect };
}
