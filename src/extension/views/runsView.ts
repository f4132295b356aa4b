// The Runs view: live, queued and past runs with their state, progress and ETA or outcome; their checkpoints as
// children (complete or not, with Resume From Here).
import * as vscode from 'vscode';
import { isEnded } from '../../core/run/state';
import { describeRun, formatBytes } from '../../core/format';
import type { RunsController, RunView } from '../runs/runsController';
import { isSimulated } from '../runs/simulation';

export type RunsNode =
  | { kind: 'run'; id: string }
  | { kind: 'checkpoint'; runId: string; step: number };

const STATE_ICONS: Record<string, [string, string?]> = {
  finished: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  stopped: ['debug-stop'],
  queued: ['clock'],
};

export class RunsView implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private lastLabel = new Map<string, string>();

  constructor(private readonly runs: RunsController) {
    // Refresh a run's row only when what it shows changed, so a fast run does not flood the tree.
    this.subscription = runs.onDidChange((c) => {
      if (!c) return this.changed.fire(undefined);
      const label = `${describeRun(c.state)}|${c.state.checkpoints.map((k) => `${k.step}${k.complete}`).join()}`;
      if (this.lastLabel.get(c.id) === label) return;
      this.lastLabel.set(c.id, label);
      this.changed.fire({ kind: 'run', id: c.id });
    });
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'checkpoint') return this.checkpointItem(node);
    const run = this.runs.get(node.id);
    if (!run) return new vscode.TreeItem('(gone)');
    return runItem(run);
  }

  private checkpointItem(node: Extract<RunsNode, { kind: 'checkpoint' }>): vscode.TreeItem {
    const run = this.runs.get(node.runId);
    const c = run?.state.checkpoints.find((k) => k.step === node.step);
    const item = new vscode.TreeItem(`checkpoint-${node.step}`, vscode.TreeItemCollapsibleState.None);
    const complete = !!c?.complete;
    item.description = `${complete ? 'complete' : c?.saving ? 'saving…' : 'incomplete'}${c?.sizeBytes ? ` · ${formatBytes(c.sizeBytes)}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(complete ? 'save' : 'warning');
    item.contextValue = complete && run && isEnded(run.state) ? 'sdxlCheckpoint.resumable' : 'sdxlCheckpoint';
    item.tooltip = c?.path;
    return item;
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) return this.runs.runs().map((r) => ({ kind: 'run', id: r.id }));
    if (node.kind === 'run') {
      const run = this.runs.get(node.id);
      return (run?.state.checkpoints ?? []).map((c) => ({ kind: 'checkpoint', runId: node.id, step: c.step }));
    }
    return [];
  }

  getParent(node: RunsNode): RunsNode | undefined {
    return node.kind === 'checkpoint' ? { kind: 'run', id: node.runId } : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function runItem(run: RunView): vscode.TreeItem {
  const s = run.state;
  const sim = isSimulated(run.entry.record);
  const item = new vscode.TreeItem(`${sim ? '[simulation] ' : ''}${run.entry.record.name}`,
    s.checkpoints.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = run.id;
  item.description = describeRun(s);
  const [icon, color] = STATE_ICONS[s.state] ?? ['sync~spin'];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = isEnded(s) ? 'sdxlRun.ended' : s.state === 'queued' ? 'sdxlRun.queued' : 'sdxlRun.live';
  item.tooltip = new vscode.MarkdownString(
    `**${run.entry.record.name}** (${run.id})${sim ? ' — simulation (stand-in trainer)' : ''}\n\n`
    + `${run.entry.record.script} · ${describeRun(s)}\n\n`
    + (s.failure ? `**${s.failure.class}**: ${s.failure.message}\n\n${s.failure.remedy}` : ''),
  );
  item.command = { command: 'sdxl.openDashboard', title: 'Open Dashboard', arguments: [run.id] };
  return item;
}
