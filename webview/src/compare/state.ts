// The Compare Samples panel's UI state (its job, scroll, the open viewer), kept with setState so the panel comes back
// as it was after being hidden or reloaded; the host reads `jobId` back in its serializer to follow the same job.
import { storedState, type VsCodeApi } from '../vscodeApi';

export type ViewerMode = 'fit' | 'actual';

export interface CompareState {
  v: 1;
  jobId?: string;
  scrollTop: number;
  scrollLeft: number;
  /** The viewer's image: row (prompt × seed, in grid order) and column (source), and how it is sized. */
  viewer?: { row: number; col: number; mode: ViewerMode };
}

const natural = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;
const nonNeg = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;

/** The stored state, each field kept only when well-formed. */
export function loadCompareState(api: VsCodeApi): CompareState {
  const s: CompareState = { v: 1, scrollTop: 0, scrollLeft: 0 };
  const r = storedState(api);
  if (!r) return s;
  if (typeof r.jobId === 'string' && r.jobId) s.jobId = r.jobId;
  if (nonNeg(r.scrollTop)) s.scrollTop = r.scrollTop;
  if (nonNeg(r.scrollLeft)) s.scrollLeft = r.scrollLeft;
  const v = r.viewer as Record<string, unknown> | undefined;
  if (typeof v === 'object' && v !== null && natural(v.row) && natural(v.col) && (v.mode === 'fit' || v.mode === 'actual'))
    s.viewer = { row: v.row, col: v.col, mode: v.mode };
  return s;
}
