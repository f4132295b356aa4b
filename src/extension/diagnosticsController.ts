// Problems-panel diagnostics for *.sdxl.json files, and the quick fixes that go with them; beside a config's own
// problems, the diagnosis of its newest failed run (which ones: RunProblems, from the runs' current states).
// Configs are checked in a worker thread (dist/validateWorker.js), debounced, the newest text only: a huge config
// never blocks the extension host, and an edit cancels the check of the text before it.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Diagnostic as CoreDiagnostic, Fix } from '../core/diagnostics';
import { ValidationService } from '../core/diagnostics/validationService';
import { runFailureDiagnostic, type ShownFailure } from '../core/view/runFailures';
import { fixToTextEdits } from '../core/config/fixes';
import { isConfigDocument, rangeFromOffsets } from './configDocuments';
import { logFailure, type Log } from './listenerErrors';
import type { GpuInventory } from './gpus';
import type { ScriptTables } from './scriptTables';
import type { HubFacts } from '../core/diagnostics';
import type { EnvironmentChecks } from './environment';
import { errText } from '../core/util/errText';

/** The Hub answers for a config's ids (hub/hubController.ts), and when new ones arrived. */
export interface HubFactsSource {
  current(doc: vscode.TextDocument): HubFacts | undefined;
  readonly onDidChangeFacts: vscode.Event<string>;
}

/** Diagnostics that a sign-in may resolve: their quick fix runs "SDXL: Sign in to Hugging Face". */
const SIGN_IN_CODES = new Set(['hub-unauthorized', 'hub-gated']);

const SOURCE = 'sdxl';

/** Beside dist/extension.js; a cap on its heap keeps a hostile file from taking the host's memory. */
function startValidationWorker(): Worker {
  return new Worker(join(__dirname, 'validateWorker.js'), { resourceLimits: { maxOldGenerationSizeMb: 1024 } });
}

export class DiagnosticsController implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection(SOURCE);
  private readonly fixes = new WeakMap<vscode.Diagnostic, Fix>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The failed run whose diagnosis each config shows beside its own problems, per config URI. */
  private runFailures = new Map<string, ShownFailure>();
  private readonly runFailureEdited = new vscode.EventEmitter<vscode.Uri>();
  /** A config that showed a failed run's diagnosis was edited: the diagnosis described the config as it was. */
  readonly onDidEditConfigOfRunFailure = this.runFailureEdited.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly validation = new ValidationService(startValidationWorker);
  private disposed = false;

  constructor(
    private readonly gpus: GpuInventory,
    private readonly tables?: ScriptTables,
    private readonly log: Log = () => undefined,
    private readonly hub?: HubFactsSource,
    private readonly environment?: EnvironmentChecks,
  ) {
    this.subscriptions.push(
      // Hub answers and probes of the config's interpreter arrive after the first check of a config (never waited
      // for): check it again with them.
      ...[hub, environment].flatMap((source) =>
        source
          ? [
              source.onDidChangeFacts((key) => {
                const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
                if (doc) this.schedule(doc, 0);
              }),
            ]
          : [],
      ),
      // The first check of a config uses what is known (else the built-in table); its script's table, once read, checks it again.
      ...(tables
        ? [
            tables.onDidChangeTable((key) => {
              const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
              if (doc) this.schedule(doc, 0);
            }),
          ]
        : []),
      this.collection,
      this.runFailureEdited,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        // A run failure describes the config as it was; once the config changes, it is history.
        const key = e.document.uri.toString();
        if (e.contentChanges.length > 0 && this.runFailures.delete(key)) this.runFailureEdited.fire(e.document.uri);
        this.schedule(e.document, 250);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
      vscode.languages.registerCodeActionsProvider({ pattern: '**/*.sdxl.json' }, this, {
        providedCodeActionKinds: DiagnosticsController.providedCodeActionKinds,
      }),
    );
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc, 0);
  }

  /** Checks every open config again (the GPUs they are checked against may have changed). */
  refreshAll(): void {
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc, 0);
  }

  private schedule(doc: vscode.TextDocument, delayMs: number): void {
    if (!isConfigDocument(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.refresh(doc);
      }, delayMs),
    );
  }

  /** Validates now and returns the core diagnostics (used by "SDXL: Validate Config"). */
  async refresh(doc: vscode.TextDocument): Promise<CoreDiagnostic[]> {
    const version = doc.version;
    const gpus = await this.gpus.get();
    const argTable = await this.tables?.current(doc);
    const hub = this.hub?.current(doc);
    const environment = this.environment?.current(doc);
    let found: CoreDiagnostic[];
    try {
      // Resolves with the diagnostics of the newest text when an edit came first (this check is then cancelled).
      found = await this.validation.validate(doc.uri.toString(), doc.getText(), {
        ...(doc.uri.scheme === 'file' ? { configPath: doc.uri.fsPath } : {}),
        ...(gpus ? { gpus } : {}),
        ...(argTable ? { argTable } : {}),
        ...(hub ? { hub } : {}),
        ...(environment ? { environment } : {}),
      });
    } catch (e) {
      if (this.disposed) return [];
      // A bug in a rule must not take the editor down: show it as one problem instead.
      found = [
        {
          severity: 'error',
          code: 'internal',
          message: `SDXL config check failed: ${errText(e)}`,
          path: '',
          offset: 0,
          length: 0,
          line: 1,
          column: 1,
        },
      ];
    }
    if (this.disposed || doc.isClosed || doc.version !== version) return found;
    const shownFailure = this.runFailures.get(doc.uri.toString());
    const fromRuns = shownFailure ? [runFailureDiagnostic(shownFailure, doc.getText())] : [];
    // VS Code's own JSON support already reports syntax errors in the editor; showing ours too would double them.
    const shown = found.filter((d) => d.code !== 'json');
    this.collection.set(
      doc.uri,
      [...shown, ...fromRuns].map((d) => this.toVscode(doc, d)),
    );
    return found;
  }

  /**
   * The failed run whose diagnosis each config (by URI) shows, replacing the whole set; the configs whose entry changed
   * are checked again (opened in the background when closed, so Problems lists them).
   */
  setRunFailures(failures: ReadonlyMap<string, ShownFailure>): void {
    const changed: string[] = [];
    for (const [key, f] of failures) {
      const old = this.runFailures.get(key);
      if (old?.runId !== f.runId || old.failure !== f.failure) changed.push(key);
    }
    for (const key of this.runFailures.keys()) if (!failures.has(key)) changed.push(key);
    this.runFailures = new Map(failures);
    for (const key of changed) {
      const uri = vscode.Uri.parse(key);
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
      if (open) void this.refresh(open);
      else if (failures.has(key)) {
        logFailure(
          `Showing a run failure on ${uri.fsPath}`,
          this.log,
          Promise.resolve(vscode.workspace.openTextDocument(uri)).then((doc) => this.refresh(doc)),
        );
      }
    }
  }

  private toVscode(doc: vscode.TextDocument, d: CoreDiagnostic): vscode.Diagnostic {
    const severity =
      d.severity === 'error'
        ? vscode.DiagnosticSeverity.Error
        : d.severity === 'warning'
          ? vscode.DiagnosticSeverity.Warning
          : vscode.DiagnosticSeverity.Information;
    const diag = new vscode.Diagnostic(rangeFromOffsets(doc, d.offset, d.length), d.message, severity);
    diag.source = SOURCE;
    diag.code = d.code;
    // A gated model's page, where access is requested, as the code's link.
    const page = d.code === 'hub-gated' ? /request access on (https?:\/\/[^\s,]+)/.exec(d.message)?.[1] : undefined;
    if (page) diag.code = { value: d.code, target: vscode.Uri.parse(page) };
    if (d.fix) this.fixes.set(diag, d.fix);
    return diag;
  }

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diag of context.diagnostics) {
      const code = typeof diag.code === 'object' ? diag.code.value : diag.code;
      if (diag.source === SOURCE && typeof code === 'string' && SIGN_IN_CODES.has(code)) {
        const action = new vscode.CodeAction('SDXL: Sign in to Hugging Face', vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diag];
        action.command = { title: 'SDXL: Sign in to Hugging Face', command: 'sdxl.hubSignIn' };
        actions.push(action);
      }
      const fix = this.fixes.get(diag);
      if (!fix) continue;
      const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [diag];
      action.isPreferred = true;
      action.edit = new vscode.WorkspaceEdit();
      for (const e of fixToTextEdits(doc.getText(), fix)) {
        action.edit.replace(doc.uri, rangeFromOffsets(doc, e.offset, e.length), e.content);
      }
      actions.push(action);
    }
    return actions;
  }

  dispose(): void {
    this.disposed = true;
    this.validation.dispose();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const s of this.subscriptions) s.dispose();
  }
}
