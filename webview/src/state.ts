// The dashboard's UI state (selection, chart options, zoom, tab, gallery choices), kept with VS Code's
// setState/getState so the panel comes back as it was after being hidden, moved or reloaded. Run data is not kept:
// the host resends it with `init` when the webview says `ready`.
import { storedState, type VsCodeApi } from './vscodeApi';

export type Range = [number, number];

/** The step charts' (and the GPU chart's) x axis: steps, time since the run's first step, or the local clock. */
export type XAxisMode = 'step' | 'relative' | 'wall';
export const X_AXIS_MODES: readonly XAxisMode[] = ['step', 'relative', 'wall'];

export interface UiState {
  v: 1;
  selectedRunIds: string[];
  smoothing: number;
  logScale: boolean;
  clipOutliers: boolean;
  tab: number;
  /** x zoom per chart id; absent = whole range. */
  zoom: Record<string, Range>;
  galleryRunId?: string;
  compare: { on: boolean; a?: string; b?: string };
  /** Each run's fixed colour index (runColours.ts), kept so a reload draws every run as before. */
  runColours: Record<string, number>;
  /** The run list folded to its header, so it takes no room above the charts. */
  runListCollapsed: boolean;
  /** The x axis of every chart; the zoom is kept per choice (under `id@mode` for the time axes). */
  xAxis: XAxisMode;
  /** The loss chart's mean loss per epoch. */
  epochAverage: boolean;
  /** The Validation tab's samples grid and its viewer (issue 13). */
  samples: SamplesUi;
}

/** The samples grid's order, thumbnail size and scrubber, and the image open in the viewer. */
export interface SamplesUi {
  newestFirst: boolean;
  /** Thumbnail size in CSS px; 0 = fit the panel width. */
  size: number;
  /** The first display column shown (the scrubber's position). */
  start: number;
  viewer?: ViewerUi;
}

export type ViewerCompare = { kind: 'step'; col: string } | { kind: 'run'; runId: string };

export interface ViewerUi {
  runId: string;
  /** Row and column keys of webview/src/samplesModel.ts, and the image's index in its cell. */
  row: string;
  col: string;
  index: number;
  /** `fit`, or a scale (1 = actual pixels). */
  zoom: 'fit' | number;
  compare?: ViewerCompare;
}

export const MIN_THUMB = 48;
export const MAX_THUMB = 512;

export function defaultUiState(): UiState {
  return {
    v: 1,
    selectedRunIds: [],
    smoothing: 0.6,
    logScale: false,
    clipOutliers: false,
    tab: 0,
    zoom: {},
    compare: { on: false },
    runColours: {},
    runListCollapsed: false,
    xAxis: 'step',
    epochAverage: true,
    samples: { newestFirst: true, size: 0, start: 0 },
  };
}

const isRange = (r: unknown): r is Range => Array.isArray(r) && r.length === 2 && r.every((x) => typeof x === 'number' && Number.isFinite(x)) && r[0] < r[1];

/** Reads the stored state, keeping each field only if it is well-formed (an older version may have stored another shape). */
export function loadUiState(api: VsCodeApi): UiState {
  const s = defaultUiState();
  const r = storedState(api);
  if (!r) return s;
  if (Array.isArray(r.selectedRunIds) && r.selectedRunIds.every((x) => typeof x === 'string')) s.selectedRunIds = r.selectedRunIds as string[];
  if (typeof r.smoothing === 'number' && r.smoothing >= 0 && r.smoothing < 1) s.smoothing = r.smoothing;
  if (typeof r.logScale === 'boolean') s.logScale = r.logScale;
  if (typeof r.clipOutliers === 'boolean') s.clipOutliers = r.clipOutliers;
  if (Number.isInteger(r.tab) && (r.tab as number) >= 0 && (r.tab as number) < 3) s.tab = r.tab as number;
  if (typeof r.zoom === 'object' && r.zoom !== null) {
    for (const [k, v] of Object.entries(r.zoom as Record<string, unknown>)) if (isRange(v)) s.zoom[k] = v;
  }
  if (typeof r.galleryRunId === 'string') s.galleryRunId = r.galleryRunId;
  if (typeof r.compare === 'object' && r.compare !== null) {
    const c = r.compare as Record<string, unknown>;
    s.compare = { on: c.on === true };
    if (typeof c.a === 'string') s.compare.a = c.a;
    if (typeof c.b === 'string') s.compare.b = c.b;
  }
  if (typeof r.runColours === 'object' && r.runColours !== null) {
    for (const [k, v] of Object.entries(r.runColours as Record<string, unknown>)) if (Number.isInteger(v) && (v as number) >= 0) s.runColours[k] = v as number;
  }
  if (typeof r.runListCollapsed === 'boolean') s.runListCollapsed = r.runListCollapsed;
  if (typeof r.xAxis === 'string' && (X_AXIS_MODES as readonly string[]).includes(r.xAxis)) s.xAxis = r.xAxis as XAxisMode;
  if (typeof r.epochAverage === 'boolean') s.epochAverage = r.epochAverage;
  if (typeof r.samples === 'object' && r.samples !== null) s.samples = loadSamples(r.samples as Record<string, unknown>);
  return s;
}

function loadSamples(r: Record<string, unknown>): SamplesUi {
  const s: SamplesUi = { newestFirst: r.newestFirst !== false, size: 0, start: 0 };
  if (r.size === 0 || (Number.isInteger(r.size) && (r.size as number) >= MIN_THUMB && (r.size as number) <= MAX_THUMB)) s.size = r.size as number;
  if (Number.isInteger(r.start) && (r.start as number) >= 0) s.start = r.start as number;
  const v = r.viewer;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const zoom = o.zoom === 'fit' ? 'fit' : typeof o.zoom === 'number' && o.zoom > 0 && o.zoom <= 64 ? o.zoom : undefined;
    if (typeof o.runId === 'string' && typeof o.row === 'string' && typeof o.col === 'string' && Number.isInteger(o.index) && zoom !== undefined) {
      s.viewer = { runId: o.runId, row: o.row, col: o.col, index: o.index as number, zoom };
      const c = o.compare as Record<string, unknown> | undefined;
      if (c?.kind === 'step' && typeof c.col === 'string') s.viewer.compare = { kind: 'step', col: c.col };
      if (c?.kind === 'run' && typeof c.runId === 'string') s.viewer.compare = { kind: 'run', runId: c.runId };
    }
  }
  return s;
}

export function saveUiState(api: VsCodeApi, s: UiState): void {
  api.setState(s);
}
