// The answers of "SDXL: Generate Samples…" as text → settings, and how a job is summed up in one line (the Runs view's
// sample rows, the questions' "Accept defaults" item). Pure, so the editor's flow and its tests share one parser.
import type { GenerationSettings, GenerationSource, GenerationState } from './types';

/** Several prompts go in one input box separated by `|` (an input box is one line; prompts rarely hold a `|`). */
export const PROMPT_SEPARATOR = '|';

export function splitPrompts(text: string): string[] {
  return text
    .split(PROMPT_SEPARATOR)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

export function joinPrompts(prompts: readonly string[]): string {
  return prompts.join(` ${PROMPT_SEPARATOR} `);
}

export type Parsed<T> = { value: T } | { error: string };

/** A whole number from `min` to `max`; the error names the field. */
export function parseWholeNumber(text: string, name: string, min: number, max: number): Parsed<number> {
  const t = text.trim();
  const v = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) return { error: `${name} must be a whole number from ${min} to ${max}` };
  return { value: v };
}

export function parseGuidance(text: string): Parsed<number> {
  const t = text.trim();
  const v = /^\d+(\.\d+)?$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v) || v < 0 || v > 50) return { error: 'guidance must be a number from 0 to 50 (e.g. 5 or 7.5)' };
  return { value: v };
}

/** `WIDTHxHEIGHT` (or one number for a square), multiples of 8 from 8 to 4096. */
export function parseSize(text: string): Parsed<{ width: number; height: number }> {
  const m = /^\s*(\d+)\s*(?:[x×*]\s*(\d+))?\s*$/i.exec(text);
  if (!m) return { error: 'size must be WIDTHxHEIGHT, e.g. 1024x1024' };
  const width = Number(m[1]);
  const height = Number(m[2] ?? m[1]);
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (v < 8 || v > 4096 || v % 8 !== 0) return { error: `${name} must be a multiple of 8 from 8 to 4096 (got ${v})` };
  }
  return { value: { width, height } };
}

/** The sources picked unless the user chooses: the base model, the newest complete checkpoint and the final weights. */
export function defaultSourceLabels(sources: readonly GenerationSource[]): string[] {
  const labels: string[] = [];
  if (sources.some((s) => s.kind === 'base')) labels.push(sources.find((s) => s.kind === 'base')!.label);
  let newest: GenerationSource | undefined;
  for (const s of sources) if (/^checkpoint-/.test(s.label) && (newest === undefined || (s.step ?? 0) > (newest.step ?? 0))) newest = s;
  if (newest) labels.push(newest.label);
  const final = sources.find((s) => s.label === 'final');
  if (final) labels.push(final.label);
  return labels;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `3 sources × 2 prompts × 2 images` */
export function jobShape(s: Pick<GenerationSettings, 'sources' | 'prompts' | 'numImages'>): string {
  const parts = [plural(s.sources.length, 'source'), plural(s.prompts.length, 'prompt')];
  if (s.numImages > 1) parts.push(plural(s.numImages, 'image'));
  return parts.join(' × ');
}

/** `3 sources × 1 prompt × 2 images · 25 steps · guidance 5 · seed 0 · 1024×1024` */
export function describeSettings(s: GenerationSettings): string {
  return `${jobShape(s)} · ${s.steps} steps · guidance ${s.guidance} · seed ${s.seed} · ${s.width}×${s.height}`;
}

/**
 * A sample job's row: how far it is first (a narrow side bar cuts the end), then its shape — `12/12 · 3 sources ×
 * 2 prompts`, `5/12 · final step 3/25 · …`, `3/12 · failed: <reason> · …`.
 */
export function jobRowDescription(j: GenerationState): string {
  const shape = j.settings ? ` · ${jobShape(j.settings)}` : '';
  const count = `${j.images.length}/${j.total || '?'}`;
  switch (j.status) {
    case 'starting':
      return `starting…${shape}`;
    case 'loading':
      return `${count} · loading${j.current ? ` ${j.current.source}` : ''}…${shape}`;
    case 'generating':
      return `${count}${j.current ? ` · ${j.current.source} step ${j.current.step}/${j.current.steps}` : ''}${shape}`;
    case 'succeeded':
      return `${count}${shape}`;
    case 'stopped':
      return `${count} · stopped${shape}`;
    case 'failed':
      return `${count} · failed${j.error ? `: ${j.error.split('\n')[0]!.slice(0, 120)}` : ''}${shape}`;
  }
}

/** When a job started, local time: `14:05`, with the date when not `now`'s day; undefined before it started. */
export function jobStartText(j: Pick<GenerationState, 'startedAt'>, now: Date = new Date()): string | undefined {
  const at = j.startedAt ? new Date(j.startedAt) : undefined;
  if (!at || Number.isNaN(at.getTime())) return undefined;
  const p = (n: number) => String(n).padStart(2, '0');
  const time = `${p(at.getHours())}:${p(at.getMinutes())}`;
  const sameDay = at.getFullYear() === now.getFullYear() && at.getMonth() === now.getMonth() && at.getDate() === now.getDate();
  return sameDay ? time : `${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())} ${time}`;
}

/** A job's row title, `Samples · 14:05`: two jobs of one run are told apart at a glance. */
export function jobTitle(j: Pick<GenerationState, 'startedAt'>, now: Date = new Date()): string {
  const start = jobStartText(j, now);
  return start ? `Samples · ${start}` : 'Samples';
}
