// The Configs view: the workspace's *.sdxl.json files, each with Start, its script kind, memory estimate and how its
// last run went (core/view/configRow.ts).
import * as vscode from 'vscode';
import * as path from 'node:path';
import { CONFIG_GLOB } from '../configDocuments';
import { parseConfigText } from '../../core/config/config';
import { estimateMemory } from '../../core/config/memoryEstimate';
import { configRowDescription, configRowTooltip, type ConfigRowFacts } from '../../core/view/configRow';
import { describeRun } from '../../core/view/format';
import { profileOf } from '../../core/launch/launchPlan';
import { slurmSubmitTitle } from '../../core/view/slurmView';
import { isEnded } from '../../core/run/state';
import type { RunsController } from '../runs/runsController';

/** Past this size a file is not parsed for its row (no real config comes near it). */
const ROW_MAX_BYTES = 256 * 1024;

export class ConfigsView implements vscode.TreeDataProvider<vscode.Uri>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly watcher = vscode.workspace.createFileSystemWatcher(CONFIG_GLOB);
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Each config's script and estimate, by URI, read once per change of the file. */
  private readonly facts = new Map<string, Promise<ConfigRowFacts>>();
  private listed = false;

  constructor(private readonly runs?: RunsController) {
    const forget = (uri: vscode.Uri) => {
      this.facts.delete(uri.toString());
      this.changed.fire();
    };
    this.subscriptions.push(this.watcher, this.watcher.onDidCreate(forget), this.watcher.onDidDelete(forget), this.watcher.onDidChange(forget), this.changed);
    // A run that starts or ends changes its config's "last run".
    if (runs)
      this.subscriptions.push(
        runs.onDidChange((c) => {
          if (!c || c.state.state !== c.previous.state || (isEnded(c.state) && !isEnded(c.previous))) this.changed.fire();
        }),
      );
  }

  async getTreeItem(uri: vscode.Uri): Promise<vscode.TreeItem> {
    const item = new vscode.TreeItem(uri, vscode.TreeItemCollapsibleState.None);
    // The folder the config is in, relative to the workspace; none for the root (asRelativePath of the workspace
    // folder itself returns its absolute path, which crowded every root config's row).
    const dir = vscode.workspace.asRelativePath(uri.with({ path: uri.path.replace(/\/[^/]*$/, '') }), false);
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.path === uri.path.replace(/\/[^/]*$/, '') ? '' : dir;
    const facts = { ...(await this.factsOf(uri)), ...this.lastRunOf(uri) };
    item.description = [configRowDescription(facts), folder].filter(Boolean).join(' · ');
    // A slurm config's Start is "Submit to Slurm" (the same command, relabelled by its own menu entry).
    item.contextValue = facts.slurmSubmit ? 'sdxlConfig.slurm' : 'sdxlConfig';
    item.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
    item.tooltip = [vscode.workspace.asRelativePath(uri), ...configRowTooltip(facts)].join('\n');
    return item;
  }

  private factsOf(uri: vscode.Uri): Promise<ConfigRowFacts> {
    const key = uri.toString();
    let p = this.facts.get(key);
    if (!p) this.facts.set(key, (p = readFacts(uri)));
    return p;
  }

  private lastRunOf(uri: vscode.Uri): Pick<ConfigRowFacts, 'lastRun'> {
    if (!this.runs || uri.scheme !== 'file') return {};
    const target = path.resolve(uri.fsPath);
    // runs() is newest first.
    const last = this.runs.runs().find((r) => r.entry.record.configPath && path.resolve(r.entry.record.configPath) === target);
    if (!last) return {};
    return {
      lastRun: { name: this.runs.displayName(last.id), state: last.state.state, summary: describeRun(last.state), createdAt: last.entry.record.createdAt },
    };
  }

  async getChildren(element?: vscode.Uri): Promise<vscode.Uri[]> {
    if (element) return [];
    const files = await vscode.workspace.findFiles(CONFIG_GLOB, '**/{node_modules,.sdxl}/**', 500);
    // Until the first listing the view's welcome says it is looking, not that there are no configs (after a reload
    // on a loaded machine that took seconds, and "No SDXL training configs" then was wrong).
    if (!this.listed) {
      this.listed = true;
      void vscode.commands.executeCommand('setContext', 'sdxl.configsListed', true);
    }
    return files.sort((a, b) => a.path.localeCompare(b.path));
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

/** The script kind and memory estimate of a config file; a file that does not parse says why. */
async function readFacts(uri: vscode.Uri): Promise<ConfigRowFacts> {
  try {
    const bytes = await vscode.workspace.fs.readFile(uri);
    if (bytes.byteLength > ROW_MAX_BYTES) return {};
    const parsed = parseConfigText(new TextDecoder().decode(bytes));
    if (!parsed.config) return { problem: parsed.problems[0]?.message ?? 'not a valid training config' };
    let estimateGiB: number | undefined;
    try {
      estimateGiB = estimateMemory(parsed.config).totalGiB;
    } catch {
      // The code lens logs a failing estimate; the row just goes without one.
    }
    let profile: string | undefined;
    try {
      profile = profileOf(parsed.config);
    } catch {
      // a profile the config does not spell right: its diagnostics say so
    }
    const slurmSubmit = slurmSubmitTitle(parsed.config);
    return {
      script: parsed.config.script,
      ...(profile && profile !== 'local' ? { profile } : {}),
      ...(slurmSubmit ? { slurmSubmit } : {}),
      ...(estimateGiB !== undefined ? { estimateGiB } : {}),
    };
  } catch (e) {
    return { problem: `cannot read: ${e instanceof Error ? e.message : String(e)}` };
  }
}
