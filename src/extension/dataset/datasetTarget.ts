// What "Check Dataset" and "Preview Dataset" work on: a training config (its dataset arguments) or a bare folder.
// From the command's argument (a config or folder URI from a menu), else the active config, else the user picks.
import * as vscode from 'vscode';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { CONFIG_GLOB, isConfigDocument, isConfigUri } from '../configDocuments';

export type DatasetTarget = { kind: 'config'; path: string } | { kind: 'folder'; path: string };

export const targetKey = (t: DatasetTarget): string => `${t.kind}:${t.path}`;
export const targetTitle = (t: DatasetTarget): string => (t.kind === 'config' ? vscode.workspace.asRelativePath(t.path) : `${path.basename(t.path)}/`);

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** A target from a path that came back from saved state: a config file or a folder that still exists, else undefined. */
export async function targetOfPath(p: string): Promise<DatasetTarget | undefined> {
  if (!path.isAbsolute(p)) return undefined;
  if (p.endsWith('.sdxl.json')) {
    try {
      return (await fs.stat(p)).isFile() ? { kind: 'config', path: p } : undefined;
    } catch {
      return undefined;
    }
  }
  return (await isDirectory(p)) ? { kind: 'folder', path: p } : undefined;
}

export async function pickDatasetTarget(arg: unknown, title: string): Promise<DatasetTarget | undefined> {
  if (arg instanceof vscode.Uri && arg.scheme === 'file') {
    if (isConfigUri(arg)) return { kind: 'config', path: arg.fsPath };
    if (await isDirectory(arg.fsPath)) return { kind: 'folder', path: arg.fsPath };
  }
  const active = vscode.window.activeTextEditor?.document;
  if (active && isConfigDocument(active) && active.uri.scheme === 'file') return { kind: 'config', path: active.uri.fsPath };
  const configs = await vscode.workspace.findFiles(CONFIG_GLOB, '**/node_modules/**', 200);
  const FOLDER = 'Choose a folder of images…';
  const picked = await vscode.window.showQuickPick(
    [
      ...configs
        .filter((u) => u.scheme === 'file')
        .map((u) => ({
          label: vscode.workspace.asRelativePath(u),
          description: 'training config',
          target: { kind: 'config', path: u.fsPath } as DatasetTarget | undefined,
        })),
      { label: FOLDER, description: 'a train_data_dir or a DreamBooth folder', target: undefined },
    ],
    { title },
  );
  if (!picked) return undefined;
  if (picked.target) return picked.target;
  const folder = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    title,
    openLabel: 'Check this folder',
  });
  return folder?.[0] ? { kind: 'folder', path: folder[0].fsPath } : undefined;
}
