// Run quick pick items: the name shown, id and start time, state and tags (core/view/runFilter runPickFields), so
// typing any of them finds the run (the picks are shown with matchOnDescription and matchOnDetail).
import type * as vscode from 'vscode';
import { describeRun } from '../../core/view/format';
import { runPickFields } from '../../core/view/runFilter';
import type { RunsController, RunView } from './runsController';

export type RunPickItem = vscode.QuickPickItem & { id: string };

export function runPickItem(runs: RunsController, r: RunView): RunPickItem {
  const fields = runPickFields({
    id: r.id,
    name: runs.displayName(r.id),
    createdAt: r.entry.record.createdAt,
    tags: r.state.labels?.tags ?? [],
    summary: describeRun(r.state),
  });
  return { ...fields, id: r.id };
}

/** Options every run pick shares: the description and detail are searched too. */
export const RUN_PICK_MATCHING = { matchOnDescription: true, matchOnDetail: true } as const;
