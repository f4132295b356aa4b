// The core job machinery the GenerationsController drives (core/generate/jobs.ts and monitor.ts), as one object so
// the controller's tests can hand it jobs without Python.
import type { Supervisor } from '../../core/supervisor/supervisor';
import type { RunEntry } from '../../core/supervisor/runRecord';
import type { GenerationSettings, GenerationState } from '../../core/generate/types';
import { generationsDir, listGenerations, startGeneration, stopGeneration } from '../../core/generate/jobs';
import { GenerationMonitor } from '../../core/generate/monitor';

/** What the controller reads of a GenerationMonitor. */
export interface JobMonitor {
  readonly state: GenerationState;
  onChange(cb: () => void): () => void;
  start(): void;
  poll(): Promise<unknown> | unknown;
  dispose(): void;
}

export interface JobStartOptions {
  python: string;
  script: string;
  settings: GenerationSettings;
  workspaceRoot: string;
  name: string;
  scriptKind: string;
  runId?: string;
  runName?: string;
  env?: Record<string, string>;
}

export interface GenerationJobs {
  generationsDir(workspaceRoot: string): string;
  list(supervisor: Supervisor): Promise<RunEntry[]>;
  start(supervisor: Supervisor, opts: JobStartOptions): Promise<RunEntry>;
  stop(supervisor: Supervisor, jobId: string): Promise<unknown>;
  monitor(recordDir: string): JobMonitor;
}

export const coreGenerationJobs: GenerationJobs = {
  generationsDir,
  list: (sup) => listGenerations(sup),
  start: (sup, opts) => startGeneration(sup, opts),
  stop: (sup, jobId) => stopGeneration(sup, jobId),
  monitor: (recordDir) => new GenerationMonitor(recordDir),
};
