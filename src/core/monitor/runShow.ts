// What `run show --json` says of a recorded run, in one place: the CLI's `run show` and the chat's `sdxl_runSummary`
// (and "SDXL: Copy Run Summary") both print this object, so the two can never disagree.
import { summarizePath, type RunSummary, type SummarizeResult } from './summarize';

/** `summarize --json`'s keys, then the record's output_dir, every checkpoint with its path, and the run's name, tags and note. */
export interface RunShow extends Omit<RunSummary, 'checkpoints'> {
  id: string;
  checkpoints: Array<{ step: number; complete: boolean; path: string }>;
  outputDir: string | null;
  /** The run's name: its label when renamed (labels.json), else the record's. */
  name?: string;
  tags: string[];
  note?: string;
}

/**
 * Summarizes the record folder `dir` of run `id` (summarizePath: the monitor's one-shot read) and adds what
 * `run show` adds. `recordOutputDir`: the run record's output_dir, used when the state does not know one.
 */
export async function showRun(
  dir: string,
  id: string,
  opts: { recordOutputDir?: string; recordName?: string; secrets?: readonly string[] } = {},
): Promise<{ show: RunShow; result: SummarizeResult }> {
  const result = await summarizePath(dir, { secrets: opts.secrets ?? [] });
  const checkpoints = result.state.checkpoints.map((c) => ({ step: c.step, complete: c.complete, path: c.path }));
  const outputDir = result.state.outputDir ?? opts.recordOutputDir ?? null;
  const labels = result.state.labels;
  const name = labels?.name ?? opts.recordName;
  const show: RunShow = {
    id,
    ...result.summary,
    checkpoints,
    outputDir,
    ...(name !== undefined ? { name } : {}),
    tags: labels?.tags ? [...labels.tags] : [],
    ...(labels?.note ? { note: labels.note } : {}),
  };
  return { show, result };
}
