// Commands on runs: start, stop, resume, open the console log, reveal output, TensorBoard, delete the record.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { isEnded } from '../../core/run/state';
import { fixAppliedMessage, fixToTextEdits } from '../../core/config/fixes';
import type { Fix } from '../../core/diagnostics';
import { isConfigUri, pickConfigDocument, rangeFromOffsets } from '../configDocuments';
import type { RunsController, RunView } from './runsController';
import type { RunsNode } from '../views/runsView';
import { PreflightError } from '../../core/supervisor/preflight';
import { showStartRefused } from './startProblems';
import type { CommandHandler } from '../commandTable';
import { RUN_PICK_MATCHING, runPickItem } from './runPick';
import { TensorBoards } from '../../core/supervisor/tensorboardServer';
import { openInTensorBoard } from './tensorBoardCommand';

/** A command may get a run id (status bar, notifications), a tree node, or nothing (palette: then ask). */
export async function resolveRunId(
  runs: RunsController,
  arg: unknown,
  filter: (ended: boolean, run: RunView) => boolean = () => true,
): Promise<string | undefined> {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object') {
    const n = arg as RunsNode;
    if (n.kind === 'run') return n.id;
    if (n.kind === 'checkpoint') return n.runId;
  }
  const candidates = runs.runs().filter((r) => filter(isEnded(r.state), r));
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('SDXL: no matching runs.');
    return undefined;
  }
  if (candidates.length === 1) return candidates[0]!.id;
  const pick = await vscode.window.showQuickPick(
    candidates.map((r) => runPickItem(runs, r)),
    { title: 'Which run?', placeHolder: 'Type a name, id, start time (2026-11-29 14:05) or #tag', ...RUN_PICK_MATCHING },
  );
  return pick?.id;
}

/**
 * The run commands, id → handler (registered with the others by commandTable.ts). `reveal` selects a run's row in
 * the Runs view: a run started or resumed here is shown where it was added.
 */
export function runCommands(
  runs: RunsController,
  reveal: (runId: string) => void = () => undefined,
  tensorBoards: TensorBoards = new TensorBoards(),
): Record<string, CommandHandler> {
  const start = async (arg?: vscode.Uri) => {
    const uri = arg instanceof vscode.Uri && isConfigUri(arg) ? arg : (await pickConfigDocument())?.uri;
    if (!uri) return;
    const run = await runs.start(uri).catch((e: unknown) => {
      if (!(e instanceof PreflightError)) throw e;
      void showStartRefused(uri, e).catch(() => vscode.window.showErrorMessage(`SDXL: ${e.message}`));
      return undefined;
    });
    if (run) {
      reveal(run.id);
      const queued = run.entry.record.state === 'queued';
      const job = run.entry.record.slurm?.jobId;
      const what = job ? `submitted to Slurm as job ${job}` : queued ? 'queued (waiting for a GPU)' : 'started';
      void vscode.window.setStatusBarMessage(`SDXL: run ${runs.displayName(run.id)} ${what}`, 5000);
    }
  };
  return {
    'sdxl.startRun': start,
    // Start under the name it has for a `slurm` config's Configs row (the config's profile decides what happens).
    'sdxl.submitToSlurm': start,
    'sdxl.stopRun': async (arg?: unknown) => {
      const id = await resolveRunId(runs, arg, (ended) => !ended);
      if (!id) return;
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Stopping SDXL run ${id}…` }, () => runs.stop(id));
    },
    'sdxl.resumeRun': async (arg?: unknown) => {
      const id = await resolveRunId(runs, arg, (ended) => ended);
      if (!id) return;
      const run = await runs.resume(id);
      if (run) reveal(run.id);
      if (run) void vscode.window.setStatusBarMessage(`SDXL: resumed as ${run.id} from ${run.entry.record.resumedFrom ?? 'a checkpoint'}`, 5000);
    },
    'sdxl.resumeFromCheckpoint': async (node?: RunsNode) => {
      if (!node || node.kind !== 'checkpoint') return;
      const run = await runs.resume(node.runId, `checkpoint-${node.step}`);
      if (run) reveal(run.id);
      if (run) void vscode.window.setStatusBarMessage(`SDXL: resumed as ${run.id} from ${run.entry.record.resumedFrom ?? `checkpoint-${node.step}`}`, 5000);
    },
    // `at`: 'failure' for the line that shows why the run failed, a 1-based line (as the dashboard's banner says), or
    // a step (the line where the progress bar reached it, or the nearest step before it).
    'sdxl.openConsoleLog': async (arg?: unknown, at?: 'failure' | number | { step: number }) => {
      const id = await resolveRunId(runs, arg);
      if (!id) return;
      const run = runs.get(id);
      if (!run) return;
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(run.dir, 'console.log')));
      const editor = await vscode.window.showTextDocument(doc, { preview: false });
      const line =
        at === undefined
          ? doc.lineCount
          : at === 'failure'
            ? runs.monitorOf(id)?.consoleLineOf('failure')
            : typeof at === 'object'
              ? runs.monitorOf(id)?.consoleLineOf(at.step)
              : at;
      if (line !== undefined) {
        const pos = new vscode.Position(Math.max(0, Math.min(doc.lineCount - 1, line - 1)), 0);
        editor.selection = new vscode.Selection(pos, pos);
        editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
      }
    },
    'sdxl.revealOutput': async (arg?: unknown) => {
      const id = await resolveRunId(runs, arg);
      const dir = id ? (runs.get(id)?.state.outputDir ?? runs.get(id)?.entry.record.outputDir) : undefined;
      if (!dir) return void vscode.window.showWarningMessage('SDXL: this run has no known output_dir.');
      await vscode.commands
        .executeCommand('revealInExplorer', vscode.Uri.file(dir))
        .then(undefined, () => vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(dir)));
    },
    'sdxl.openInTensorBoard': (arg?: unknown) => openInTensorBoard(runs, tensorBoards, arg),
    'sdxl.deleteRunRecord': async (arg?: unknown) => {
      const id = await resolveRunId(runs, arg, (ended) => ended);
      if (!id) return;
      const ok = await vscode.window.showWarningMessage(
        `Delete the record of run ${id}? Its output_dir (checkpoints, weights) is kept.`,
        { modal: true },
        'Delete Record',
      );
      if (ok === 'Delete Record') await runs.deleteRecord(id);
    },
    // From the failure notification and the dashboard banner: one undo step, then say what changed where.
    'sdxl.applyRunFix': async (configPath: string, fix: Fix) => {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(configPath));
      const edits = fixToTextEdits(doc.getText(), fix);
      const edit = new vscode.WorkspaceEdit();
      for (const e of edits) edit.replace(doc.uri, rangeFromOffsets(doc, e.offset, e.length), e.content);
      const applied = edits.length > 0 && (await vscode.workspace.applyEdit(edit));
      await vscode.window.showTextDocument(doc);
      if (applied) void vscode.window.showInformationMessage(`SDXL: ${fixAppliedMessage(fix, path.basename(configPath))}`);
      else
        void vscode.window.showWarningMessage(
          `SDXL: could not apply "${fix.title}" to ${path.basename(configPath)} (its JSON does not have the shape the fix expects); change it by hand.`,
        );
    },
  };
}
