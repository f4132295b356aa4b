// "Export Run Metrics…" (CSV or JSON, by the save dialog's filter) and "Export Validation Images…" (a folder): thin
// over core/view/runExport.ts, which the CLI's `run export` uses too. Reading and writing files only: allowed in an
// untrusted workspace.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { exportRun } from '../../core/view/runExport';
import { labelledName } from '../../core/view/runList';
import type { RunsController } from './runsController';
import { resolveRunId } from './runCommands';
import type { CommandHandler } from '../commandTable';

function slug(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'run';
}

function defaultFolder(): vscode.Uri | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

/** The run an export command names (or the user picks), with its name as renamed and its facts for exportRun. */
async function exportTarget(runs: RunsController, arg: unknown) {
  const id = await resolveRunId(runs, arg);
  const run = id ? runs.get(id) : undefined;
  if (!run) return undefined;
  const record = run.entry.record;
  const ref = { id: run.id, name: record.name, dir: run.dir, startedAt: record.startedAt, endedAt: record.endedAt };
  return { run, ref, name: labelledName(record.name, run.state) }; // as renamed, like the Runs view
}

export function exportCommands(runs: RunsController): Record<string, CommandHandler> {
  return {
    'sdxl.exportRunMetrics': async (arg?: unknown) => {
      const found = await exportTarget(runs, arg);
      if (!found) return;
      const { run, ref, name } = found;
      const base = defaultFolder();
      const target = await vscode.window.showSaveDialog({
        title: `Export the metrics of ${name}`,
        saveLabel: 'Export',
        ...(base ? { defaultUri: vscode.Uri.joinPath(base, `${slug(name)}-metrics.csv`) } : {}),
        filters: { CSV: ['csv'], JSON: ['json'] },
      });
      if (!target) return;
      const json = path.extname(target.fsPath).toLowerCase() === '.json';
      const r = await exportRun(ref, json ? { json: target.fsPath } : { csv: target.fsPath }, { secrets: runs.secrets.list, imageCacheDir: run.imageCacheDir });
      const open = await vscode.window.showInformationMessage(
        `SDXL: exported the metrics of ${name} to ${path.basename(target.fsPath)}${r.notes[0] ? ` (${runs.secrets.redact(r.notes[0])})` : ''}.`,
        'Open',
      );
      if (open) await vscode.window.showTextDocument(target);
    },
    'sdxl.exportValidationImages': async (arg?: unknown) => {
      const found = await exportTarget(runs, arg);
      if (!found) return;
      const { run, ref, name } = found;
      const base = defaultFolder();
      const picked = await vscode.window.showOpenDialog({
        title: `Folder for the validation images of ${name}`,
        openLabel: 'Export Here',
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        ...(base ? { defaultUri: base } : {}),
      });
      const folder = picked?.[0];
      if (!folder) return;
      // The live state's images are already cut into the image cache by this window's monitor.
      const r = await exportRun(ref, { images: folder.fsPath }, { secrets: runs.secrets.list, imageCacheDir: run.imageCacheDir, imageState: run.state });
      const count = r.images?.copied.length ?? 0;
      const action = await vscode.window.showInformationMessage(
        `SDXL: ${count} validation image(s) of ${name} exported with index.csv and index.json${r.notes.length ? `; ${r.notes.length} could not be copied` : ''}.`,
        'Reveal Folder',
      );
      if (action) await vscode.commands.executeCommand('revealFileInOS', folder);
    },
  };
}
