// The Configs view: the workspace's *.sdxl.json files, each with Start.
import * as vscode from 'vscode';
import { CONFIG_GLOB } from '../configDocuments';

export class ConfigsView implements vscode.TreeDataProvider<vscode.Uri>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly watcher = vscode.workspace.createFileSystemWatcher(CONFIG_GLOB);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.subscriptions.push(
      this.watcher,
      this.watcher.onDidCreate(() => this.changed.fire()),
      this.watcher.onDidDelete(() => this.changed.fire()),
      this.changed,
    );
  }

  getTreeItem(uri: vscode.Uri): vscode.TreeItem {
    const item = new vscode.TreeItem(uri, vscode.TreeItemCollapsibleState.None);
    // The folder the config is in, relative to the workspace; none for the root (asRelativePath of the workspace
    // folder itself returns its absolute path, which crowded every root config's row).
    const dir = vscode.workspace.asRelativePath(uri.with({ path: uri.path.replace(/\/[^/]*$/, '') }), false);
    item.description = vscode.workspace.getWorkspaceFolder(uri)?.uri.path === uri.path.replace(/\/[^/]*$/, '') ? '' : dir;
    item.contextValue = 'sdxlConfig';
    item.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
    item.tooltip = vscode.workspace.asRelativePath(uri);
    return item;
  }

  async getChildren(element?: vscode.Uri): Promise<vscode.Uri[]> {
    if (element) return [];
    const files = await vscode.workspace.findFiles(CONFIG_GLOB, '**/{node_modules,.sdxl}/**', 500);
    return files.sort((a, b) => a.path.localeCompare(b.path));
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
