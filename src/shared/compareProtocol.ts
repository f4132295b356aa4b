// The typed message protocol between the Compare Samples webview (webview/src/compare/) and the extension host, both
// directions, validated on receipt on both sides as the dashboard's are (dashboardProtocol.ts). The host sends the
// whole job as one snapshot whenever it changes (a job is sources × prompts × images, a few hundred cells at most);
// images come as webview URIs of files in the job's output folder. The webview names an image by
// {jobId, source, promptIndex, seed}, never by a path: the host maps that to its file.
import { arrayOf, checkTagged, finite, int, isObj, nonEmptyStr, oneOf, shape, str, type Check } from './dashboardProtocol';

export const COMPARE_PROTOCOL_VERSION = 1;

export type CompareStatusView = 'starting' | 'loading' | 'generating' | 'succeeded' | 'failed' | 'stopped';

/** One column: a source of the job, in the job's order (base, checkpoints by step, final). */
export interface CompareColumnView {
  label: string;
  /** "base", "checkpoint-4 · step 4", "final". */
  title: string;
}

export interface CompareImageView {
  source: string;
  promptIndex: number;
  seed: number;
  uri: string;
  /** CLIP score of the image against its prompt (0–100), once scored. */
  clipScore?: number;
}

/** What the header shows of the settings (the script's own report of them when it has one). */
export interface CompareSettingsView {
  steps: number;
  guidance: number;
  width: number;
  height: number;
  negativePrompt?: string;
  /** The device the script chose (`cuda`, `cpu`) with its dtype, else the one asked for. */
  device?: string;
  seed: number;
  numImages: number;
}

/** Whether CLIP scores are there, and why not. */
export type ClipStatusView =
  | { state: 'scored'; model: string }
  | { state: 'scoring'; model: string }
  /** The model is not on this machine: the panel offers its download. */
  | { state: 'not-downloaded'; model: string }
  /** Scoring is off here (an untrusted workspace) or failed: `message` says which. */
  | { state: 'unavailable'; message: string };

export interface CompareJobView {
  jobId: string;
  /** The run's name (as shown when the job started), else the job's. */
  name: string;
  status: CompareStatusView;
  error?: string;
  /** Absent until the job's request is read. */
  settings?: CompareSettingsView;
  prompts: string[];
  columns: CompareColumnView[];
  images: CompareImageView[];
  /** The image being made now. */
  current?: { source: string; promptIndex: number; seed: number; step: number; steps: number };
  done: number;
  total: number;
  clip: ClipStatusView;
}

export type CompareHostMessage =
  | { type: 'job'; job: CompareJobView }
  /** The job is not (or no longer) known: its record was deleted, or the id is wrong. */
  | { type: 'missing'; jobId: string; message: string };

export interface ImageRef {
  jobId: string;
  source: string;
  promptIndex: number;
  seed: number;
}

export type CompareWebviewMessage =
  | { type: 'ready'; protocol: number }
  | ({ type: 'saveImage' } & ImageRef)
  /** "Download" under the CLIP note: the host asks (as every CLIP download does) and scores once it is there. */
  | { type: 'downloadClip' };

// ---------------------------------------------------------------------------------------------------------------

const STATUSES: readonly CompareStatusView[] = ['starting', 'loading', 'generating', 'succeeded', 'failed', 'stopped'];
/** A source label as the contract spells it (types.ts GenerationSource.label). */
const label: Check = (v, w) => (typeof v === 'string' && /^[A-Za-z0-9][\w.-]*$/.test(v) && v.length <= 200 ? undefined : `${w}: expected a source label`);
const seed: Check = (v, w) => (Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : `${w}: expected a seed (an integer >= 0)`);
const positiveInt: Check = (v, w) => (Number.isInteger(v) && (v as number) > 0 ? undefined : `${w}: expected an integer > 0`);
const jobId: Check = (v, w) => (typeof v === 'string' && /^[\w.-]{1,200}$/.test(v) ? undefined : `${w}: expected a job id`);

const clipStatus: Check = (v, w) => {
  if (!isObj(v)) return `${w}: expected an object`;
  switch (v.state) {
    case 'scored':
    case 'scoring':
    case 'not-downloaded':
      return shape({ state: str, model: str })(v, w);
    case 'unavailable':
      return shape({ state: str, message: str })(v, w);
    default:
      return `${w}.state: unknown "${String(v.state)}"`;
  }
};

const jobView = shape({
  jobId,
  name: str,
  status: oneOf(STATUSES),
  'error?': str,
  'settings?': shape({
    steps: positiveInt,
    guidance: finite,
    width: positiveInt,
    height: positiveInt,
    'negativePrompt?': str,
    'device?': str,
    seed,
    numImages: positiveInt,
  }),
  prompts: arrayOf(str),
  columns: arrayOf(shape({ label, title: str })),
  images: arrayOf(shape({ source: label, promptIndex: int, seed, uri: nonEmptyStr, 'clipScore?': finite })),
  'current?': shape({ source: label, promptIndex: int, seed, step: int, steps: int }),
  done: int,
  total: int,
  clip: clipStatus,
});

const hostMessages: Record<CompareHostMessage['type'], Check> = {
  job: shape({ job: jobView }),
  missing: shape({ jobId, message: str }),
};

const webviewMessages: Record<CompareWebviewMessage['type'], Check> = {
  ready: shape({ protocol: int }),
  saveImage: shape({ jobId, source: label, promptIndex: int, seed }),
  downloadClip: (v, w) => (isObj(v) ? undefined : `${w}: expected an object`),
};

/** Why `v` is not a valid host→webview message of the comparison panel, or undefined when it is. */
export function checkCompareHostMessage(v: unknown): string | undefined {
  return checkTagged(hostMessages, v, 'host');
}

/** Why `v` is not a valid webview→host message of the comparison panel, or undefined when it is. */
export function checkCompareWebviewMessage(v: unknown): string | undefined {
  return checkTagged(webviewMessages, v, 'webview');
}

/** The key of one image of a job: the cell it fills (and the key its CLIP score is cached under is its file). */
export function imageKey(source: string, promptIndex: number, seed: number): string {
  return `${source}\u0000${promptIndex}\u0000${seed}`;
}
