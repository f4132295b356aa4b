// RunEvent: the one event type every source of run information produces (console parser, checkpoint scanner,
// TensorBoard event reader, GPU poller, supervisor) and the one reducer consumes. Every view is rebuilt from these,
// so a field belongs here only if some source can actually observe it.
import type { ScriptKind, ArgValue } from '../scripts/scriptTables';
import type { Fix } from '../config/fixes';

/** Where the training is, as far as the console shows. `finishing` = after the loop (final save, test images, upload). */
export type RunPhase = 'starting' | 'pre-computing' | 'training' | 'validating' | 'saving' | 'finishing';

// Fixes share the config diagnostics' shape, so the same code action applies them.
export type { Fix, FixEdit } from '../config/fixes';

export type FailureClass =
  | 'cuda_oom'
  | 'host_oom_killed'
  | 'missing_package'
  | 'dataset_columns'
  | 'argparse'
  | 'diffusers_version'
  | 'nan_loss'
  | 'hub_auth'
  | 'xformers_build'
  | 'distributed'
  | 'disk_full'
  | 'other';

/** What went wrong and what to do about it. `configKey` is a JSON pointer into the config (`/args/train_batch_size`). */
export interface Diagnosis {
  class: FailureClass;
  message: string;
  remedy: string;
  configKey?: string;
  fix?: Fix;
}

/** A Python traceback as printed: from `Traceback (most recent call last):` (or the first `File` line of a partial log) to the exception line. */
export interface TracebackInfo {
  lines: string[];
  /** The final `SomeError: message` line; absent when the log ended inside the traceback. */
  exception?: string;
  /** From a `[rankN]: ` line prefix (torch.distributed.run), when present. */
  rank?: number;
}

export interface CheckpointInfo {
  step: number;
  /** As printed or as found; relative when output_dir was relative. */
  path: string;
  /** All files the script writes are there, or the console printed `Saved state to …/checkpoint-N`. */
  complete: boolean;
  sizeBytes?: number;
}

export interface ValidationImage {
  /** PNG bytes are not carried in events; a path (extracted file) or an in-memory key chosen by the producer. */
  ref: string;
  width?: number;
  height?: number;
}

/**
 * The CLIP score of one validation or test image against the run's validation prompt, as read from the run's
 * `clip-scores.jsonl` (worker/clipScoreFile.ts, written by the extension's scoring service).
 */
export interface ClipImageScore {
  /** The image's key: its grid folder and file name (`validation-3-ab12cd34ef/0.png`), the same wherever the cache lies. */
  key: string;
  tag: string;
  /** 0-based epoch the event files logged the image at. */
  epoch: number;
  /** Global step of that validation, when the scorer knew it. */
  step?: number;
  /** Position within its validation's images. */
  index: number;
  /** 100 × max(0, cos) (core/clip/types.ts ClipScore). */
  score: number;
  /** The scoring model's id: scores of different models are never mixed. */
  model: string;
}

export interface GpuSample {
  index: number;
  utilizationPct?: number;
  memoryUsedMiB?: number;
  memoryTotalMiB?: number;
  temperatureC?: number;
  powerW?: number;
  /** GPU memory held by this run's own processes on this GPU (nvidia-smi --query-compute-apps). */
  runMemoryMiB?: number;
  /** nvidia-smi's `GPU-…` id: how compute apps name their GPU. */
  uuid?: string;
}

/** Logger of the monitor's own notes (files it cannot read, records it skipped, a failing GPU poller). */
export const MONITOR_LOGGER = 'sdxl-monitor';
/** Logger of the run wrapper's notes, which it writes into console.log as lines starting with WRAPPER_PREFIX. */
export const WRAPPER_LOGGER = 'sdxl-trainer';
export const WRAPPER_PREFIX = '[sdxl-trainer] ';
/** The extension's own notes about a run, as opposed to the training's log records. */
export const OWN_LOGGERS: readonly string[] = [MONITOR_LOGGER, WRAPPER_LOGGER];

/** Fields shared by all events. `at` is wall-clock ms, set only by producers that see the event live. */
interface Base {
  at?: number;
}

export type RunEvent = Base &
  /** Launch facts known before any output (from run.json / the launch plan). */
  (
    | {
        type: 'runInfo';
        script?: ScriptKind;
        args?: Record<string, ArgValue>;
        outputDir?: string;
        numProcesses?: number;
        /** run.json's start (wall ms). */
        startedAt?: number;
      }
    /** Evidence for which script is running, seen in the output. Higher strength wins (3 = the script's file name). */
    | { type: 'scriptHint'; script: ScriptKind; strength: 1 | 2 | 3; reason: string }
    | { type: 'phase'; phase: RunPhase }
    /** The `Steps` bar. `step` may exceed `total` (then tqdm stops printing the total; the last one seen is repeated). */
    | { type: 'progress'; step: number; total?: number; rateItPerSec?: number; elapsedSec?: number; remainingSec?: number }
    /** The Steps bar postfix: `lr`/`step_loss` (full, lora) or `loss`/`lr` (dreambooth). NaN is kept as NaN. */
    | { type: 'postfix'; step: number; stepLoss?: number; lr?: number }
    /** One or more banner fields (each banner line is its own log record, so events usually carry one field). */
    | {
        type: 'banner';
        numExamples?: number;
        numBatchesEachEpoch?: number;
        numEpochs?: number;
        batchSize?: number;
        totalBatchSize?: number;
        gradAccum?: number;
        totalSteps?: number;
      }
    /** The accelerator state record (printed by every rank). */
    | { type: 'accelerateState'; numProcesses?: number; mixedPrecision?: string; distributedType?: string; device?: string }
    /** 0-based epoch, from a source that knows it (validation images are logged at step = epoch). */
    | { type: 'epoch'; epoch: number }
    /** A `date - LEVEL - logger - message` record; `[RANK n] ` is removed from the message and kept in `rank`. */
    | { type: 'log'; level: string; logger: string; message: string; rank?: number }
    | { type: 'checkpointSaving'; step: number; path: string }
    | { type: 'checkpointSaved'; step: number; path: string }
    /** `removing checkpoints: checkpoint-500, …` (checkpoints_total_limit pruning). */
    | { type: 'checkpointsRemoved'; names: string[] }
    /** A full scan of output_dir; replaces what the state knew about checkpoints on disk. */
    | {
        type: 'checkpointScan';
        checkpoints: CheckpointInfo[];
        /**
         * Take every checkpoint on disk as the run's: only for an output_dir read without a console (`summarize DIR`),
         * where there is no run to attribute them to. Otherwise the run owns only those its console said it saved.
         */
        adopt?: boolean;
      }
    /** `final`: the test images generated after the final save (DreamBooth logs them as a validation), part of finishing. */
    | { type: 'validationStarted'; numImages?: number; prompt?: string; final?: boolean }
    | { type: 'validationImages'; tag: string; epoch: number; images: ValidationImage[] }
    /**
     * CLIP scores read from the run's scores file, in file order. `reset`: the file was truncated, replaced or deleted,
     * so these replace every score known (none when it was deleted).
     */
    | { type: 'clipScores'; scores: ClipImageScore[]; reset?: boolean }
    /** A scalar from the TensorBoard event files (`train_loss`, or dreambooth's `loss`/`lr`). */
    | { type: 'scalar'; tag: string; step: number; value: number; wallTime: number }
    /** `wallTime` is wall-clock ms. */
    | { type: 'gpuSample'; wallTime: number; gpus: GpuSample[] }
    | { type: 'resumed'; fromStep: number; checkpoint: string }
    /** `Checkpoint 'latest' does not exist. Starting a new training run.` */
    | { type: 'resumeNotFound'; checkpoint: string }
    /** Final test inference bars (`100%|…| 25/25` with no desc). */
    | { type: 'finalInference'; step: number; total: number }
    | { type: 'traceback'; traceback: TracebackInfo }
    /** A single line that tells about an error outside a traceback (argparse `error:`, `died with <Signals.…>`, NCCL, …). */
    | { type: 'errorLine'; text: string }
    /** A diagnosis from outside the console (e.g. the missing-tensorboard check). `fatal: false` = a warning. */
    | { type: 'failure'; diagnosis: Diagnosis; fatal?: boolean }
    | { type: 'stopRequested' }
    | { type: 'hang'; sinceSec: number; typicalStepSec: number }
    /** `endedAt`: wall ms, from exit.json / run.json (else the event's live `at` stands in). */
    | { type: 'exit'; code: number | null; signal: string | null; endedAt?: number }
    /** The user's name, note and tags of the run (its record folder's labels.json), each time that file changes. */
    | { type: 'labels'; name?: string; note?: string; tags: string[] }
    /** The Slurm job a `slurm`-profile run is (run.json's `slurm`, supervisor/slurmTypes.ts), each time what Slurm said changes. */
    | { type: 'slurm'; job: SlurmJobView }
    /** A line one rank printed (its `[rankN]:` / `[defaultN]:` prefix removed; cut to 200 characters). */
    | { type: 'rankLine'; rank: number; text: string }
    /**
     * An entry of torch.distributed's ChildFailedError table: a rank that failed, its exit code, the signal that
     * killed it; `rootCause`: the entry under `Root Cause (first observed failure)`.
     */
    | { type: 'rankFailure'; rank: number; exitCode?: number; signal?: string; rootCause: boolean }
  );

/** What the views show of a run's Slurm job: run.json's `slurm` with the partition of its plan; `checkedAt` in wall ms. */
export interface SlurmJobView {
  jobId: string;
  cluster?: string;
  state: string;
  reason?: string;
  nodes?: string;
  partition?: string;
  checkedAt?: number;
}

export type RunEventType = RunEvent['type'];
export type RunEventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;
