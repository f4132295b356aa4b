// The core job machinery the GenerationsController drives (core/generate/jobs.ts and monitor.ts), as one object so
// the controller's tests can hand it jobs without Python.
import type { Supervisor } from '../../core/supervisor/supervisor';
import type { RunEntry } from '../../core/supervisor/runRecord';
import type { ProcessQuery } from '../../core/supervisor/processTree';
import type { GenerationState } from '../../core/generate/types';
import { deleteGeneration, generationsDir, listGenerations, startGeneration, stopGeneration, type StartGenerationOptions } from '../../core/generate/jobs';
import { GenerationMonitor } from '../../core/generate/monitor';

/** What the controller reads of a GenerationMonitor. */
export interface JobMonitor {
  readonly state: GenerationState;
  onChange(cb: () => void): () => void;
  start(): void;
  poll(): Promise<unknown> | unknown;
  dispose(): void;
}

export type JobStartOptions = StartGenerationOptions;

export interface GenerationJobs {
  generationsDir(workspaceRoot: string): string;
  list(supervisor: Supervisor, problems: string[]): Promise<RunEntry[]>;
  start(supervisor: Supervisor, opts: JobStartOptions): Promise<RunEntry>;
  stop(supervisor: Supervisor, jobId: string): Promise<unknown>;
  /** Removes an ended job's record and its images folder (only one under .sdxl/samples). */
  delete(supervisor: Supervisor, workspaceRoot: string, jobId: string): Promise<void>;
  monitor(recordDir: string, processes: ProcessQuery): JobMonitor;
}

export const coreGenerationJobs: GenerationJobs = {
  generationsDir,
  list: (sup, problems) => listGenerations(sup, problems),
  start: (sup, opts) => startGeneration(sup, opts),
  stop: (sup, jobId) => stopGeneration(sup, jobId),
  delete: (sup, root, jobId) => deleteGeneration(sup, root, jobId),
  monitor: (recordDir, processes) => new GenerationMonitor(recordDir, { processes }),
};
