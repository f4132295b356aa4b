// The one interface every source of a monitored run implements, and what the monitor (the scheduler) gives them.
// A source reads one kind of file (console, event files, checkpoints, …) and turns what is new into RunEvents; the
// monitor owns the state, folds the events with the one reducer, and calls the sources in the order of sources/index.ts.
import type { RunEvent } from '../../run/events';
import type { RunState } from '../../run/state';
import type { LaunchFacts, recordFiles } from '../../supervisor/runRecord';
import type { ProcessQuery } from '../../supervisor/processTree';
import type { SlurmClient } from '../../supervisor/slurmTypes';

/** How the run ended (exit.json, a final run.json, or settled after its wrapper died). */
export interface EndInfo {
  code: number | null;
  signal: string | null;
  stopRequested: boolean;
  /** When the run ended, if recorded (ms). */
  endedMs?: number;
}

/** What the monitor learnt of the run so far; written by the record source, read by the others. */
export interface RunFacts {
  /** run.json's launch facts, once read. */
  launch?: LaunchFacts;
  /** When the run started (ms), once known (never for a queued run); 0 when the record does not say. */
  startedMs?: number;
  /** When the run ended (ms), once known: event files written outside [start, end] are another run's. */
  endedMs?: number;
  /**
   * A bare output_dir (summarize): no run to attribute its files to, so every event file and checkpoint is taken
   * (the checkpoints adopted as the run's own).
   */
  unowned?: boolean;
  /** This pass's decision: the run has ended (decided before the reads, so they catch all it wrote). */
  end?: EndInfo;
}

export interface SourceOptions {
  /** Validation images and thumbnails go to `<imageCacheDir>/<run id>/…`. */
  imageCacheDir: string;
  hangFactor?: number;
  hangMinSec?: number;
  processes?: ProcessQuery;
  secrets?: readonly string[];
  /** nvidia-smi executable; false = no GPU samples. */
  nvidiaSmi?: string | false;
  /**
   * A summary (summarize): the files are read once to their end (the console's unfinished last line too, as when the
   * run ended), validation images are kept as references to their event-file records (nothing extracted, no wandb),
   * and the tracker project names the script.
   */
  summary?: boolean;
  /** How Slurm is asked about a run of the `slurm` profile (Supervisor.slurm); none: such a run is followed by its record only. */
  slurm?: SlurmClient;
}

export interface SourceContext {
  readonly recordDir: string;
  readonly files: ReturnType<typeof recordFiles>;
  readonly options: SourceOptions;
  /** The state after every event emitted so far. */
  readonly state: RunState;
  readonly facts: RunFacts;
  /** Passes made so far, this one included (for sources read every few passes). */
  readonly passes: number;
  /** Whether the backlog was read: later events are seen live. */
  readonly live: boolean;
  /** A one-shot read (summarize, readRunState): files to their end, no process checks, no timers. */
  readonly oneShot: boolean;
  now(): number;
  emit(event: RunEvent): void;
  /** A WARNING record from MONITOR_LOGGER, once per `key` until unwarn(key). */
  warn(key: string, message: string): void;
  unwarn(key: string): void;
  /** The console was rewritten from scratch: forget the state and read run.json again. */
  restart(): Promise<void>;
}

export interface RunSource {
  readonly name: string;
  /** Reads what is new; true when more is waiting (a read budget was reached). */
  poll(ctx: SourceContext): Promise<boolean | void>;
  /** The run ended (or a summary read everything): last events, before the exit event. */
  drain?(ctx: SourceContext): void;
  /** After the exit event (checks that need the final state). */
  afterExit?(ctx: SourceContext): void;
  /** A pass read everything and the run still lives (live-only checks). */
  idle?(ctx: SourceContext): void;
}

export { errText } from '../../util/errText';
