// Problems-panel diagnostics for *.sdxl.json files, and the quick fixes that go with them.
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import { validateConfig, type Diagnostic as CoreDiagnostic, type Fix } from '../core/diagnostics';
import { fixToTextEdits } from '../core/fixes';
import { isConfigDocument, rangeFromOffsets } from './configDocuments';
import type { GpuInventory } from './gpus';

const SOURCE = 'sdxl';

function listDir(abs: string): string[] | undefined {
  try {
    return fs.readdirSync(abs);
  } catch {
    return undefined;
  }
}

export class DiagnosticsController implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];
  private readonly collection = vscode.languages.createDiagnosticCollection(SOURCE);
  private readonly fixes = new WeakMap<vscode.Diagnostic, Fix>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Problems from failed runs, per config URI, shown beside the config's own. */
  private readonly runDiagnostics = new Map<string, CoreDiagnostic[]>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly gpus: GpuInventory) {
    this.subscriptions.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        // A run failure describes the config as it was; once the config changes, it is history.
        if (e.contentChanges.length > 0) this.runDiagnostics.delete(e.document.uri.toString());
        this.schedule(e.document, 250);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
      vscode.languages.registerCodeActionsProvider({ pattern: '**/*.sdxl.json' }, this, {
        providedCodeActionKinds: DiagnosticsController.providedCodeActionKinds,
      }),
    );
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc, 0);
  }

  private schedule(doc: vscode.TextDocument, delayMs: number): void {
    if (!isConfigDocument(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.refresh(doc);
    }, delayMs));
  }

  /** Validates now and returns the core diagnostics (used by "SDXL: Validate Config"). */
  async refresh(doc: vscode.TextDocument): Promise<CoreDiagnostic[]> {
    const version = doc.version;
    const gpus = await this.gpus.get();
    let found: CoreDiagnostic[];
    try {
      found = validateConfig(doc.getText(), {
        ...(doc.uri.scheme === 'file' ? { configPath: doc.uri.fsPath, listDir } : {}),
        ...(gpus ? { gpus } : {}),
      });
    } catch (e) {
      // A bug in a rule must not take the editor down: show it as one problem instead.
      found = [{
        severity: 'error', code: 'internal', message: `SDXL config check failed: ${e instanceof Error ? e.message : String(e)}`,
        path: '', offset: 0, length: 0, line: 1, column: 1,
      }];
    }
    if (doc.isClosed || doc.version !== version) return found;
    const fromRuns = this.runDiagnostics.get(doc.uri.toString()) ?? [];
    // VS Code's own JSON support already reports syntax errors in the editor; showing ours too would double them.
    const shown = found.filter((d) => d.code !== 'json');
    this.collection.set(doc.uri, [...shown, ...fromRuns].map((d) => this.toVscode(doc, d)));
    return found;
  }

  /** Shows a failed run's diagnosis on its config (replacing earlier run problems there); editing the config clears it. */
  setRunDiagnostics(uri: vscode.Uri, diags: CoreDiagnostic[]): void {
    this.runDiagnostics.set(uri.toString(), diags);
    void vscode.workspace.openTextDocument(uri).then((doc) => this.refresh(doc), () => undefined);
  }

  private toVscode(doc: vscode.TextDocument, d: CoreDiagnostic): vscode.Diagnostic {
    const severity = d.severity === 'error' ? vscode.DiagnosticSeverity.Error
      : d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
    const diag = new vscode.Diagnostic(rangeFromOffsets(doc, d.offset, d.length), d.message, severity);
    diag.source = SOURCE;
    diag.code = d.code;
    if (d.fix) this.fixes.set(diag, d.fix);
    return diag;
  }

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diag of context.diagnostics) {
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
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const s of this.subscriptions) s.dispose();
  }
}
