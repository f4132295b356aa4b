// The Runs view: live, queued and past runs with their state, progress and ETA or outcome; their checkpoints as
// children (complete or not, with Resume From Here).
import * as vscode from 'vscode';
import { isEnded } from '../../core/run/state';
import { describeRun, formatBytes, formatDuration, formatSpeed, type SpeedUnit } from '../../core/view/format';
import { runDurationSec, runTiming } from '../../core/run/runTiming';
import type { RunState } from '../../core/run/state';
import { runDescription, runRowKey } from '../../core/view/runRow';
import { failureTitle } from '../../core/run/failure';
import type { RunsController, RunView } from '../runs/runsController';
import { isSimulated } from '../runs/simulation';
import { runsViewOrder } from '../../core/view/runList';
import { isSpeedUnit } from '../../shared/speed';
import { onDidChangeSettings, setting } from '../settings';

/** The `sdxl.speedUnit` setting, checked. */
const speedUnit = () => {
  const u = setting('speedUnit');
  return isSpeedUnit(u) ? u : 'auto';
};

export type RunsNode = { kind: 'run'; id: string } | { kind: 'checkpoint'; runId: string; step: number };

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
  private readonly unitWatch = onDidChangeSettings((changed) => {
    if (changed.has('speedUnit')) this.changed.fire(undefined);
  });
  private readonly lastKey = new Map<string, string>();
  // VS Code's tree finds an element to refresh by object identity, so each run (and checkpoint) must be the same object
  // every time: a fresh `{ kind: 'run', id }` passed to onDidChangeTreeData matches no row and the row never updated.
  private readonly runNodes = new Map<string, Extract<RunsNode, { kind: 'run' }>>();
  private readonly checkpointNodes = new Map<string, Extract<RunsNode, { kind: 'checkpoint' }>>();

  constructor(private readonly runs: RunsController) {
    // Refresh a run's row only when what it shows changed, so a fast run does not flood the tree.
    this.subscription = runs.onDidChange((c) => {
      if (!c) {
        const ids = new Set(this.runs.runs().map((r) => r.id));
        for (const id of this.runNodes.keys())
          if (!ids.has(id)) {
            this.runNodes.delete(id);
            this.lastKey.delete(id);
          }
        for (const [key, n] of this.checkpointNodes) if (!ids.has(n.runId)) this.checkpointNodes.delete(key);
        return this.changed.fire(undefined);
      }
      const key = runRowKey(c.state, speedUnit());
      if (this.lastKey.get(c.id) === key) return;
      this.lastKey.set(c.id, key);
      this.changed.fire(this.runNode(c.id));
    });
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'checkpoint') return this.checkpointItem(node);
    const run = this.runs.get(node.id);
    if (!run) return new vscode.TreeItem('(gone)');
    return runItem(run, this.runs.displayName(run.id));
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

  private runNode(id: string): Extract<RunsNode, { kind: 'run' }> {
    let n = this.runNodes.get(id);
    if (!n) this.runNodes.set(id, (n = { kind: 'run', id }));
    return n;
  }

  private checkpointNode(runId: string, step: number): Extract<RunsNode, { kind: 'checkpoint' }> {
    const key = `${runId}#${step}`;
    let n = this.checkpointNodes.get(key);
    if (!n) this.checkpointNodes.set(key, (n = { kind: 'checkpoint', runId, step }));
    return n;
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) return runsViewOrder(this.runs.runs().map((r) => ({ id: r.id, createdAt: r.entry.record.createdAt }))).map((r) => this.runNode(r.id));
    if (node.kind === 'run') {
      const run = this.runs.get(node.id);
      return (run?.state.checkpoints ?? []).map((c) => this.checkpointNode(node.id, c.step));
    }
    return [];
  }

  getParent(node: RunsNode): RunsNode | undefined {
    return node.kind === 'checkpoint' ? this.runNode(node.runId) : undefined;
  }

  private view: vscode.TreeView<RunsNode> | undefined;

  /** The tree view showing this provider, for reveal(). */
  attach(view: vscode.TreeView<RunsNode>): vscode.TreeView<RunsNode> {
    this.view = view;
    return view;
  }

  /** Selects a run's row and scrolls to it (a run just started or resumed is added at the end, maybe out of sight). */
  reveal(id: string): void {
    // Best effort: the view may be hidden or not yet hold the row; the run shows there either way.
    if (this.runs.get(id)) void Promise.resolve(this.view?.reveal(this.runNode(id), { select: true, focus: false })).catch(() => undefined);
  }

  dispose(): void {
    this.subscription.dispose();
    this.unitWatch.dispose();
    this.changed.dispose();
  }
}

function runItem(run: RunView, name: string): vscode.TreeItem {
  const s = run.state;
  const sim = isSimulated(run.entry.record);
  const item = new vscode.TreeItem(name, s.checkpoints.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = run.id;
  const unit = speedUnit();
  item.description = runDescription(run.entry, run.state, unit);
  const [icon, color] = STATE_ICONS[s.state] ?? ['sync~spin'];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = isEnded(s) ? 'sdxlRun.ended' : s.state === 'queued' ? 'sdxlRun.queued' : 'sdxlRun.live';
  // Names, messages and paths come from configs and the training's output: added as text, never as Markdown.
  const tip = new vscode.MarkdownString();
  tip
    .appendMarkdown('**')
    .appendText(run.entry.record.name)
    .appendMarkdown('**')
    .appendText(` (${run.id})${sim ? ' — simulation (stand-in trainer)' : ''}`);
  if (run.entry.unreadable) tip.appendMarkdown('\n\n').appendText(`${runDescription(run.entry, run.state)}: ${run.entry.unreadable}`);
  else
    tip
      .appendMarkdown('\n\n')
      .appendText(`${run.entry.record.script} · ${describeRun(s, unit)} · created ${new Date(run.entry.record.createdAt).toLocaleString()}`);
  const time = timeLine(s, unit);
  if (time) tip.appendMarkdown('\n\n').appendText(time);
  if (run.entry.foreign)
    tip
      .appendMarkdown('\n\n')
      .appendText(
        'This machine did not create this queued run (a record committed to the repository, or queued on another machine): it starts only when you say so.',
      );
  if (s.outputDir) tip.appendMarkdown('\n\n').appendText(`output: ${s.outputDir}`);
  if (s.failure)
    tip.appendMarkdown('\n\n**').appendText(failureTitle(s.failure.class)).appendMarkdown('**: ').appendText(`${s.failure.message}\n\n${s.failure.remedy}`);
  for (const n of s.notices) tip.appendMarkdown('\n\n$(info) ').appendText(n);
  tip.supportThemeIcons = true;
  item.tooltip = tip;
  item.command = { command: 'sdxl.openDashboard', title: 'Open Dashboard', arguments: [run.id] };
  return item;
}

/** The run's clock for its tooltip: start, elapsed or duration, average speed (pauses left out) and pause totals. */
function timeLine(s: RunState, unit: SpeedUnit): string {
  const t = runTiming(s);
  const d = runDurationSec(t, isEnded(s) ? undefined : Date.now());
  const p = t.pauses;
  return [
    t.startedAt !== undefined ? `started ${new Date(t.startedAt).toLocaleString()}` : '',
    d !== undefined ? `${isEnded(s) ? 'took' : 'elapsed'} ${formatDuration(d)}` : '',
    t.avgSecPerStep !== undefined ? `avg ${formatSpeed(t.avgSecPerStep, unit)}` : '',
    p.validation.count ? `${p.validation.count} validations ${formatDuration(p.validation.totalSec)}` : '',
    p.checkpoint.count ? `${p.checkpoint.count} saves ${formatDuration(p.checkpoint.totalSec)}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}
