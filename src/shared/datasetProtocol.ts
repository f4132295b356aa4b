// The typed message protocol between the Preview Dataset webview and the extension host, both directions. The host
// keeps the whole DatasetReport and serves the gallery a page at a time (a 200,000-image dataset never crosses the
// boundary at once); thumbnails and crop previews are small files the host made with sharp, sent as webview URIs.
// Every message is validated on receipt on both sides, as the dashboard's are (dashboardProtocol.ts).
import { arrayOf, bool, checkTagged, finite, int, isObj, nonEmptyStr, oneOf, shape, str, type Check } from './dashboardProtocol';

export const DATASET_PROTOCOL_VERSION = 1;
/** The most images one page may ask for: the gallery's pages are smaller, this bounds a bad request. */
export const MAX_PAGE_SIZE = 200;

export type FindingSeverityView = 'error' | 'warning' | 'info';

export interface FindingView {
  /** A DatasetFindingCode (core/dataset/types.ts); shown and filtered on, never switched on. */
  code: string;
  severity: FindingSeverityView;
  message: string;
  fix?: string;
  /** metadata.jsonl line, for findings on it. */
  line?: number;
  /** The file named relative to the dataset (folder-level findings in the overview). */
  file?: string;
}

export interface DatasetImageView {
  /** Position in the host's report: the only handle the webview sends back (never a path). */
  index: number;
  /** Path relative to the dataset folder. */
  name: string;
  role: string;
  caption: string | null;
  width?: number;
  height?: number;
  format?: string;
  /** CLIP score of the image against its caption (0–100), when the check scored captions. */
  clipScore?: number;
  findings: FindingView[];
}

export interface HistogramView {
  labels: string[];
  counts: number[];
}

export interface DatasetOverview {
  /** What was checked, in words (the config's or the folder's name). */
  title: string;
  /** The config or folder the panel shows; the webview keeps it so the panel comes back after a reload. */
  target: string;
  resolution: number;
  /** The config's `--center_crop` and `--random_flip`: how the training crop is drawn. */
  centerCrop: boolean;
  randomFlip: boolean;
  images: number;
  errors: number;
  warnings: number;
  infos: number;
  cancelled: boolean;
  resolutionHistogram: HistogramView;
  aspectHistogram: HistogramView;
  /** Findings per code, most frequent first (the filter's choices). */
  codeCounts: { code: string; count: number }[];
  /** Findings not on one image (metadata.jsonl lines, folders), at most a few hundred. */
  otherFindings: FindingView[];
  /** How many folder-level findings were left out of `otherFindings`. */
  otherFindingsLeftOut: number;
}

export interface GalleryFilter {
  problemsOnly: boolean;
  /** Only images with a finding of this code. */
  code?: string;
}

/** SDXL's training crop of one image (core/dataset/types.ts TrainingCrop), as the host computed it. */
export interface CropView {
  resizedWidth: number;
  resizedHeight: number;
  left: number;
  top: number;
  size: number;
  flipped: boolean;
  originalSize: [number, number];
  cropsCoordsTopLeft: [number, number];
  keptFraction: number;
}

export type ThemeKindView = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** Everything the host sends. */
export type DatasetHostMessage =
  /** The check is running (or starting: total 0). */
  | { type: 'progress'; title: string; target: string; done: number; total: number }
  /** A report is ready: the webview (re)asks for its page. */
  | { type: 'init'; overview: DatasetOverview }
  /** An answer to `requestPage`; `offset` is clamped to the filtered total. */
  | { type: 'page'; requestId: number; offset: number; total: number; items: DatasetImageView[] }
  /** Thumbnails made since the page went out; `uri` absent when the image could not be read (`error` says why). */
  | { type: 'thumbs'; thumbs: { index: number; uri?: string; error?: string }[] }
  /** An answer to `selectImage`: the image (it may be on no page shown) and the training crop of one draw, over a preview. */
  | { type: 'crop'; index: number; draw: number; image?: DatasetImageView; crop?: CropView; imageUri?: string; error?: string }
  /** The check could not run (no dataset in the config, a folder that is gone). */
  | { type: 'failed'; message: string };

/** Everything the webview sends. */
export type DatasetWebviewMessage =
  | { type: 'ready'; protocol: number }
  | { type: 'requestPage'; requestId: number; offset: number; limit: number; filter: GalleryFilter }
  /** `draw` numbers the random draw (0 the first; "Redraw" counts up), so the same draw shows the same crop. */
  | { type: 'selectImage'; index: number; draw: number }
  | { type: 'openImage'; index: number }
  | { type: 'recheck' };

// ---------------------------------------------------------------------------------------------------------------

const SEVERITIES: readonly FindingSeverityView[] = ['error', 'warning', 'info'];
const nullableStr: Check = (v, w) => (v === null ? undefined : str(v, w));
const positiveInt: Check = (v, w) => (Number.isInteger(v) && (v as number) > 0 ? undefined : `${w}: expected an integer > 0`);
const pair: Check = (v, w) =>
  Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x >= 0) ? undefined : `${w}: expected [integer, integer]`;
const fraction: Check = (v, w) => (typeof v === 'number' && v >= 0 && v <= 1 ? undefined : `${w}: expected a number in [0, 1]`);
const histogram: Check = (v, w) => {
  const e = shape({ labels: arrayOf(str), counts: arrayOf(int) })(v, w);
  if (e) return e;
  const h = v as HistogramView;
  return h.labels.length === h.counts.length ? undefined : `${w}: labels and counts differ in length`;
};
const finding = shape({ code: nonEmptyStr, severity: oneOf(SEVERITIES), message: str, 'fix?': str, 'line?': positiveInt, 'file?': str });
const imageView = shape({
  index: int,
  name: str,
  role: str,
  caption: nullableStr,
  'width?': int,
  'height?': int,
  'format?': str,
  'clipScore?': finite,
  findings: arrayOf(finding),
});
const overview = shape({
  title: str,
  target: nonEmptyStr,
  resolution: positiveInt,
  centerCrop: bool,
  randomFlip: bool,
  images: int,
  errors: int,
  warnings: int,
  infos: int,
  cancelled: bool,
  resolutionHistogram: histogram,
  aspectHistogram: histogram,
  codeCounts: arrayOf(shape({ code: nonEmptyStr, count: int })),
  otherFindings: arrayOf(finding),
  otherFindingsLeftOut: int,
});
const crop = shape({
  resizedWidth: positiveInt,
  resizedHeight: positiveInt,
  left: int,
  top: int,
  size: positiveInt,
  flipped: bool,
  originalSize: pair,
  cropsCoordsTopLeft: pair,
  keptFraction: fraction,
});
const filter: Check = (v, w) => shape({ problemsOnly: bool, 'code?': nonEmptyStr })(v, w);
const pageLimit: Check = (v, w) =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_PAGE_SIZE ? undefined : `${w}: expected an integer from 1 to ${MAX_PAGE_SIZE}`;

const hostMessages: Record<DatasetHostMessage['type'], Check> = {
  progress: shape({ title: str, target: nonEmptyStr, done: int, total: int }),
  init: shape({ overview }),
  page: shape({ requestId: int, offset: int, total: int, items: arrayOf(imageView) }),
  thumbs: shape({ thumbs: arrayOf(shape({ index: int, 'uri?': nonEmptyStr, 'error?': str })) }),
  crop: shape({ index: int, draw: int, 'image?': imageView, 'crop?': crop, 'imageUri?': nonEmptyStr, 'error?': str }),
  failed: shape({ message: str }),
};

const webviewMessages: Record<DatasetWebviewMessage['type'], Check> = {
  ready: shape({ protocol: int }),
  requestPage: shape({ requestId: int, offset: int, limit: pageLimit, filter }),
  selectImage: shape({ index: int, draw: int }),
  openImage: shape({ index: int }),
  recheck: (v, w) => (isObj(v) ? undefined : `${w}: expected an object`),
};

/** Why `v` is not a valid host→webview message of the dataset preview, or undefined when it is. */
export function checkDatasetHostMessage(v: unknown): string | undefined {
  return checkTagged(hostMessages, v, 'host');
}

/** Why `v` is not a valid webview→host message of the dataset preview, or undefined when it is. */
export function checkDatasetWebviewMessage(v: unknown): string | undefined {
  return checkTagged(webviewMessages, v, 'webview');
}

export function isDatasetHostMessage(v: unknown): v is DatasetHostMessage {
  return checkDatasetHostMessage(v) === undefined;
}

export function isDatasetWebviewMessage(v: unknown): v is DatasetWebviewMessage {
  return checkDatasetWebviewMessage(v) === undefined;
}
