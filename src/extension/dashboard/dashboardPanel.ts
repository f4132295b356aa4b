// The dashboard webview host: one panel for all runs, fed by the RunsController through the typed protocol in
// src/shared/dashboardProtocol.ts (ready handshake, then deltas batched to about ten a second). A serializer brings the
// panel back after a window reload; the webview keeps its own UI state with setState.
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import { dashboardHtml } from '../../shared/dashboardHtml';
import { checkWebviewMessage, type HostMessage, type WebviewMessage } from '../../shared/dashboardProtocol';
import { DeltaBatcher } from '../../shared/batcher';
import { RunDeltaTracker, runView, shownFailure, type RunMeta } from '../../core/view/dashboardModel';
import { dashboardTitle } from '../../core/view/dashboardTitle';
import { makeNonce } from '../webviewUtil';
import type { RunChange, RunsController, RunView as ControllerRun } from '../runs/runsController';
import { isSimulated } from '../runs/simulation';
import { thumbPathOf } from '../../core/worker/validationImages';
import { containPath } from '../../core/util/pathContainment';
import { runFolders } from '../../core/supervisor/runFolders';
import { errText } from '../../core/util/errText';
import { onDidChangeSettings, setting } from '../settings';
import { isSpeedUnit, type SpeedUnit } from '../../shared/speed';

function speedUnit(): SpeedUnit {
  const u = setting('speedUnit');
  return isSpeedUnit(u) ? u : 'auto';
}

export const DASHBOARD_VIEW_TYPE = 'sdxl.dashboard';

/** The part of the webview's own saved UI state (webview/src/state.ts) that the host reads back after a reload. */
interface PanelState {
  selectedRunIds?: unknown;
}

export class DashboardHost implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private focusRunId: string | undefined;
  private pendingSelection: string[] | undefined;
  /** The runs the panel shows, as the webview last said (`shownRuns`) or as the host asked it to; names the panel. */
  private shownRunIds: string[] = [];
  private readonly trackers = new Map<string, RunDeltaTracker>();
  private readonly imagePaths = new Map<string, string>();
  private readonly imageCache = new Map<string, { uri: string; thumbUri: string }>();
  private batcher: DeltaBatcher | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly runs: RunsController,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      runs.onDidChange((c) => this.onRunChange(c)),
      onDidChangeSettings((changed) => {
        if (changed.has('speedUnit') && this.ready) this.post({ type: 'speedUnit', unit: speedUnit() });
      }),
      vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
          const saved = (state as PanelState | undefined)?.selectedRunIds;
          const selected = Array.isArray(saved) ? saved.filter((x): x is string => typeof x === 'string') : [];
          this.adopt(panel, selected[0], selected);
        },
      }),
    );
  }

  private resourceRoots(): vscode.Uri[] {
    const roots = [vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview')];
    const images = this.runs.imagesRoot;
    if (images) roots.push(vscode.Uri.file(images));
    return roots;
  }

  /** Opens (or reveals) the dashboard; with run ids, shows exactly those runs, overlaid when several. */
  show(...runIds: string[]): void {
    if (runIds.length > 0) {
      this.focusRunId = runIds[0];
      this.pendingSelection = runIds;
    }
    if (this.panel) {
      this.panel.reveal();
      if (runIds.length > 0) this.setShown(runIds);
      if (this.ready) this.applySelection();
      return;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'SDXL Dashboard', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: this.resourceRoots(),
    });
    this.adopt(panel, this.focusRunId, runIds);
  }

  /** What the panel shows now; the webview confirms (or corrects) it with `shownRuns` once it has drawn them. */
  private setShown(runIds: string[]): void {
    this.shownRunIds = runIds;
    this.updateTitle();
  }

  /** Names the panel after the runs it shows (their display names; a run not known yet is left out until it is). */
  private updateTitle(): void {
    if (!this.panel) return;
    const names = this.shownRunIds.filter((id) => this.runs.get(id)).map((id) => this.runs.displayName(id));
    // Restored before the runs are found again: the title VS Code restored named them; keep it until they are known.
    if (names.length === 0 && this.shownRunIds.length > 0) return;
    const title = dashboardTitle(names);
    if (this.panel.title !== title) this.panel.title = title;
  }

  /** Sends the data of the runs the user picked, then selects them (after `init`, which may have restored others). */
  private applySelection(): void {
    const ids = this.pendingSelection;
    if (!ids) return;
    this.pendingSelection = undefined;
    for (const id of ids) if (!this.trackers.has(id)) this.sendRun(id);
    this.batcher?.flush();
    this.post({ type: 'select', runIds: ids });
  }

  /** `shown`: the runs the panel will show (the webview's saved selection after a reload); default the focused run. */
  private adopt(panel: vscode.WebviewPanel, focusRunId: string | undefined, shown: string[] = []): void {
    this.panel?.dispose();
    this.panel = panel;
    this.imageCache.clear();
    this.focusRunId = focusRunId ?? this.focusRunId ?? this.runs.runs()[0]?.id;
    this.setShown(shown.length > 0 ? shown : this.focusRunId ? [this.focusRunId] : []);
    panel.webview.options = { enableScripts: true, localResourceRoots: this.resourceRoots() };
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'sdxl.svg');
    this.ready = false;
    this.batcher?.dispose();
    this.batcher = new DeltaBatcher({ send: (d) => this.post(d), intervalMs: 100 });
    panel.onDidDispose(
      () => {
        if (this.panel !== panel) return;
        this.panel = undefined;
        this.ready = false;
        this.batcher?.dispose();
        this.batcher = undefined;
      },
      null,
      this.subscriptions,
    );
    // A webview that was hidden is reloaded when shown again; it says `ready` and gets a fresh `init`.
    panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m), null, this.subscriptions);
    const nonce = makeNonce();
    const asUri = (...p: string[]) => panel.webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, ...p)).toString();
    panel.webview.html = dashboardHtml({
      cspSource: panel.webview.cspSource,
      nonce,
      scriptUri: asUri('dist', 'webview', 'dashboard.js'),
      styleUri: asUri('dist', 'webview', 'dashboard.css'),
    });
  }

  private post(message: HostMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  private meta(run: ControllerRun): RunMeta {
    const webview = this.panel!.webview;
    const monitor = this.runs.monitorOf(run.id);
    const failureLine = run.state.failure ? monitor?.consoleLineOf('failure') : undefined;
    return {
      id: run.id,
      label: this.runs.displayName(run.id),
      simulated: isSimulated(run.entry.record),
      ...(failureLine ? { failureLine } : {}),
      imageUri: (abs) => this.imageUris(webview, abs),
    };
  }

  /**
   * Webview URIs of a validation image and its thumbnail. Every delta maps the whole gallery, so the answer is kept
   * once the thumbnail exists (the monitor writes it with the image); the cache belongs to one webview.
   */
  private imageUris(webview: vscode.Webview, abs: string): { uri: string; thumbUri?: string } {
    const known = this.imageCache.get(abs);
    if (known) return known;
    const uri = webview.asWebviewUri(vscode.Uri.file(abs)).toString();
    this.imagePaths.set(uri, abs);
    const thumb = thumbPathOf(abs);
    if (!fs.existsSync(thumb)) return { uri };
    const uris = { uri, thumbUri: webview.asWebviewUri(vscode.Uri.file(thumb)).toString() };
    this.imageCache.set(abs, uris);
    return uris;
  }

  private sendInit(): void {
    if (!this.panel) return;
    this.batcher?.discard();
    this.trackers.clear();
    const runs = this.runs.runs();
    const views = runs.map((r) => {
      if (r.id !== this.focusRunId) return runView(r.state, this.meta(r), false);
      const tracker = new RunDeltaTracker();
      this.trackers.set(r.id, tracker);
      return tracker.full(r.state, this.meta(r));
    });
    const smoothing = this.context.workspaceState.get<number>('sdxl.dashboard.smoothing');
    this.post({
      type: 'init',
      runs: views,
      ...(this.focusRunId ? { focusRunId: this.focusRunId } : {}),
      ...(smoothing !== undefined ? { smoothing } : {}),
      speedUnit: speedUnit(),
    });
  }

  private sendRun(id: string): void {
    const run = this.runs.get(id);
    if (!run || !this.panel) return;
    this.batcher?.discard(id);
    const tracker = new RunDeltaTracker();
    this.trackers.set(id, tracker);
    this.post({ type: 'runData', run: tracker.full(run.state, this.meta(run)) });
  }

  private onRunChange(c: RunChange | undefined): void {
    // A new or deleted run can change the display names (a shared name gains the start time), or make a shown run known.
    if (!c) this.updateTitle();
    if (!this.panel || !this.ready) return;
    if (!c) {
      // The list of runs changed: new runs arrive as summaries; the webview asks for data when one is selected.
      for (const r of this.runs.runs()) {
        if (!this.trackers.has(r.id)) {
          if (r.id === this.focusRunId) this.sendRun(r.id);
          else this.post({ type: 'runData', run: runView(r.state, this.meta(r), false) });
        }
      }
      return;
    }
    const tracker = this.trackers.get(c.id);
    const run = this.runs.get(c.id);
    if (!run) return;
    if (!tracker) {
      this.post({ type: 'runData', run: runView(run.state, this.meta(run), false) });
      return;
    }
    const delta = tracker.delta(run.state, this.meta(run));
    if (delta) this.batcher?.push(delta);
  }

  private onMessage(raw: unknown): void {
    const problem = checkWebviewMessage(raw);
    if (problem) {
      this.output.warn(`Dashboard: ignored a malformed message (${problem})`);
      return;
    }
    const m = raw as WebviewMessage;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.sendInit();
        this.applySelection();
        break;
      case 'requestRun':
        this.focusRunId = m.runId;
        this.sendRun(m.runId);
        break;
      case 'compareRuns':
        for (const id of m.runIds) if (!this.trackers.has(id)) this.sendRun(id);
        break;
      case 'shownRuns':
        this.setShown(m.runIds);
        break;
      case 'openConsoleAt':
        void vscode.commands.executeCommand('sdxl.openConsoleLog', m.runId, m.line);
        break;
      case 'openConsoleAtStep':
        void vscode.commands.executeCommand('sdxl.openConsoleLog', m.runId, { step: m.step });
        break;
      case 'openCheckpoint':
        void this.revealCheckpoint(m.runId, m.path);
        break;
      case 'setSmoothing':
        void this.context.workspaceState.update('sdxl.dashboard.smoothing', m.weight);
        break;
      case 'openImage': {
        const file = this.imagePaths.get(m.uri);
        if (file) void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file), vscode.ViewColumn.Beside);
        break;
      }
      case 'applyFix':
        this.applyFix(m.runId);
        break;
    }
  }

  /** The banner's fix: the one the host derived for the run's failure (never one the webview sends), on its config. */
  private applyFix(runId: string): void {
    const run = this.runs.get(runId);
    const fix = run ? shownFailure(run.state)?.fix : undefined;
    const configPath = run?.entry.record.configPath;
    if (!run || !fix) return void vscode.window.showWarningMessage('SDXL: this run has no fix to apply.');
    if (!configPath) return void vscode.window.showWarningMessage(`SDXL: run ${run.id} does not record which config started it; apply "${fix.title}" by hand.`);
    void vscode.commands.executeCommand('sdxl.applyRunFix', configPath, fix);
  }

  /** Reveals a checkpoint the webview names, only within the run's own folders (the webview is untrusted input). */
  private async revealCheckpoint(runId: string, p: string): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) return;
    const record = run.entry.record;
    const target = await containPath(p, runFolders(record, run.state.checkpoints), record.plan.cwd);
    if (!target.ok) {
      this.output.warn(`Dashboard: did not reveal ${JSON.stringify(p)} for run ${runId}: ${target.reason}`);
      return;
    }
    try {
      await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(target.path));
    } catch (e) {
      this.output.warn(`Dashboard: cannot reveal ${target.path}: ${errText(e)}`);
    }
  }

  dispose(): void {
    this.batcher?.dispose();
    this.panel?.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
