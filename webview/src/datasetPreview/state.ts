// The Preview Dataset panel's UI state (target, page, filter, selection), kept with setState so the panel comes back
// as it was after being hidden or reloaded; the host reads `target` back in its serializer to check the same dataset.
import { storedState, type VsCodeApi } from '../vscodeApi';

export const PAGE_SIZE = 60;

export interface PreviewState {
  v: 1;
  /** The config or folder the panel shows (from the host's `init`). */
  target?: string;
  offset: number;
  problemsOnly: boolean;
  code?: string;
  selected?: number;
  draw: number;
}

export function defaultPreviewState(): PreviewState {
  return { v: 1, offset: 0, problemsOnly: false, draw: 0 };
}

const natural = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;

/** The stored state, each field kept only when well-formed. */
export function loadPreviewState(api: VsCodeApi): PreviewState {
  const s = defaultPreviewState();
  const r = storedState(api);
  if (!r) return s;
  if (typeof r.target === 'string' && r.target) s.target = r.target;
  if (natural(r.offset)) s.offset = r.offset;
  if (typeof r.problemsOnly === 'boolean') s.problemsOnly = r.problemsOnly;
  if (typeof r.code === 'string' && r.code) s.code = r.code;
  if (natural(r.selected)) s.selected = r.selected;
  if (natural(r.draw)) s.draw = r.draw;
  return s;
}
