// CLIP scores of a run's validation images (issue 12): how the reducer folds the lines read from the scores file, and
// what the views derive from them: the step of each validation, the mean per validation and the series per image
// (charted beside the loss), and the drop warning. Pure; the file format is worker/clipScoreFile.ts.
import { CLIP_MEAN_SERIES } from '../../shared/dashboardProtocol';
import { epochNumber } from '../../shared/epochs';
import type { ClipImageScore } from './events';
import { EMPTY_SERIES, seriesPut, type Series } from './series';
import { stepsPerEpoch, type RunState } from './state';

/** The mean score of each validation (tag `validation`), by step. */
export const CLIP_SERIES = CLIP_MEAN_SERIES;
/** The mean score of the final test images (tag `test`), at the last step. */
export const CLIP_TEST_SERIES = 'clip_score_test';
/** Image i of every validation (the scripts seed each validation's generator alike, so image i follows one seed). */
export const clipImageSeries = (index: number): string => `clip_score_image_${index}`;

/**
 * The drop rule: after at least DROP_MIN_VALIDATIONS validations, the newest one's mean is more than DROP_FRACTION
 * below the best mean before it. A single low image does not trip it (means, not images); a recovery clears it.
 */
export const DROP_MIN_VALIDATIONS = 3;
export const DROP_FRACTION = 0.1;

/** `clip` after the lines `scores`, in file order: a line of another model starts that model's list afresh. */
export function mergeClipScores(clip: RunState['clip'], scores: readonly ClipImageScore[]): RunState['clip'] {
  if (scores.length === 0) return clip;
  let model = clip.model;
  let byKey = new Map<string, ClipImageScore>();
  for (const c of clip.scores) byKey.set(c.key, c);
  for (const line of scores) {
    if (line.model !== model) {
      model = line.model;
      byKey = new Map();
    }
    byKey.delete(line.key); // the newest line of a key wins, in the place of its newest line
    byKey.set(line.key, line);
  }
  return { model, scores: [...byKey.values()] };
}

/**
 * The global step of a validation logged at 0-based `epoch` (the scripts validate at the end of an epoch), or of the
 * final test images (the last step); undefined until the banner says the steps per epoch.
 */
export function validationStep(s: Pick<RunState, 'banner' | 'totalSteps' | 'step'>, tag: string, epoch: number): number | undefined {
  if (tag === 'test') return s.totalSteps ?? s.step ?? undefined;
  const spe = stepsPerEpoch(s.banner);
  return spe ? Math.min((epoch + 1) * spe, s.totalSteps ?? Infinity) : undefined;
}

export interface ClipValidation {
  tag: string;
  epoch: number;
  /** From the scores file, else worked out (validationStep); undefined when neither knows. */
  step: number | undefined;
  mean: number;
  /** Score by image index (sparse where an image has no score yet). */
  scores: Array<number | undefined>;
}

/** The scored validations of the state's model, in epoch order (the test images last). */
export function clipValidations(s: RunState): ClipValidation[] {
  const groups = new Map<string, { tag: string; epoch: number; step: number | undefined; lines: ClipImageScore[] }>();
  for (const c of s.clip.scores) {
    const k = `${c.tag}\u0000${c.epoch}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { tag: c.tag, epoch: c.epoch, step: undefined, lines: [] }));
    g.lines.push(c);
    if (c.step !== undefined) g.step = c.step;
  }
  const out: ClipValidation[] = [];
  for (const g of groups.values()) {
    let sum = 0;
    const scores: Array<number | undefined> = [];
    for (const l of g.lines) {
      sum += l.score;
      scores[l.index] = l.score;
    }
    out.push({ tag: g.tag, epoch: g.epoch, step: g.step ?? validationStep(s, g.tag, g.epoch), mean: sum / g.lines.length, scores });
  }
  const rank = (v: ClipValidation) => (v.tag === 'validation' ? 0 : 1);
  return out.sort((a, b) => rank(a) - rank(b) || a.epoch - b.epoch || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}

// The series are rebuilt only when the scores or the step mapping change (the dashboard asks at every delta).
const seriesCache = new WeakMap<RunState['clip'], { key: string; series: Record<string, Series> }>();

/** The CLIP series by name (CLIP_SERIES, CLIP_TEST_SERIES, clipImageSeries(i)); empty without scores. */
export function clipSeriesOf(s: RunState): Record<string, Series> {
  if (s.clip.scores.length === 0) return {};
  const key = `${stepsPerEpoch(s.banner) ?? ''}/${s.totalSteps ?? ''}/${s.step ?? ''}`;
  const cached = seriesCache.get(s.clip);
  if (cached && cached.key === key) return cached.series;
  const series: Record<string, Series> = {};
  const put = (name: string, step: number, value: number) => {
    series[name] = seriesPut(series[name] ?? EMPTY_SERIES, { step, value });
  };
  // Validations in step order, so each series is only appended to.
  const vals = clipValidations(s).filter((v) => v.step !== undefined);
  vals.sort((a, b) => a.step! - b.step!);
  for (const v of vals) {
    if (v.tag === 'test') put(CLIP_TEST_SERIES, v.step!, v.mean);
    else if (v.tag === 'validation') {
      put(CLIP_SERIES, v.step!, v.mean);
      v.scores.forEach((score, i) => {
        if (score !== undefined) put(clipImageSeries(i), v.step!, score);
      });
    }
  }
  seriesCache.set(s.clip, { key, series });
  return series;
}

export interface ClipDrop {
  best: ClipValidation;
  latest: ClipValidation;
}

/** The drop rule (DROP_MIN_VALIDATIONS, DROP_FRACTION) on the validations so far; undefined when it does not apply. */
export function clipDrop(s: RunState): ClipDrop | undefined {
  const vals = clipValidations(s).filter((v) => v.tag === 'validation');
  if (vals.length < DROP_MIN_VALIDATIONS) return undefined;
  const latest = vals[vals.length - 1]!;
  let best = vals[0]!;
  for (let i = 1; i < vals.length - 1; i++) if (vals[i]!.mean > best.mean) best = vals[i]!;
  return latest.mean < best.mean * (1 - DROP_FRACTION) ? { best, latest } : undefined;
}

const where = (v: ClipValidation) => (v.step !== undefined ? `step ${v.step}` : `epoch ${epochNumber(v.epoch)}`);

/** What the dashboard and `summarize` say of a drop. */
export function clipDropMessage(d: ClipDrop): string {
  return (
    `CLIP score fell from ${d.best.mean.toFixed(1)} at ${where(d.best)} to ${d.latest.mean.toFixed(1)} at ${where(d.latest)}: ` +
    'the model may be overfitting or forgetting the prompt'
  );
}
