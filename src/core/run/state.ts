// RunState: everything every view shows about one run, built only by `reduce` (reducer.ts) from RunEvents.
import type { ArgValue, ScriptKind } from '../scripts/scriptTables';
import type { CheckpointInfo, ClipImageScore, Diagnosis, GpuSample, RunPhase, SlurmJobView, TracebackInfo, ValidationImage } from './events';
import { EMPTY_SERIES, type Series } from './series';
import { EMPTY_TIMING, type StepTiming } from './stepTimes';
import { EMPTY_RANKS, type RanksState } from './ranks';

/** Lifecycle: `queued` until any output; a phase while alive; one of the last three once it ended. */
export type RunStateName = 'queued' | RunPhase | 'finished' | 'failed' | 'stopped';
export const ENDED_STATES: readonly RunStateName[] = ['finished', 'failed', 'stopped'];

export interface Banner {
  numExamples?: number;
  numBatchesEachEpoch?: number;
  numEpochs?: number;
  batchSize?: number;
  totalBatchSize?: number;
  gradAccum?: number;
  totalSteps?: number;
}

export interface CheckpointState extends CheckpointInfo {
  /** `Saving current state to` seen, `Saved state to` not yet. */
  saving?: boolean;
}

export interface ValidationEntry {
  tag: string;
  epoch: number;
  images: ValidationImage[];
}

export interface RunState {
  script: ScriptKind | null;
  /** Strength of the evidence for `script` (4 = run record, 3 = script file name seen, …). */
  scriptStrength: number;
  state: RunStateName;
  /** Optimizer updates done (the Steps bar's n; may exceed totalSteps). */
  step: number | null;
  totalSteps: number | null;
  /** 0-based epoch, derived from the banner and the step, or from validation images. */
  epoch: number | null;
  numEpochs: number | null;
  rateItPerSec: number | null;
  elapsedSec: number | null;
  etaSec: number | null;
  banner: Banner;
  numProcesses: number | null;
  mixedPrecision: string | null;
  /** accelerate's `Device:` (`cpu`, `cuda`, `cuda:0`, `mps`), when printed. */
  device: string | null;
  /** The config's args, when the launch is known (for tailored fixes). */
  args: Readonly<Record<string, ArgValue>> | null;
  outputDir: string | null;
  /** Latest Steps postfix values (`step_loss` or dreambooth's `loss`, and `lr`). */
  stepLoss: number | null;
  lr: number | null;
  /** `train_loss` (or dreambooth's `loss`) from event files; `step_loss` from the console. One point per step, newest wins. */
  loss: { train_loss: Series; step_loss: Series };
  /** Learning rate from the console postfix. */
  lrSeries: Series;
  /** Other event-file scalars by tag (dreambooth `lr`, lora `loss_for_*`). */
  scalars: Readonly<Record<string, Series>>;
  /** First step whose loss was NaN. */
  nanLossStep: number | null;
  checkpoints: CheckpointState[];
  validation: { current: { numImages?: number; prompt?: string } | null; entries: ValidationEntry[] };
  finalInference: { step: number; total: number } | null;
  /**
   * CLIP scores of the validation and test images (run/clipScores.ts derives the series and the drop warning). Only
   * the scores of `model`, the model of the newest line read: a line of another model starts the list afresh, so two
   * models' scores are never mixed (their lines stay in the file).
   */
  clip: { model: string | null; scores: readonly ClipImageScore[] };
  gpu: { latest: GpuSample[] | null; samples: Array<{ wallTime: number; gpus: GpuSample[] }> };
  resumedFrom: { step: number; checkpoint: string } | null;
  resumeNotFound: string | null;
  /** Last few tracebacks and error lines, for the classifier and the failure view. */
  tracebacks: TracebackInfo[];
  errorLines: string[];
  /** Last WARNING/ERROR log records. */
  logTail: Array<{ level: string; logger: string; message: string }>;
  /**
   * The extension's own notes on this run (OWN_LOGGERS): a file it could not read, event records it skipped, a record
   * it could not write. Kept apart from logTail so the training's own warnings never push them out; shown to users.
   */
  notices: string[];
  /** The launcher reported that the training process failed (CalledProcessError, ChildFailedError, died with …). */
  launcherFailed: boolean;
  /** Non-fatal diagnoses (NaN loss while still running, missing tensorboard, …). */
  warnings: Diagnosis[];
  failure: Diagnosis | null;
  exit: { code: number | null; signal: string | null } | null;
  stopRequested: boolean;
  hang: { sinceSec: number; typicalStepSec: number } | null;
  /** Wall-clock ms of the last step changes (from events' `at`), for hang detection. */
  progressTimes: number[];
  lastEventAt: number | null;
  /** The user's name (absent: the record's), note and tags of the run (supervisor/runLabels.ts). */
  labels: { name?: string; note?: string; tags: readonly string[] } | null;
  /** When each step was reached, the pauses, start and end (stepTimes.ts): speed and ETA come from these. */
  timing: StepTiming;
  /** The Slurm job of a `slurm`-profile run (a `slurm` event from run.json); null for a local run. */
  slurm: SlurmJobView | null;
  /** Per rank of a multi-process run (ranks.ts): what each printed last, which failed, which failed first. Bounded. */
  ranks: RanksState;
}

export const EMPTY_CLIP: RunState['clip'] = Object.freeze({ model: null, scores: Object.freeze([]) });

export function initialRunState(): RunState {
  return {
    script: null,
    scriptStrength: 0,
    state: 'queued',
    step: null,
    totalSteps: null,
    epoch: null,
    numEpochs: null,
    rateItPerSec: null,
    elapsedSec: null,
    etaSec: null,
    banner: {},
    numProcesses: null,
    mixedPrecision: null,
    device: null,
    args: null,
    outputDir: null,
    stepLoss: null,
    lr: null,
    loss: { train_loss: EMPTY_SERIES, step_loss: EMPTY_SERIES },
    lrSeries: EMPTY_SERIES,
    scalars: {},
    nanLossStep: null,
    checkpoints: [],
    validation: { current: null, entries: [] },
    finalInference: null,
    clip: EMPTY_CLIP,
    gpu: { latest: null, samples: [] },
    resumedFrom: null,
    resumeNotFound: null,
    tracebacks: [],
    errorLines: [],
    logTail: [],
    notices: [],
    launcherFailed: false,
    warnings: [],
    failure: null,
    exit: null,
    stopRequested: false,
    hang: null,
    progressTimes: [],
    lastEventAt: null,
    labels: null,
    timing: EMPTY_TIMING,
    slurm: null,
    ranks: EMPTY_RANKS,
  };
}

/**
 * A copy of `s`, field by field. The reducer copies the state for every event, and V8 copies this 40-field object by
 * spread (`{ ...s }`) on a slow path (~2 µs, most of a replay's time); one object literal is ~20× faster. Listing
 * every field is checked: a field left out here is a compile error.
 */
export function copyState(s: RunState): RunState {
  const c: { [K in keyof RunState]-?: RunState[K] } = {
    script: s.script,
    scriptStrength: s.scriptStrength,
    state: s.state,
    step: s.step,
    totalSteps: s.totalSteps,
    epoch: s.epoch,
    numEpochs: s.numEpochs,
    rateItPerSec: s.rateItPerSec,
    elapsedSec: s.elapsedSec,
    etaSec: s.etaSec,
    banner: s.banner,
    numProcesses: s.numProcesses,
    mixedPrecision: s.mixedPrecision,
    device: s.device,
    args: s.args,
    outputDir: s.outputDir,
    stepLoss: s.stepLoss,
    lr: s.lr,
    loss: s.loss,
    lrSeries: s.lrSeries,
    scalars: s.scalars,
    nanLossStep: s.nanLossStep,
    checkpoints: s.checkpoints,
    validation: s.validation,
    finalInference: s.finalInference,
    clip: s.clip,
    gpu: s.gpu,
    resumedFrom: s.resumedFrom,
    resumeNotFound: s.resumeNotFound,
    tracebacks: s.tracebacks,
    errorLines: s.errorLines,
    logTail: s.logTail,
    notices: s.notices,
    launcherFailed: s.launcherFailed,
    warnings: s.warnings,
    failure: s.failure,
    exit: s.exit,
    stopRequested: s.stopRequested,
    hang: s.hang,
    progressTimes: s.progressTimes,
    lastEventAt: s.lastEventAt,
    labels: s.labels,
    timing: s.timing,
    slurm: s.slurm,
    ranks: s.ranks,
  };
  return c;
}

/** `{ ...s, ...patch }`, through copyState. */
export function patchState(s: RunState, patch: Partial<RunState>): RunState {
  return Object.assign(copyState(s), patch);
}

export function isEnded(s: RunState): boolean {
  return ENDED_STATES.includes(s.state);
}

/** Optimizer updates per epoch from the banner (docs/worker-formats.md#steps-per-epoch), or undefined when it cannot be known. */
export function stepsPerEpoch(b: Banner): number | undefined {
  // A banner can say `Gradient Accumulation steps = 0` (a garbled or hand-edited console): that is no accumulation, not a
  // division by zero.
  const ga = Math.max(1, b.gradAccum ?? 1);
  if (b.numBatchesEachEpoch) return Math.ceil(b.numBatchesEachEpoch / ga);
  if (b.numExamples && b.batchSize && b.totalBatchSize) {
    const processes = Math.max(1, Math.round(b.totalBatchSize / (b.batchSize * ga)));
    const perProcessBatches = Math.ceil(Math.ceil(b.numExamples / b.batchSize) / processes);
    return Math.max(1, Math.ceil(perProcessBatches / ga));
  }
  if (b.totalSteps && b.numEpochs) return Math.max(1, Math.ceil(b.totalSteps / b.numEpochs));
  return undefined;
}
