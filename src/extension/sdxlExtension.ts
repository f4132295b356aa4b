// The one object that owns the extension's lifetime: it creates every controller and disposes them together.
import * as vscode from 'vscode';
import { DiagnosticsController } from './diagnosticsController';
import { GpuInventory } from './gpus';
import { ScriptTables } from './scriptTables';
import { LaunchCommandView } from './commands/launchCommandView';
import { EstimateDocuments, MemoryCodeLensProvider, showMemoryEstimate } from './memoryCodeLens';
import { configureArgument } from './commands/configureArgument';
import { newConfig } from './commands/newConfig';
import { ImportCodeLensProvider, importCommandLine, isImportTextDocument, newConfigFromCommandLine } from './commands/importCommandLine';
import { isConfigDocument, pickConfigDocument } from './configDocuments';
import { RunsController } from './runs/runsController';
import { RunStatusBar } from './runs/statusBar';
import { RunNotifier } from './runs/runNotifier';
import { RunProblems } from './runs/runProblems';
import { registerRunCommands, resolveRunId } from './runs/runCommands';
import { ConfigsView } from './views/configsView';
import { RunsView, type RunsNode } from './views/runsView';
import { DashboardHost } from './dashboard/dashboardPanel';
import { isEnded } from '../core/run/state';
import { KnownSecrets, envSecrets } from '../core/util/redact';
import { redactingLogChannel } from './redactingOutput';
import { onDidChangeSettings } from './settings';

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

  constructor(context: vscode.ExtensionContext) {
    const scriptTables = new ScriptTables(context.globalStorageUri.fsPath);
    this.diagnostics = new DiagnosticsController(this.gpus, scriptTables);
    this.memoryLens = new MemoryCodeLensProvider(this.gpus);
    this.runs = new RunsController(context, this.output, this.gpus, this.secrets);
    const runsView = new RunsView(this.runs);
    const configsView = new ConfigsView();
    const dashboard = new DashboardHost(context, this.runs, this.output);
    this.disposables.push(
      dashboard,
      this.command('sdxl.openDashboard', async (arg?: unknown) => {
        const id = arg === undefined ? undefined : await resolveRunId(this.runs, arg);
        if (id) dashboard.show(id);
        else dashboard.show();
      }),
      // From the Runs view with several runs selected: VS Code passes the clicked node and the whole selection.
      this.command('sdxl.compareRuns', async (node?: RunsNode, selected?: RunsNode[]) => {
        let ids = (selected ?? (node ? [node] : [])).map((n) => (n.kind === 'run' ? n.id : n.runId));
        if (ids.length < 2) {
          const picks = await vscode.window.showQuickPick(
            this.runs.runs().map((r) => ({ label: r.entry.record.name, description: r.id, picked: ids.includes(r.id), id: r.id })),
            { title: 'Runs to overlay in the dashboard', canPickMany: true },
          );
          if (!picks) return;
          ids = picks.map((p) => p.id);
        }
        if (ids.length > 0) dashboard.show(...new Set(ids));
      }),
      this.runs,
      runsView,
      configsView,
      runsView.attach(vscode.window.createTreeView('sdxl.runs', { treeDataProvider: runsView, showCollapseAll: true, canSelectMany: true })),
      vscode.window.createTreeView('sdxl.configs', { treeDataProvider: configsView }),
      new RunStatusBar(this.runs),
      new RunNotifier(this.runs),
      new RunProblems(this.runs, this.diagnostics, context.workspaceState),
      ...registerRunCommands(this.runs, (id, run) => this.command(id, run), (id) => runsView.reveal(id)),
      this.command('sdxl.refreshRuns', () => this.runs.refresh()),
      this.output,
      this.diagnostics,
      scriptTables,
      this.launchCommand,
      vscode.languages.registerCodeLensProvider({ pattern: '**/*.sdxl.json' }, this.memoryLens),
      this.command('sdxl.newConfig', () => newConfig()),
      this.command('sdxl.newConfigFromCommandLine', () => newConfigFromCommandLine()),
      this.command('sdxl.importCommandLine', (uri?: vscode.Uri) => importCommandLine(uri)),
      vscode.languages.registerCodeLensProvider([{ scheme: 'untitled' }, { language: 'shellscript' }], new ImportCodeLensProvider()),
      this.command('sdxl.configureArgument', (uri?: vscode.Uri, dest?: string) => configureArgument(uri, dest)),
      this.command('sdxl.showLaunchCommand', (uri?: vscode.Uri) => this.launchCommand.show(uri)),
      this.command('sdxl.validateConfig', (uri?: vscode.Uri) => this.validate(uri)),
      this.estimates,
      vscode.workspace.registerTextDocumentContentProvider(EstimateDocuments.scheme, this.estimates),
      this.command('sdxl.showMemoryEstimate', (uri?: vscode.Uri) => showMemoryEstimate(this.estimates, uri)),
      vscode.window.onDidChangeActiveTextEditor((e) => this.updateContext(e)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.gpus.reset();
        this.memoryLens.refresh();
      }),
      onDidChangeSettings((changed) => {
        // The GPUs were read with the old nvidia-smi: read them again, and show lenses and memory checks anew.
        if (changed.has('nvidiaSmiPath')) {
          this.gpus.reset();
          this.diagnostics.refreshAll();
        }
        if (changed.has('nvidiaSmiPath') || changed.has('memoryEstimate.codeLens')) this.memoryLens.refresh();
      }),
    );
    this.updateContext(vscode.window.activeTextEditor);
    this.disposables.push(this.runs.onDidChange(() => this.updateRunContext()));
    context.subscriptions.push(this);
    // Reattach: runs that went on while the window was closed or reloading are found and followed again.
    void this.runs.refresh().catch((e) => this.output.error(`Could not read run records: ${e instanceof Error ? e.message : String(e)}`));
    // Runs started or removed by another window on this workspace (or the CLI) show up here too.
    this.runs.watchRecords();
  }

  /** Registers a command whose failures are reported, never thrown into the host. */
  private command(id: string, run: (...args: never[]) => unknown): vscode.Disposable {
    return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await (run as (...a: unknown[]) => unknown)(...args);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        this.output.error(`${id} failed: ${e instanceof Error && e.stack ? e.stack : message}`);
        void vscode.window.showErrorMessage(`SDXL: ${this.secrets.redact(message)}`);
      }
    });
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

  private async validate(uri?: vscode.Uri): Promise<void> {
    const doc = await pickConfigDocument(uri);
    if (!doc) return;
    const found = await this.diagnostics.refresh(doc);
    const errors = found.filter((d) => d.severity === 'error').length;
    const warnings = found.filter((d) => d.severity === 'warning').length;
    const name = vscode.workspace.asRelativePath(doc.uri);
    if (errors + warnings === 0) {
      void vscode.window.showInformationMessage(`${name}: no problems found.`);
    } else {
      void vscode.window.showWarningMessage(`${name}: ${errors} error(s), ${warnings} warning(s). See the Problems panel.`);
      await vscode.commands.executeCommand('workbench.actions.view.problems');
    }
  }

  dispose(): void {
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}
