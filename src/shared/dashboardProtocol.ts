// The one typed message protocol between the dashboard webview and the extension host, both directions.
// The webview knows nothing of RunState: the host maps its state onto these view-model types. Every message is
// validated on receipt on both sides (`checkHostMessage` / `checkWebviewMessage`), because a webview is a separate
// page whose messages must be treated as untrusted input and a version skew must never throw.

import { SPEED_UNITS, type SpeedUnit } from './speed';

export const DASHBOARD_PROTOCOL_VERSION = 1;

/** One sample of a series: `[step, value]`. `value` may be NaN (a nan loss) but never missing. */
export type Point = [step: number, value: number];

/** Series the dashboard knows how to chart; other names are kept and ignored by the charts. */
export const LOSS_SERIES = ['train_loss', 'step_loss'] as const;
export const LR_SERIES = 'lr';
/** Seconds per iteration over steps, when the host has it (the console's tqdm rate). */
export const RATE_SERIES = 'sec_per_it';
/**
 * When each step was reached: `[step, wall-clock ms]` (issue 13). The charts' time axes (relative and wall time) and
 * the GPU chart's step axis map through it; it is not drawn as a chart of its own.
 */
export const STEP_TIME_SERIES = 'step_time';

/**
 * CLIP scores of the validation images against the validation prompt (core/run/clipScores.ts): the mean of each
 * validation, the final test images' mean, and image i of each validation (the first MAX_CLIP_IMAGE_SERIES images).
 */
export const CLIP_MEAN_SERIES = 'clip_score';
export const MAX_CLIP_IMAGE_SERIES = 8;
export const CLIP_CHART_SERIES: readonly string[] = [
  CLIP_MEAN_SERIES,
  'clip_score_test',
  ...Array.from({ length: MAX_CLIP_IMAGE_SERIES }, (_, i) => `clip_score_image_${i}`),
];

/** A chart of step series on the Training tab. */
export interface StepChartSpec {
  /** Stable id: the webview's saved zoom is kept under it. */
  id: string;
  title: string;
  /** Series drawn (by name in the run's series; names a run lacks are skipped). */
  seriesNames: readonly string[];
  yLabel: string;
  /** Offer TensorBoard-style smoothing. */
  smoothing: boolean;
  /** Validation and checkpoint markers. */
  markers: boolean;
  height?: number;
}

/**
 * The Training tab's charts, top to bottom. A chart of a series the host already sends (see `seriesOf` in
 * core/view/dashboardModel.ts) is one entry here.
 */
export const STEP_CHARTS: readonly StepChartSpec[] = [
  { id: 'loss', title: 'Loss', seriesNames: LOSS_SERIES, yLabel: 'loss', smoothing: true, markers: true, height: 280 },
  { id: 'lr', title: 'Learning rate', seriesNames: [LR_SERIES], yLabel: 'lr', smoothing: false, markers: false, height: 160 },
  { id: 'rate', title: 'Seconds per step', seriesNames: [RATE_SERIES], yLabel: 's/it', smoothing: false, markers: false, height: 140 },
  { id: 'clip', title: 'CLIP score', seriesNames: CLIP_CHART_SERIES, yLabel: 'CLIP score', smoothing: false, markers: true, height: 200 },
];

export type RunPhaseView = 'starting' | 'pre-computing' | 'training' | 'validating' | 'saving' | 'finishing';
export type RunOutcome = 'running' | 'succeeded' | 'failed' | 'stopped' | 'unknown';

export interface RunStatusView {
  outcome: RunOutcome;
  phase?: RunPhaseView;
  step?: number;
  totalSteps?: number;
  /** 0-based epoch as the script counts it. */
  epoch?: number;
  totalEpochs?: number;
  secondsPerIt?: number;
  imagesPerSec?: number;
  etaSeconds?: number;
  /** While running: how long the run had gone without a new step when the monitor judged it stalled. */
  stalledSeconds?: number;
  /** accelerate's `Device:` line (`cpu`, `cuda`, `cuda:0`, `mps`): a CPU run has no GPU to chart. */
  device?: string;
  /** Wall-clock ms the run started (run.json) and ended; the newest step's time (step times, core/run/stepTimes.ts). */
  startedAt?: number;
  endedAt?: number;
  lastStepAt?: number;
  /** Seconds per step over the training time (pauses left out); `secondsPerIt` is the recent one (last ~20 steps). */
  avgSecondsPerIt?: number;
  /** The ETA leaves out pauses of a kind not seen yet (their length is not known). */
  etaPartial?: boolean;
  /** Validations and checkpoint saves so far: how many, and the seconds they held the training. */
  validationPause?: PauseView;
  checkpointPause?: PauseView;
  /** Optimizer steps per epoch (from the banner, core/run/state.ts stepsPerEpoch): the loss chart's epoch averages. */
  stepsPerEpoch?: number;
  /** A Slurm run's job while it is pending or running (core/view/slurmView.ts); absent for a local run and once ended. */
  slurm?: SlurmStatusView;
}

/** The header's Slurm line: `42 · pending (Resources)`, `42 · running on node01`. */
export interface SlurmStatusView {
  jobId: string;
  /** Slurm's state word as squeue says it (PENDING, RUNNING, …). */
  state: string;
  /** The state the Slurm way, with the pending reason or the nodes (slurmStateText). */
  text: string;
  /** Slurm holds the job back: no node runs it yet, so the run is not training. */
  pending: boolean;
  reason?: string;
  nodes?: string;
}

export interface PauseView {
  count: number;
  seconds: number;
}

export interface GalleryImageView {
  /** 0-based epoch of the validation call, or `test` for the final images after training. */
  epoch: number | 'test';
  /** Position within that epoch's images (left to right). */
  index: number;
  /** A webview URI (`asWebviewUri`) or a `data:` URI; never a file path. */
  uri: string;
  /** A small version made on the host (sharp) for the gallery grid; the full `uri` is shown when enlarged. */
  thumbUri?: string;
  prompt?: string;
  step?: number;
  /** The image's CLIP score against the prompt (100 × max(0, cos)), once scored. */
  clipScore?: number;
  width?: number;
  height?: number;
}

export interface CheckpointView {
  step: number;
  path: string;
  complete: boolean;
  sizeBytes?: number;
}

export type MarkerKind = 'checkpoint' | 'validation' | 'resume' | 'note';
export interface MarkerView {
  step: number;
  kind: MarkerKind;
  label?: string;
}

export interface GpuSampleView {
  /** Wall-clock ms. */
  t: number;
  index: number;
  utilizationPct?: number;
  memoryUsedMiB?: number;
  memoryTotalMiB?: number;
  /** Memory held by the run's own processes (the rest of memoryUsedMiB belongs to other programs). */
  runMemoryMiB?: number;
  temperatureC?: number;
}

export interface FailureView {
  /** A FailureClass name such as `cuda_oom`; never switched on. */
  class: string;
  /** What the banner calls it ("Out of GPU memory"); the class's words when absent. */
  title?: string;
  message: string;
  remedy: string;
  /** 1-based line in the console log where the failure shows, for "open console at line". */
  consoleLine?: number;
  /** The title of the config change that addresses it, when there is one; the banner offers it (`applyFix`). */
  fixTitle?: string;
}

export interface RunView {
  id: string;
  label: string;
  /** `full` | `lora` | `dreambooth-lora`, shown as a tag. */
  script?: string;
  /** The run is driven by the stand-in trainer, not a real GPU training. */
  simulated?: boolean;
  /** false: only the summary is here; the webview asks for the data with `requestRun` when the run is selected. */
  loaded: boolean;
  status: RunStatusView;
  series: Record<string, Point[]>;
  gallery: GalleryImageView[];
  checkpoints: CheckpointView[];
  markers: MarkerView[];
  gpu: GpuSampleView[];
  failure?: FailureView;
  validationPrompt?: string;
  /** The extension's own notes on the run (a file it could not read, records it skipped, a record it could not write). */
  notices?: string[];
  /** The user's tags and note of the run (its labels.json); `label` already carries the user's name. */
  tags?: string[];
  note?: string;
  /** The ranks of a multi-process run; absent unless more than one rank printed. */
  ranks?: RanksView;
}

/** One rank of a multi-process run, as the dashboard's Ranks view shows it. */
export interface RankView {
  rank: number;
  state: 'running' | 'failed' | 'ended';
  /** What it printed last (at most 200 characters). */
  lastLine?: string;
  error?: string;
  /** The rank that failed first (its failure is the cause, the others' mostly consequences). */
  first?: boolean;
}

export interface RanksView {
  ranks: RankView[];
  /** Lines or failures of ranks past the kept ones (core/run/ranks.ts MAX_RANKS). */
  more?: number;
  /** The process count accelerate reported (`Num processes:`), when known. */
  processes?: number;
}

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** Everything the host sends. */
export type HostMessage =
  | { type: 'init'; runs: RunView[]; theme?: ThemeKind; smoothing?: number; focusRunId?: string; speedUnit?: SpeedUnit }
  | DeltaMessage
  /** Forget a run's data (or all when runId is absent); the host follows with `init` or a full `runData`. */
  | { type: 'reset'; runId?: string }
  /** A whole run, for a new run or an answer to `requestRun`; replaces any run with the same id. */
  | { type: 'runData'; run: RunView }
  | { type: 'theme'; theme: ThemeKind }
  /** Show exactly these runs (overlaid), as the user asked from the Runs view; unknown ids are ignored. */
  | { type: 'select'; runIds: string[] }
  /** The `sdxl.speedUnit` setting changed: speeds are written in this unit. */
  | { type: 'speedUnit'; unit: SpeedUnit };

/**
 * What changed in one run since the last message. Series appends whose first step is at or before the last stored
 * step replace the stored tail from that step on (a resumed run re-logs steps); gallery images are upserted by
 * (epoch, index); GPU samples are appended; checkpoints and markers are whole lists that replace the webview's (a
 * checkpoint pruned or deleted on disk goes, with its marker); `failure: null` clears a failure.
 */
export interface DeltaMessage {
  type: 'delta';
  runId: string;
  appendSeries?: Record<string, Point[]>;
  /** The whole status, replacing the one the webview has (a field left out is cleared, e.g. the ETA at the end). */
  status?: RunStatusView;
  gallery?: GalleryImageView[];
  /** The whole checkpoint list, replacing the one the webview has. */
  checkpoints?: CheckpointView[];
  /** The whole marker list, replacing the one the webview has. */
  markers?: MarkerView[];
  gpu?: GpuSampleView[];
  failure?: FailureView | null;
  /** The whole notices list, replacing the one the webview has. */
  notices?: string[];
  simulated?: boolean;
  label?: string;
  /** The run's tags and note, both replacing the webview's (a note left out is removed). */
  labels?: { tags: string[]; note?: string };
  /** The whole Ranks view, replacing the webview's. */
  ranks?: RanksView;
}

/** Everything the webview sends. */
export type WebviewMessage =
  | { type: 'ready'; protocol: number }
  | { type: 'requestRun'; runId: string }
  | { type: 'openConsoleAt'; runId: string; line: number }
  /** A step picked on a chart: the console log at the line where the bar reached it. */
  | { type: 'openConsoleAtStep'; runId: string; step: number }
  | { type: 'openCheckpoint'; runId: string; step: number; path: string }
  | { type: 'compareRuns'; runIds: string[] }
  /** The runs the charts now show (after `init`, a `select`, or the user's own choice), for the panel's title. */
  | { type: 'shownRuns'; runIds: string[] }
  | { type: 'setSmoothing'; weight: number }
  | { type: 'openImage'; runId: string; uri: string }
  /** Apply the fix of the failure the banner shows to the run's config file (the host knows the fix; this only names the run). */
  | { type: 'applyFix'; runId: string }
  /** "Save as PNG" on a chart: the chart drawn with its title and legend, as a `data:image/png;base64,` URL; the host asks where. */
  | { type: 'saveChartPng'; chartId: string; dataUrl: string; runLabel?: string }
  /** "Save image as…" in the samples viewer: the host maps (run, epoch, index) to the image file it knows; no path travels. */
  | { type: 'saveImage'; runId: string; epoch: number | 'test'; index: number };

// ---------------------------------------------------------------------------------------------------------------
// Validators. Each `check*` returns undefined when valid, else a message naming the offending path. The building
// blocks are exported for the other webviews' protocols (datasetProtocol.ts).

export type Check = (v: unknown, where: string) => string | undefined;

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str: Check = (v, w) => (typeof v === 'string' ? undefined : `${w}: expected a string`);
export const nonEmptyStr: Check = (v, w) => (typeof v === 'string' && v.length > 0 ? undefined : `${w}: expected a non-empty string`);
/** A file path from the webview: the host still confines it to the run's folders (core/pathContainment.ts). */
const MAX_PATH_CHARS = 4096;
export const pathText: Check = (v, w) =>
  typeof v !== 'string' || v.length === 0 || v.length > MAX_PATH_CHARS
    ? `${w}: expected a path of 1 to ${MAX_PATH_CHARS} characters`
    : /[\0-\x1f]/.test(v)
      ? `${w}: a path may not hold control characters`
      : undefined;
export const bool: Check = (v, w) => (typeof v === 'boolean' ? undefined : `${w}: expected a boolean`);
export const finite: Check = (v, w) => (typeof v === 'number' && Number.isFinite(v) ? undefined : `${w}: expected a finite number`);
export const nonNeg: Check = (v, w) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : `${w}: expected a number >= 0`);
export const int: Check = (v, w) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : `${w}: expected an integer >= 0`);
export const oneOf =
  (values: readonly string[]): Check =>
  (v, w) =>
    typeof v === 'string' && values.includes(v) ? undefined : `${w}: expected one of ${values.join(', ')}`;
export const arrayOf =
  (item: Check): Check =>
  (v, w) => {
    if (!Array.isArray(v)) return `${w}: expected an array`;
    for (let i = 0; i < v.length; i++) {
      const e = item(v[i], `${w}[${i}]`);
      if (e) return e;
    }
    return undefined;
  };

/** Checks `fields` on an object; a key ending in `?` is optional (undefined allowed). Unknown keys are tolerated. */
export function shape(fields: Record<string, Check>): Check {
  return (v, w) => {
    if (!isObj(v)) return `${w}: expected an object`;
    for (const [k, check] of Object.entries(fields)) {
      const optional = k.endsWith('?');
      const key = optional ? k.slice(0, -1) : k;
      const val = v[key];
      if (val === undefined) {
        if (optional) continue;
        return `${w}.${key}: missing`;
      }
      const e = check(val, `${w}.${key}`);
      if (e) return e;
    }
    return undefined;
  };
}

// Points are checked in a tight loop: a delta may carry a million of them.
const points: Check = (v, w) => {
  if (!Array.isArray(v)) return `${w}: expected an array of [step, value]`;
  for (let i = 0; i < v.length; i++) {
    const p = v[i];
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number' || !Number.isFinite(p[0]) || typeof p[1] !== 'number') {
      return `${w}[${i}]: expected [step, value] numbers`;
    }
  }
  return undefined;
};
const seriesMap: Check = (v, w) => {
  if (!isObj(v)) return `${w}: expected an object of series`;
  for (const [k, pts] of Object.entries(v)) {
    const e = points(pts, `${w}.${k}`);
    if (e) return e;
  }
  return undefined;
};

const PHASES: readonly RunPhaseView[] = ['starting', 'pre-computing', 'training', 'validating', 'saving', 'finishing'];
const OUTCOMES: readonly RunOutcome[] = ['running', 'succeeded', 'failed', 'stopped', 'unknown'];
const THEMES: readonly ThemeKind[] = ['light', 'dark', 'high-contrast', 'high-contrast-light'];
const MARKERS: readonly MarkerKind[] = ['checkpoint', 'validation', 'resume', 'note'];

const statusFields = {
  'phase?': oneOf(PHASES),
  'step?': int,
  'totalSteps?': int,
  'epoch?': int,
  'totalEpochs?': int,
  'secondsPerIt?': nonNeg,
  'imagesPerSec?': nonNeg,
  'etaSeconds?': nonNeg,
  'stalledSeconds?': nonNeg,
  'device?': str,
  'startedAt?': nonNeg,
  'endedAt?': nonNeg,
  'lastStepAt?': nonNeg,
  'avgSecondsPerIt?': nonNeg,
  'etaPartial?': bool,
  'validationPause?': shape({ count: int, seconds: nonNeg }),
  'checkpointPause?': shape({ count: int, seconds: nonNeg }),
  'stepsPerEpoch?': int,
  'slurm?': shape({ jobId: nonEmptyStr, state: str, text: str, pending: bool, 'reason?': str, 'nodes?': str }),
};
const status = shape({ outcome: oneOf(OUTCOMES), ...statusFields });
const epochOrTest: Check = (v, w) => (v === 'test' ? undefined : int(v, w));
const galleryImage = shape({
  epoch: epochOrTest,
  index: int,
  uri: nonEmptyStr,
  'thumbUri?': nonEmptyStr,
  'clipScore?': finite,
  'prompt?': str,
  'step?': int,
  'width?': int,
  'height?': int,
});
const checkpoint = shape({ step: int, path: str, complete: bool, 'sizeBytes?': nonNeg });
const marker = shape({ step: finite, kind: oneOf(MARKERS), 'label?': str });
const gpu = shape({
  t: finite,
  index: int,
  'utilizationPct?': nonNeg,
  'memoryUsedMiB?': nonNeg,
  'memoryTotalMiB?': nonNeg,
  'runMemoryMiB?': nonNeg,
  'temperatureC?': finite,
});
const MAX_RANK_VIEWS = 64;
const rankView = shape({
  rank: int,
  state: oneOf(['running', 'failed', 'ended'] as const),
  'lastLine?': str,
  'error?': str,
  'first?': bool,
});
const ranksShape = shape({ ranks: arrayOf(rankView), 'more?': int, 'processes?': int });
const ranksView: Check = (v, w) => {
  // The count first: a list past the bound is refused without checking each entry.
  const n = isObj(v) && Array.isArray(v.ranks) ? v.ranks.length : 0;
  return n > MAX_RANK_VIEWS ? `${w}.ranks: at most ${MAX_RANK_VIEWS} ranks, got ${n}` : ranksShape(v, w);
};
const failure = shape({ class: str, 'title?': str, message: str, remedy: str, 'consoleLine?': int, 'fixTitle?': str });
const run = shape({
  id: nonEmptyStr,
  label: str,
  'script?': str,
  'simulated?': bool,
  loaded: bool,
  status,
  series: seriesMap,
  gallery: arrayOf(galleryImage),
  checkpoints: arrayOf(checkpoint),
  markers: arrayOf(marker),
  gpu: arrayOf(gpu),
  'failure?': failure,
  'validationPrompt?': str,
  'notices?': arrayOf(str),
  'tags?': arrayOf(str),
  'note?': str,
  'ranks?': ranksView,
});
const failureOrNull: Check = (v, w) => (v === null ? undefined : failure(v, w));
const smoothing: Check = (v, w) => (typeof v === 'number' && v >= 0 && v < 1 ? undefined : `${w}: expected a number in [0, 1)`);

const hostMessages: Record<HostMessage['type'], Check> = {
  init: shape({ runs: arrayOf(run), 'theme?': oneOf(THEMES), 'smoothing?': smoothing, 'focusRunId?': str, 'speedUnit?': oneOf(SPEED_UNITS) }),
  delta: shape({
    runId: nonEmptyStr,
    'appendSeries?': seriesMap,
    'status?': status,
    'gallery?': arrayOf(galleryImage),
    'checkpoints?': arrayOf(checkpoint),
    'markers?': arrayOf(marker),
    'gpu?': arrayOf(gpu),
    'failure?': failureOrNull,
    'notices?': arrayOf(str),
    'simulated?': bool,
    'label?': str,
    'labels?': shape({ tags: arrayOf(str), 'note?': str }),
    'ranks?': ranksView,
  }),
  reset: shape({ 'runId?': nonEmptyStr }),
  runData: shape({ run }),
  theme: shape({ theme: oneOf(THEMES) }),
  select: shape({ runIds: arrayOf(nonEmptyStr) }),
  speedUnit: shape({ unit: oneOf(SPEED_UNITS) }),
};

/** The chart's id (STEP_CHARTS' or `gpu`): it names the saved file, so only a short plain word. */
const chartId: Check = (v, w) => (typeof v === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(v) ? undefined : `${w}: expected a chart id`);
/** The full checks (base64, PNG signature) are the host's (core/view/chartPng.ts); this one bounds what is read at all. */
export const MAX_PNG_DATA_URL_CHARS = 12 * 1024 * 1024;
const pngDataUrl: Check = (v, w) =>
  typeof v === 'string' && v.startsWith('data:image/png;base64,') && v.length <= MAX_PNG_DATA_URL_CHARS
    ? undefined
    : `${w}: expected a data:image/png;base64, URL of at most ${MAX_PNG_DATA_URL_CHARS} characters`;

const webviewMessages: Record<WebviewMessage['type'], Check> = {
  ready: shape({ protocol: int }),
  requestRun: shape({ runId: nonEmptyStr }),
  openConsoleAt: shape({ runId: nonEmptyStr, line: int }),
  openConsoleAtStep: shape({ runId: nonEmptyStr, step: int }),
  openCheckpoint: shape({ runId: nonEmptyStr, step: int, path: pathText }),
  compareRuns: shape({ runIds: arrayOf(nonEmptyStr) }),
  shownRuns: shape({ runIds: arrayOf(nonEmptyStr) }),
  setSmoothing: shape({ weight: smoothing }),
  openImage: shape({ runId: nonEmptyStr, uri: nonEmptyStr }),
  applyFix: shape({ runId: nonEmptyStr }),
  saveChartPng: shape({ chartId: chartId, dataUrl: pngDataUrl, 'runLabel?': str }),
  saveImage: shape({ runId: nonEmptyStr, epoch: epochOrTest, index: int }),
};

/** A message's `type` for an error text: never throws (a BigInt or a cycle would make JSON.stringify throw), never long. */
function typeText(type: unknown): string {
  if (typeof type === 'string') return JSON.stringify(type.length > 64 ? `${type.slice(0, 64)}…` : type);
  return type === null || type === undefined ? String(type) : `(${typeof type})`;
}

export function checkTagged(table: Record<string, Check>, v: unknown, side: string): string | undefined {
  if (!isObj(v)) return `${side} message: expected an object`;
  const type = v.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(table, type)) {
    return `${side} message: unknown type ${typeText(type)}`;
  }
  return table[type]!(v, `${side} message '${type}'`);
}

/** Why `v` is not a valid host→webview message, or undefined when it is. */
export function checkHostMessage(v: unknown): string | undefined {
  return checkTagged(hostMessages, v, 'host');
}

/** Why `v` is not a valid webview→host message, or undefined when it is. */
export function checkWebviewMessage(v: unknown): string | undefined {
  return checkTagged(webviewMessages, v, 'webview');
}

export function isHostMessage(v: unknown): v is HostMessage {
  return checkHostMessage(v) === undefined;
}

export function isWebviewMessage(v: unknown): v is WebviewMessage {
  return checkWebviewMessage(v) === undefined;
}

/** An empty run view, for hosts that build one up and for tests. */
export function emptyRunView(id: string, label = id): RunView {
  return { id, label, loaded: true, status: { outcome: 'unknown' }, series: {}, gallery: [], checkpoints: [], markers: [], gpu: [] };
}
