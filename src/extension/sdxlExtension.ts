// The one object that owns the extension's lifetime: it creates every controller and disposes them together.
import * as vscode from 'vscode';
import { DiagnosticsController } from './diagnosticsController';
import { GpuInventory } from './gpus';
import { ScriptTables } from './scriptTables';
import { EnvironmentChecks } from './environment';
import { LaunchCommandView } from './commands/launchCommandView';
import { EstimateDocuments, MemoryCodeLensProvider } from './memoryCodeLens';
import { ImportCodeLensProvider, isImportTextDocument } from './commands/importCommandLine';
import { SlurmCodeLensProvider } from './slurmCodeLens';
import { isConfigDocument } from './configDocuments';
import { RunsController } from './runs/runsController';
import { RunStatusBar } from './runs/statusBar';
import { RunNotifier } from './runs/runNotifier';
import { RunProblems } from './runs/runProblems';
import { createCommands, registerCommands } from './commandTable';
import { ConfigsView } from './views/configsView';
import { RunsView } from './views/runsView';
import { DashboardHost } from './dashboard/dashboardPanel';
import { isEnded } from '../core/run/state';
import { KnownSecrets, envSecrets } from '../core/util/redact';
import { redactingLogChannel } from './redactingOutput';
import { onDidChangeSettings, setting } from './settings';
import type { SettingKey } from './settingsTable';
import { loggingErrors } from './listenerErrors';
import { HubController } from './hub/hubController';
import { errText } from '../core/util/errText';
import { ClipService } from './clip/clipService';
import { RunScoringHost } from './clip/runScoringHost';
import { DatasetChecks } from './dataset/datasetChecks';
import { DatasetPreviewHost } from './dataset/datasetPreviewPanel';
import { hubAccessFor } from '../core/hub/hubAccess';
import { ChatTools } from './chat/chatTools';
import { WALKTHROUGH_STEP_KEYS } from './chat/walkthrough';
import { AlertWebhook } from './runs/alertWebhookHost';
import { TensorBoards } from '../core/supervisor/tensorboardServer';
import { GenerationsController } from './generate/generationsController';
import { CompareHost } from './generate/comparePanel';
import { editorCompareClip } from './generate/compareClip';

export class SdxlExtension implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  /** Secrets to mask everywhere: this window's environment's (runs inherit it) and those of the plans it starts. */
  readonly secrets = new KnownSecrets(envSecrets(process.env));
  readonly output = redactingLogChannel(vscode.window.createOutputChannel('SDXL Trainer', { log: true }), (t) => this.secrets.redact(t));
  readonly gpus = new GpuInventory();
  readonly diagnostics: DiagnosticsController;
  readonly launchCommand = new LaunchCommandView();
  readonly memoryLens: MemoryCodeLensProvider;
  private readonly estimates = new EstimateDocuments();
  readonly runs: RunsController;
  /** CLIP scores (dataset similarity, run scoring): a worker thread started on first use. */
  readonly clip: ClipService;
  /** Sample jobs of the workspace (images made with runs' weights), followed like runs. */
  readonly generations: GenerationsController;

  constructor(context: vscode.ExtensionContext) {
    const warn = (message: string) => this.output.warn(message);
    const scriptTables = new ScriptTables(context.globalStorageUri.fsPath, warn);
    const hub = new HubController(context.secrets, this.secrets, warn);
    const environment = new EnvironmentChecks(warn);
    this.diagnostics = new DiagnosticsController(this.gpus, scriptTables, warn, hub, environment);
    this.memoryLens = new MemoryCodeLensProvider(this.gpus, warn);
    this.runs = new RunsController(context, this.output, this.gpus, this.secrets, () => hub.currentToken());
    this.clip = new ClipService(context.globalState, () => hub.tokenValue());
    this.generations = new GenerationsController(context.extensionPath, this.output, this.secrets);
    const runsView = new RunsView(this.runs, context.workspaceState, this.generations);
    const configsView = new ConfigsView(this.runs);
    const dashboard = new DashboardHost(context, this.runs, this.output);
    const datasetChecks = new DatasetChecks(warn, async (runEnv) => hubAccessFor(runEnv, await hub.tokenValue()), this.clip);
    const datasetPreview = new DatasetPreviewHost(context, datasetChecks, warn);
    const alerts = new AlertWebhook(context.secrets, this.secrets, warn);
    const tensorBoards = new TensorBoards();
    const compare = new CompareHost(context, this.generations, editorCompareClip(this.clip), warn);
    const commands = createCommands({
      runs: this.runs,
      dashboard,
      diagnostics: this.diagnostics,
      launchCommand: this.launchCommand,
      estimates: this.estimates,
      reveal: (id, options) => runsView.reveal(id, options),
      hub,
      environment,
      datasetChecks,
      datasetPreview,
      runsView,
      alerts,
      tensorBoards,
      generations: this.generations,
      compare,
    });
    this.disposables.push(
      dashboard,
      ...registerCommands(
        commands,
        (id, e) => this.commandFailed(id, e),
        (id) => {
          const key = WALKTHROUGH_STEP_KEYS[id];
          if (key) void vscode.commands.executeCommand('setContext', key, true);
        },
      ),
      this.runs,
      runsView,
      configsView,
      runsView.attach(vscode.window.createTreeView('sdxl.runs', { treeDataProvider: runsView, showCollapseAll: true, canSelectMany: true })),
      vscode.window.createTreeView('sdxl.configs', { treeDataProvider: configsView }),
      new RunStatusBar(this.runs),
      new RunNotifier(
        this.runs,
        (message) => this.output.error(message),
        (alert) => alerts.post(alert),
      ),
      new RunProblems(this.runs, this.diagnostics, context.workspaceState),
      this.output,
      this.diagnostics,
      scriptTables,
      hub,
      environment,
      this.launchCommand,
      datasetPreview,
      datasetChecks,
      alerts,
      // TensorBoards we started die with the window (their process groups killed), not left serving.
      tensorBoards,
      vscode.languages.registerCodeLensProvider({ pattern: '**/*.sdxl.json' }, this.memoryLens),
      vscode.languages.registerCodeLensProvider([{ scheme: 'untitled' }, { language: 'shellscript' }], new ImportCodeLensProvider()),
      vscode.languages.registerCodeLensProvider({ pattern: '**/*.sdxl.json' }, new SlurmCodeLensProvider()),
      this.estimates,
      vscode.workspace.registerTextDocumentContentProvider(EstimateDocuments.scheme, this.estimates),
      vscode.window.onDidChangeActiveTextEditor((e) => this.updateContext(e)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.gpus.reset();
        this.memoryLens.refresh();
      }),
      { dispose: () => void this.clip.dispose() },
      // Disposed before the CLIP service (the list is disposed from its end): scoring stops asking it first. The model
      // id of the scores is the setting's value (a Hub id or a folder).
      new RunScoringHost(this.runs, { modelId: () => setting('clip.model').trim() || undefined, scorer: async () => this.clip }, warn),
      onDidChangeSettings(
        loggingErrors('Applying changed settings', warn, (changed: ReadonlySet<SettingKey>) => {
          // The GPUs were read with the old nvidia-smi: read them again, and show lenses and memory checks anew.
          if (changed.has('nvidiaSmiPath')) {
            this.gpus.reset();
            this.diagnostics.refreshAll();
          }
          if (changed.has('nvidiaSmiPath') || changed.has('memoryEstimate.codeLens')) this.memoryLens.refresh();
        }),
      ),
      new ChatTools(this.runs, warn),
      this.generations,
      // Disposed first (the list is disposed from its end): its panels stop reading the feed and scoring before those go.
      compare,
    );
    this.updateContext(vscode.window.activeTextEditor);
    this.disposables.push(this.runs.onDidChange(() => this.updateRunContext()));
    context.subscriptions.push(this);
    // Reattach: runs that went on while the window was closed or reloading are found and followed again.
    // Until then the Runs view's welcome says it is reading the runs, not that there are none.
    void this.runs
      .refresh()
      .catch((e) => this.output.error(`Could not read run records: ${errText(e)}`))
      .finally(() => void vscode.commands.executeCommand('setContext', 'sdxl.runsListed', true));
    // Runs started or removed by another window on this workspace (or the CLI) show up here too.
    this.runs.watchRecords();
    // Sample jobs likewise: a reload follows a job still running; one the CLI starts shows up.
    void this.generations.refresh().catch((e) => this.output.error(`Could not read generation records: ${errText(e)}`));
    this.generations.watchRecords();
  }

  /** A command failed: the whole error in the log, its message (secrets masked) in a notification. */
  private commandFailed(id: string, e: unknown): void {
    const message = errText(e);
    this.output.error(`${id} failed: ${e instanceof Error && e.stack ? e.stack : message}`);
    void vscode.window.showErrorMessage(`SDXL: ${this.secrets.redact(message)}`);
  }

  private updateContext(editor: vscode.TextEditor | undefined): void {
    void vscode.commands.executeCommand('setContext', 'sdxl.configOpen', !!editor && isConfigDocument(editor.document));
    // The editor title button of "SDXL: Import Command Line" shows on the command line scratch document.
    void vscode.commands.executeCommand('setContext', 'sdxl.commandLineDocOpen', !!editor && isImportTextDocument(editor.document));
  }

  private runContext = '';

  /** Context keys that hide run commands from the palette where they cannot apply. */
  private updateRunContext(): void {
    const runs = this.runs.runs();
    const ended = runs.filter((r) => isEnded(r.state)).length;
    const key = `${runs.length}/${ended}`;
    if (key === this.runContext) return;
    this.runContext = key;
    void vscode.commands.executeCommand('setContext', 'sdxl.hasRuns', runs.length > 0);
    void vscode.commands.executeCommand('setContext', 'sdxl.hasEndedRuns', ended > 0);
    void vscode.commands.executeCommand('setContext', 'sdxl.hasLiveRuns', runs.length > ended);
  }

  dispose(): void {
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}
