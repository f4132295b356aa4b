// What the views of generation jobs (the Runs tree's sample rows, the comparison panel) read: one object, owned by the
// GenerationsController, that follows every job of the workspace (core/generate/monitor.ts) and says when one changed.
import type * as vscode from 'vscode';
import type { GenerationState } from '../../core/generate/types';

export interface GenerationFeed {
  /** Every known job, oldest first. */
  jobs(): readonly GenerationState[];
  /** One job's state, or undefined when there is no such job. */
  get(jobId: string): GenerationState | undefined;
  /** Fires with the job id after a job's state changed (new image, progress, end) or a job appeared. */
  readonly onDidChange: vscode.Event<string>;
}
