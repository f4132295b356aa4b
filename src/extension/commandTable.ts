// Every command of the extension in one table, id → handler (as rust-analyzer's createCommands), registered in one
// loop. test/unit/contributes.test.ts registers this table with a fake VS Code and compares the ids with package.json.
import * as vscode from 'vscode';
import type { DashboardHost } from './dashboard/dashboardPanel';
import type { DiagnosticsController } from './diagnosticsController';
import type { RunsController } from './runs/runsController';
import type { RunsNode, RunsView } from './views/runsView';
import type { LaunchCommandView } from './commands/launchCommandView';
import type { EnvironmentChecks } from './environment';
import { showMemoryEstimate, type EstimateDocuments } from './memoryCodeLens';
import { configureArgument } from './commands/configureArgument';
import { newConfig } from './commands/newConfig';
import { importCommandLine, newConfigFromCommandLine } from './commands/importCommandLine';
import { pickConfigDocument } from './configDocuments';
import { resolveRunId, runCommands } from './runs/runCommands';
import type { HubController } from './hub/hubController';
import { setupEnvironment } from './commands/setupEnvironment';
import { downloadBaseModel } from './commands/downloadBaseModel';
import type { DatasetChecks } from './dataset/datasetChecks';
import type { DatasetPreviewHost } from './dataset/datasetPreviewPanel';
import { findRun, runSummaryFor } from './chat/chatTools';
import { WALKTHROUGH_ID } from './chat/walkthrough';
import { RUN_PICK_MATCHING, runPickItem } from './runs/runPick';
import { runLabelCommands } from './runs/runLabelCommands';
import type { AlertWebhook } from './runs/alertWebhookHost';
import type { TensorBoards } from '../core/supervisor/tensorboardServer';
import { exportCommands } from './runs/exportCommands';
import { labelledName } from '../core/view/runList';
import { publishCommands } from './runs/publishCommand';
import type { GenerationsController } from './generate/generationsController';
import { generateCommands } from './generate/generateCommands';
import { runSampleDefaults } from './generate/runSampleDefaults';
import type { CompareHost } from './generate/comparePanel';
import { slurmCommands } from './runs/slurmCommands';

/** A command's handler: VS Code passes whatever the caller gave (a tree node, a URI, a run id, nothing). */
export type CommandHandler = (...args: never[]) => unknown;

/**
 * Commands registered but not contributed in package.json (run only by the extension itself, with arguments the
 * palette cannot give). None today; one added here is exempt from the "every registered command is contributed" test.
 */
export const INTERNAL_COMMANDS: readonly string[] = [];

/** What the handlers work on. */
export interface CommandTargets {
  runs: RunsController;
  dashboard: DashboardHost;
  diagnostics: DiagnosticsController;
  launchCommand: LaunchCommandView;
  estimates: EstimateDocuments;
  /** Selects a run's row in the Runs view. */
  reveal(runId: string, options?: { expand?: boolean }): void;
  hub: HubController;
  environment: EnvironmentChecks;
  datasetChecks: DatasetChecks;
  datasetPreview: DatasetPreviewHost;
  /** The Runs view, whose filter and grouping its commands set. */
  runsView: RunsView;
  /** The alert webhook's URL and posts. */
  alerts: AlertWebhook;
  /** TensorBoards started for runs' logs dirs, stopped with the window. */
  tensorBoards: TensorBoards;
  /** Sample jobs: Generate Samples, Stop Generation, Delete Samples. */
  generations: GenerationsController;
  /** The Compare Samples panels. */
  compare: CompareHost;
}

export function createCommands(t: CommandTargets): Record<string, CommandHandler> {
  return {
    'sdxl.openDashboard': async (arg?: unknown) => {
      const id = arg === undefined ? undefined : await resolveRunId(t.runs, arg);
      if (id) t.dashboard.show(id);
      else t.dashboard.show();
    },
    // From the Runs view with several runs selected: VS Code passes the clicked node and the whole selection.
    'sdxl.compareRuns': async (node?: RunsNode, selected?: RunsNode[]) => {
      let ids = (selected ?? (node ? [node] : [])).flatMap((n) => (n.kind === 'run' ? [n.id] : n.kind === 'checkpoint' ? [n.runId] : []));
      if (ids.length < 2) {
        const picks = await vscode.window.showQuickPick(
          t.runs.runs().map((r) => ({ ...runPickItem(t.runs, r), picked: ids.includes(r.id) })),
          { title: 'Runs to overlay in the dashboard', canPickMany: true, ...RUN_PICK_MATCHING },
        );
        if (!picks) return;
        ids = picks.map((p) => p.id);
      }
      if (ids.length > 0) t.dashboard.show(...new Set(ids));
    },
    ...runCommands(t.runs, t.reveal, t.tensorBoards),
    'sdxl.refreshRuns': () => t.runs.refresh(),
    'sdxl.newConfig': () => newConfig(),
    'sdxl.newConfigFromCommandLine': () => newConfigFromCommandLine(),
    'sdxl.importCommandLine': (uri?: vscode.Uri) => importCommandLine(uri),
    'sdxl.configureArgument': (uri?: vscode.Uri, dest?: string) => configureArgument(uri, dest),
    'sdxl.showLaunchCommand': (uri?: vscode.Uri) => t.launchCommand.show(uri),
    'sdxl.validateConfig': (uri?: vscode.Uri) => validateConfigCommand(t.diagnostics, uri),
    'sdxl.showMemoryEstimate': (uri?: vscode.Uri) => showMemoryEstimate(t.estimates, uri),
    'sdxl.hubSignIn': () => t.hub.signIn(),
    'sdxl.hubSignOut': () => t.hub.signOut(),
    'sdxl.checkEnvironment': (uri?: vscode.Uri) => t.environment.check(uri),
    'sdxl.setupEnvironment': () => setupEnvironment(),
    'sdxl.downloadBaseModel': (uri?: vscode.Uri) => downloadBaseModel(uri, () => t.hub.tokenValue()),
    'sdxl.checkDataset': (uri?: vscode.Uri) => t.datasetChecks.checkCommand(uri),
    'sdxl.previewDataset': (uri?: vscode.Uri) => t.datasetPreview.show(uri),
    // The text the chat's sdxl_runSummary gives, for any other assistant.
    'sdxl.copyRunSummary': async (arg?: unknown) => {
      const id = await resolveRunId(t.runs, arg);
      const run = id ? findRun(t.runs, id) : undefined;
      if (!run || typeof run === 'string') return;
      await vscode.env.clipboard.writeText(await runSummaryFor(t.runs, run));
      void vscode.window.showInformationMessage(
        `SDXL: copied the summary of run "${labelledName(run.entry.record.name, run.state)}" (as \`run show --json\`).`,
      );
    },
    'sdxl.openWalkthrough': () => vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false),
    ...runLabelCommands(t.runs, t.runsView),
    ...exportCommands(t.runs),
    'sdxl.setAlertWebhook': () => t.alerts.set(),
    'sdxl.clearAlertWebhook': () => t.alerts.clear(),
    'sdxl.sendTestAlert': () => t.alerts.sendTest(),
    ...publishCommands(t.runs, t.hub, t.generations),
    ...generateCommands({ runs: t.runs, generations: t.generations, defaults: runSampleDefaults, reveal: (id) => t.reveal(id, { expand: true }) }),
    // A job id (the end of Generate Samples, a sample job's row), else a pick of the workspace's jobs.
    'sdxl.compareSamples': (arg?: unknown) => t.compare.show(arg),
    ...slurmCommands(t.runs),
  };
}

/**
 * Registers every command of `table`; a failure is handed to `onError` (logged and shown), never thrown into the host.
 * `onDone`: told of each command that ran to its end and did not return false (the walkthrough's steps).
 */
export function registerCommands(
  table: Record<string, CommandHandler>,
  onError: (id: string, error: unknown) => void,
  onDone: (id: string) => void = () => undefined,
): vscode.Disposable[] {
  return Object.entries(table).map(([id, run]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        // A handler that returns false did nothing (the user cancelled): not done.
        if ((await (run as (...a: unknown[]) => unknown)(...args)) !== false) onDone(id);
      } catch (e) {
        onError(id, e);
      }
    }),
  );
}

/** "SDXL: Validate Config": checks now and says what it found. */
async function validateConfigCommand(diagnostics: DiagnosticsController, uri?: vscode.Uri): Promise<void> {
  const doc = await pickConfigDocument(uri);
  if (!doc) return;
  const found = await diagnostics.refresh(doc);
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
