// The Runs view: live, queued and past runs with their state, progress and ETA or outcome; their checkpoints as
// children (complete or not, with Resume From Here).
import * as vscode from 'vscode';
import { isEnded } from '../../core/run/state';
import { countOf, describeRun, formatBytes, formatDuration, formatSpeed, type SpeedUnit } from '../../core/view/format';
import { runDurationSec, runTiming } from '../../core/run/runTiming';
import type { RunState } from '../../core/run/state';
import { runDescription, runRowKey } from '../../core/view/runRow';
import { failureTitle } from '../../core/run/failure';
import type { RunsController, RunView } from '../runs/runsController';
import { isSimulated } from '../runs/simulation';
import { labelledName, runsViewOrder } from '../../core/view/runList';
import {
  decodeRunsViewChoice,
  describeFilter,
  groupRuns,
  isFilterEmpty,
  matchesFilter,
  stateGroup,
  type GroupBy,
  type RunFilter,
  type RunFilterItem,
} from '../../core/view/runFilter';
import { isSpeedUnit } from '../../shared/speed';
import { onDidChangeSettings, setting } from '../settings';
import type { GenerationFeed } from '../generate/generationFeed';
import { sampleJobItem } from './sampleRows';
import { isSlurmPending, slurmJobOfRun, slurmRowDescription, slurmTooltipLines } from '../../core/view/slurmView';

/** The `sdxl.speedUnit` setting, checked. */
const speedUnit = () => {
  const u = setting('speedUnit');
  return isSpeedUnit(u) ? u : 'auto';
};

/** A run's row; `group` is the key of the group it is shown in when the view is grouped (a tagged run may be in several). */
export type RunsNode =
  | { kind: 'run'; id: string; group?: string }
  | { kind: 'checkpoint'; runId: string; step: number }
  | { kind: 'group'; key: string; title: string; count: number }
  | { kind: 'samples'; runId: string; jobId: string };

/** Workspace state key of the filter and grouping, kept across reloads. */
export const RUNS_VIEW_CHOICE_KEY = 'sdxl.runsView.choice';
/** Minimal Memento (vscode.Memento's get/update), so tests can pass a map. */
export interface ChoiceStore {
  get(key: string): unknown;
  update(key: string, value: unknown): Thenable<void>;
}

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
  /** Each run's state group and labels: where a filtered or grouped view shows it. */
  private readonly lastPlace = new Map<string, string>();
  // VS Code's tree finds an element to refresh by object identity, so each run (and checkpoint) must be the same object
  // every time: a fresh `{ kind: 'run', id }` passed to onDidChangeTreeData matches no row and the row never updated.
  private readonly runNodes = new Map<string, Extract<RunsNode, { kind: 'run' }>>();
  private readonly checkpointNodes = new Map<string, Extract<RunsNode, { kind: 'checkpoint' }>>();

  private choice: { filter: RunFilter; groupBy: GroupBy };
  private readonly groupNodes = new Map<string, Extract<RunsNode, { kind: 'group' }>>();

  constructor(
    private readonly runs: RunsController,
    private readonly store?: ChoiceStore,
    /** Sample jobs (generate/generationsController.ts), shown under the run whose weights they use. */
    private readonly generations?: GenerationFeed,
  ) {
    this.samplesSubscription = generations?.onDidChange((jobId) => this.sampleJobChanged(jobId));
    this.choice = decodeRunsViewChoice(store?.get(RUNS_VIEW_CHOICE_KEY));
    // Refresh a run's row only when what it shows changed, so a fast run does not flood the tree.
    this.subscription = runs.onDidChange((c) => {
      if (!c) {
        const ids = new Set(this.runs.runs().map((r) => r.id));
        for (const [key, n] of this.runNodes)
          if (!ids.has(n.id)) {
            this.runNodes.delete(key);
            this.lastKey.delete(n.id);
            this.lastPlace.delete(n.id);
          }
        for (const [key, n] of this.checkpointNodes) if (!ids.has(n.runId)) this.checkpointNodes.delete(key);
        return this.changed.fire(undefined);
      }
      const key = runRowKey(c.state, speedUnit());
      if (this.lastKey.get(c.id) === key) return;
      this.lastKey.set(c.id, key);
      // Filtered or grouped, a change of state or labels may move the row to another group or out of the list.
      const place = `${stateGroup(c.state.state)}|${JSON.stringify(c.state.labels)}`;
      const before = this.lastPlace.get(c.id);
      this.lastPlace.set(c.id, place);
      if ((!isFilterEmpty(this.choice.filter) || this.choice.groupBy !== 'none') && before !== place) return this.changed.fire(undefined);
      if (this.choice.groupBy !== 'none') {
        for (const n of this.runNodes.values()) if (n.id === c.id) this.changed.fire(n);
        return;
      }
      this.changed.fire(this.runNode(c.id));
    });
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'checkpoint') return this.checkpointItem(node);
    if (node.kind === 'samples') return sampleJobItem(this.generations?.get(node.jobId), node.jobId);
    if (node.kind === 'group') {
      const g = new vscode.TreeItem(node.title, vscode.TreeItemCollapsibleState.Expanded);
      g.id = `group:${node.key}`;
      g.description = `${node.count} run${node.count === 1 ? '' : 's'}`;
      g.contextValue = 'sdxlRunGroup';
      return g;
    }
    const run = this.runs.get(node.id);
    if (!run) return new vscode.TreeItem('(gone)');
    const item = runItem(run, this.runs.displayName(run.id));
    if (item.collapsibleState === vscode.TreeItemCollapsibleState.None && this.sampleJobsOf(run.id).length > 0)
      item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
    // A tagged run may be in several groups: ids must be unique in the tree.
    if (node.group !== undefined) item.id = `${node.group}/${run.id}`;
    return item;
  }

  /** The filter and grouping in use. */
  get filterChoice(): { filter: RunFilter; groupBy: GroupBy } {
    return this.choice;
  }

  /** Sets the filter and/or grouping, keeps it in workspace state and redraws the view. */
  async setChoice(change: { filter?: RunFilter; groupBy?: GroupBy }): Promise<void> {
    this.choice = decodeRunsViewChoice({ filter: change.filter ?? this.choice.filter, groupBy: change.groupBy ?? this.choice.groupBy });
    await this.store?.update(RUNS_VIEW_CHOICE_KEY, this.choice);
    this.showChoice();
    this.changed.fire(undefined);
  }

  private filterItem(id: string): RunFilterItem | undefined {
    const run = this.runs.get(id);
    if (!run) return undefined;
    const labels = run.state.labels;
    return {
      id,
      name: labelledName(run.entry.record.name, run.state),
      ...(run.entry.record.configPath ? { configPath: run.entry.record.configPath } : {}),
      state: run.state.state,
      tags: labels?.tags ?? [],
      ...(labels?.note ? { note: labels.note } : {}),
      createdAt: run.entry.record.createdAt,
    };
  }

  /** The filter in the view's description, a message when it hides every run, and the Clear Filter action's context. */
  private showChoice(visible?: number): void {
    const { filter, groupBy } = this.choice;
    const filtered = !isFilterEmpty(filter);
    void vscode.commands.executeCommand('setContext', 'sdxl.runsFiltered', filtered || groupBy !== 'none');
    if (!this.view) return;
    this.view.description = describeFilter(filter, groupBy) || undefined;
    const total = this.runs.runs().length;
    this.view.message =
      filtered && visible === 0 && total > 0 ? `No runs match the filter (${describeFilter(filter, 'none')}). Clear it to see all ${total}.` : undefined;
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

  private runNode(id: string, group?: string): Extract<RunsNode, { kind: 'run' }> {
    const key = group === undefined ? id : `${group}\u0000${id}`;
    let n = this.runNodes.get(key);
    if (!n) this.runNodes.set(key, (n = group === undefined ? { kind: 'run', id } : { kind: 'run', id, group }));
    return n;
  }

  private groupNode(key: string, title: string, count: number): Extract<RunsNode, { kind: 'group' }> {
    let n = this.groupNodes.get(key);
    if (!n) this.groupNodes.set(key, (n = { kind: 'group', key, title, count }));
    n.title = title;
    n.count = count;
    return n;
  }

  private checkpointNode(runId: string, step: number): Extract<RunsNode, { kind: 'checkpoint' }> {
    const key = `${runId}#${step}`;
    let n = this.checkpointNodes.get(key);
    if (!n) this.checkpointNodes.set(key, (n = { kind: 'checkpoint', runId, step }));
    return n;
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) {
      const ordered = runsViewOrder(this.runs.runs().map((r) => ({ id: r.id, createdAt: r.entry.record.createdAt })));
      const { filter, groupBy } = this.choice;
      const items = ordered.flatMap((r) => {
        const item = this.filterItem(r.id);
        return item && matchesFilter(item, filter) ? [item] : [];
      });
      this.showChoice(items.length);
      if (groupBy === 'none') return items.map((r) => this.runNode(r.id));
      return groupRuns(items, groupBy).map((g) => this.groupNode(g.key, g.title, g.items.length));
    }
    if (node.kind === 'group') {
      const ordered = runsViewOrder(this.runs.runs().map((r) => ({ id: r.id, createdAt: r.entry.record.createdAt })));
      const { filter, groupBy } = this.choice;
      if (groupBy === 'none') return [];
      const items = ordered.flatMap((r) => {
        const item = this.filterItem(r.id);
        return item && matchesFilter(item, filter) ? [item] : [];
      });
      return (groupRuns(items, groupBy).find((g) => g.key === node.key)?.items ?? []).map((r) => this.runNode(r.id, node.key));
    }
    if (node.kind === 'run') {
      const run = this.runs.get(node.id);
      const checkpoints: RunsNode[] = (run?.state.checkpoints ?? []).map((c) => this.checkpointNode(node.id, c.step));
      return [...checkpoints, ...this.sampleNodesOf(node.id)];
    }
    return [];
  }

  getParent(node: RunsNode): RunsNode | undefined {
    if (node.kind === 'checkpoint') return this.runNode(node.runId);
    if (node.kind === 'samples') return this.runNode(node.runId);
    if (node.kind === 'run' && node.group !== undefined) return this.groupNodes.get(node.group);
    return undefined;
  }

  private view: vscode.TreeView<RunsNode> | undefined;

  /** The tree view showing this provider, for reveal(). */
  attach(view: vscode.TreeView<RunsNode>): vscode.TreeView<RunsNode> {
    this.view = view;
    this.showChoice();
    return view;
  }

  /**
   * Selects a run's row and scrolls to it (a run just started or resumed is added at the end, maybe out of sight);
   * `expand` also opens it, so that a sample job just started shows as its row under the run.
   */
  reveal(id: string, options: { expand?: boolean } = {}): void {
    // Best effort: the view may be hidden or not yet hold the row; the run shows there either way.
    if (!this.runs.get(id)) return;
    const grouped = this.choice.groupBy !== 'none' ? [...this.runNodes.values()].find((n) => n.id === id && n.group !== undefined) : undefined;
    void Promise.resolve(this.view?.reveal(grouped ?? this.runNode(id), { select: true, focus: false, ...(options.expand ? { expand: true } : {}) })).catch(
      () => undefined,
    );
  }

  private readonly samplesSubscription: vscode.Disposable | undefined;
  private readonly sampleNodes = new Map<string, Extract<RunsNode, { kind: 'samples' }>>();
  /** Jobs whose run row was redrawn for them already (a collapsed run is not redrawn on every step of its job). */
  private readonly knownJobs = new Set<string>();

  private sampleJobsOf(runId: string) {
    return (this.generations?.jobs() ?? []).filter((j) => j.runId === runId);
  }

  private sampleNodesOf(runId: string): RunsNode[] {
    return this.sampleJobsOf(runId).map((j) => {
      let n = this.sampleNodes.get(j.jobId);
      if (!n) this.sampleNodes.set(j.jobId, (n = { kind: 'samples', runId, jobId: j.jobId }));
      return n;
    });
  }

  /** A known job's row is redrawn alone; a new or removed one redraws its run (which may gain or lose its children). */
  private sampleJobChanged(jobId: string): void {
    const job = this.generations?.get(jobId);
    const node = this.sampleNodes.get(jobId);
    if (job && node) return this.changed.fire(node);
    // A known job whose row was never drawn (its run is collapsed): nothing to redraw until the run is expanded.
    if (job && this.knownJobs.has(jobId)) return;
    if (job) this.knownJobs.add(jobId);
    else {
      this.knownJobs.delete(jobId);
      this.sampleNodes.delete(jobId);
    }
    const runId = job?.runId ?? node?.runId;
    // The run's row object is found only when the view is not grouped; grouped, the whole tree is redrawn.
    this.changed.fire(runId !== undefined && this.choice.groupBy === 'none' && this.runs.get(runId) ? this.runNode(runId) : undefined);
  }

  dispose(): void {
    this.samplesSubscription?.dispose();
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
  // A Slurm job: its state the Slurm way, and `.slurm` on the context value for Copy Slurm Job ID.
  const slurm = run.entry.unreadable ? undefined : slurmJobOfRun(run.entry.record, s);
  if (slurm) {
    item.description = slurmRowDescription(slurm, s, unit);
    if (!isEnded(s) && isSlurmPending(slurm)) item.iconPath = new vscode.ThemeIcon('watch');
    item.contextValue += '.slurm';
  }
  // Names, messages and paths come from configs and the training's output: added as text, never as Markdown.
  const tip = new vscode.MarkdownString();
  tip
    .appendMarkdown('**')
    .appendText(name)
    .appendMarkdown('**')
    .appendText(` (${run.id})${sim ? ' — simulation (stand-in trainer)' : ''}`);
  // While Slurm holds the job nothing has started: the run's own word ("queued", the local queue's) and its clock
  // (from the submit) would say otherwise; the Slurm lines say what it waits for.
  const slurmWaits = !!slurm && !isEnded(s) && isSlurmPending(slurm);
  const created = new Date(run.entry.record.createdAt).toLocaleString();
  if (run.entry.unreadable) tip.appendMarkdown('\n\n').appendText(`${runDescription(run.entry, run.state)}: ${run.entry.unreadable}`);
  else if (slurmWaits) tip.appendMarkdown('\n\n').appendText(`${run.entry.record.script} · submitted ${created}`);
  else tip.appendMarkdown('\n\n').appendText(`${run.entry.record.script} · ${describeRun(s, unit)} · created ${created}`);
  if (slurm) for (const line of slurmTooltipLines(slurm)) tip.appendMarkdown('\n\n').appendText(line);
  const time = slurmWaits ? '' : timeLine(s, unit);
  if (time) tip.appendMarkdown('\n\n').appendText(time);
  if (run.entry.foreign)
    tip
      .appendMarkdown('\n\n')
      .appendText(
        'This machine did not create this queued run (a record committed to the repository, or queued on another machine): it starts only when you say so.',
      );
  if (s.labels?.tags.length) tip.appendMarkdown('\n\n$(tag) ').appendText(s.labels.tags.map((t) => `#${t}`).join(' '));
  if (s.labels?.note) tip.appendMarkdown('\n\n$(note) ').appendText(s.labels.note);
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
  const told = s.state === 'finished' || s.state === 'stopped';
  return [
    t.startedAt !== undefined ? `started ${new Date(t.startedAt).toLocaleString()}` : '',
    // A finished or stopped run's description (the line above) says already how long it took and its average speed.
    d !== undefined && !told ? `${isEnded(s) ? 'took' : 'elapsed'} ${formatDuration(d)}` : '',
    t.avgSecPerStep !== undefined && !told ? `avg ${formatSpeed(t.avgSecPerStep, unit)}` : '',
    p.validation.count ? `${countOf(p.validation.count, 'validation')} ${formatDuration(p.validation.totalSec)}` : '',
    p.checkpoint.count ? `${countOf(p.checkpoint.count, 'save')} ${formatDuration(p.checkpoint.totalSec)}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}
