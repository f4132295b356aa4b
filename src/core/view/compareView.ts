// The comparison panel's view of a generation job (src/shared/compareProtocol.ts): columns are the job's sources in
// order (base, checkpoints by step, final), rows prompt × seed; the host adds the images' webview URIs and scores.
import { join } from 'node:path';
import type { CompareColumnView, CompareJobView, ClipStatusView, CompareImageView } from '../../shared/compareProtocol';
import type { GenerationSource, GenerationState } from '../generate/types';
import { isWithin } from '../util/pathContainment';

/** base first, then by training step (sources without one keep their place among them), `final` last. */
export function orderedSources(sources: readonly GenerationSource[]): GenerationSource[] {
  const rank = (s: GenerationSource) => (s.kind === 'base' ? 0 : s.label === 'final' ? 2 : 1);
  return sources
    .map((s, i) => ({ s, i }))
    .sort((a, b) => rank(a.s) - rank(b.s) || (a.s.step ?? Infinity) - (b.s.step ?? Infinity) || a.i - b.i)
    .map((x) => x.s);
}

/** "base", "checkpoint-4 · step 4", "final". */
export function columnTitle(s: GenerationSource): string {
  if (s.kind === 'base' || s.label === 'final' || s.step === undefined) return s.label;
  return `${s.label} · step ${s.step}`;
}

export function compareColumns(state: GenerationState): CompareColumnView[] {
  return orderedSources(state.settings?.sources ?? []).map((s) => ({ label: s.label, title: columnTitle(s) }));
}

export interface CompareViewInput {
  state: GenerationState;
  /** The webview URI of an image file (relative to the job's output folder), or undefined when it may not be shown. */
  uriOf(file: string): string | undefined;
  /** CLIP scores by image file. */
  scores: ReadonlyMap<string, number>;
  clip: ClipStatusView;
}

export function compareJobView({ state, uriOf, scores, clip }: CompareViewInput): CompareJobView {
  const s = state.settings;
  const images: CompareImageView[] = [];
  for (const img of state.images) {
    const uri = uriOf(img.file);
    if (uri === undefined) continue;
    const score = scores.get(img.file);
    images.push({ source: img.source, promptIndex: img.promptIndex, seed: img.seed, uri, ...(score !== undefined ? { clipScore: score } : {}) });
  }
  const device = state.device ? `${state.device}${state.dtype ? ` (${state.dtype})` : ''}` : s?.device;
  return {
    jobId: state.jobId,
    name: state.name,
    status: state.status,
    ...(state.error !== undefined ? { error: state.error } : {}),
    ...(s
      ? {
          settings: {
            steps: s.steps,
            guidance: s.guidance,
            width: s.width,
            height: s.height,
            ...(s.negativePrompt ? { negativePrompt: s.negativePrompt } : {}),
            ...(device ? { device } : {}),
            seed: s.seed,
            numImages: s.numImages,
          },
        }
      : {}),
    prompts: s?.prompts ?? [],
    columns: compareColumns(state),
    images,
    ...(state.current ? { current: state.current } : {}),
    done: state.images.length,
    total: state.total,
    clip,
  };
}

/**
 * The file of the image a webview names by {source, promptIndex, seed} (never by path): the job's own record of it,
 * inside the job's output folder; undefined when the job made no such image.
 */
export function imageFileOf(state: GenerationState, ref: { source: string; promptIndex: number; seed: number }): string | undefined {
  const img = state.images.find((i) => i.source === ref.source && i.promptIndex === ref.promptIndex && i.seed === ref.seed);
  if (!img) return undefined;
  const path = join(state.outputDir, img.file);
  return isWithin(state.outputDir, path) ? path : undefined;
}
