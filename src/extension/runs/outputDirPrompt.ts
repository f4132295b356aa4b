// The question asked before a run would write into a folder that holds another run's files (ownership.ts): continue
// that run, start in a new folder (optionally saved into the config), or cancel. Never proceeds silently.
import * as vscode from 'vscode';
import type { OutputDirClaim } from '../../core/supervisor/ownership';

export type OutputDirChoice = { kind: 'continue' } | { kind: 'new'; save: boolean };

export interface OutputDirQuestion {
  claim: Extract<OutputDirClaim, { kind: 'taken' }>;
  /** The folder as the config writes it. */
  outputDirText: string;
  /** `<output_dir>-N`, as it would be written. */
  newDirText: string;
  /** How the owning run is named and where it stands ("my-lora, stopped at step 124"). */
  ownerText?: string;
  /** The checkpoint a continuation would resume from; absent when there is none to continue from. */
  continueFrom?: string;
}

export async function askAboutOutputDir(q: OutputDirQuestion): Promise<OutputDirChoice | undefined> {
  const holds = q.claim.what.join(' and ');
  const owner = q.ownerText ? ` of run ${q.ownerText}` : q.claim.byRunId ? '' : ' from a run not recorded in this workspace';
  const detail = q.claim.live
    ? `Two runs writing one folder would mix their checkpoints and curves.`
    : `A new run there would mix its checkpoints and curves with that run's, and its checkpoints_total_limit could delete that run's checkpoints.`;
  const cont = q.continueFrom ? `Continue That Run (from ${q.continueFrom})` : undefined;
  const fresh = `Start in ${q.newDirText}`;
  const save = `Start in ${q.newDirText} and Save It to the Config`;
  const items = [...(cont ? [cont] : []), fresh, save];
  const message = q.claim.live
    ? `Output folder '${q.outputDirText}' is being written by run ${q.ownerText ?? q.claim.byRunId}.`
    : `Output folder '${q.outputDirText}' already holds ${holds}${owner}.`;
  const picked = await vscode.window.showWarningMessage(message, { modal: true, detail }, ...items);
  if (picked === undefined) return undefined;
  if (picked === cont) return { kind: 'continue' };
  return { kind: 'new', save: picked === save };
}
