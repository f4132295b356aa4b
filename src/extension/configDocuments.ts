// Which documents are training configs, and reading them through the core parser.
import * as vscode from 'vscode';
import { parseConfigText, type ParsedConfig } from '../core/config/config';

export const CONFIG_GLOB = '**/*.sdxl.json';

export function isConfigUri(uri: vscode.Uri): boolean {
  return uri.path.endsWith('.sdxl.json');
}

export function isConfigDocument(doc: vscode.TextDocument): boolean {
  return isConfigUri(doc.uri);
}

export function parseDocument(doc: vscode.TextDocument): ParsedConfig {
  return parseConfigText(doc.getText());
}

/** The config the user means: the active editor's, else ask among the workspace's configs. */
export async function pickConfigDocument(uri?: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  if (uri instanceof vscode.Uri && isConfigUri(uri)) return vscode.workspace.openTextDocument(uri);
  const active = vscode.window.activeTextEditor?.document;
  if (active && isConfigDocument(active)) return active;
  const files = await vscode.workspace.findFiles(CONFIG_GLOB, '**/node_modules/**', 200);
  if (files.length === 0) {
    void vscode.window.showWarningMessage('No *.sdxl.json training config in this workspace. Create one with "SDXL: New Training Config…".');
    return undefined;
  }
  if (files.length === 1) return vscode.workspace.openTextDocument(files[0]!);
  const picked = await vscode.window.showQuickPick(
    files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f })),
    { title: 'Which training config?' },
  );
  return picked ? vscode.workspace.openTextDocument(picked.uri) : undefined;
}

export function rangeFromOffsets(doc: vscode.TextDocument, offset: number, length: number): vscode.Range {
  return new vscode.Range(doc.positionAt(offset), doc.positionAt(offset + length));
}
