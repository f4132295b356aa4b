// The argument table of each config's own script (core/scriptHelp) in the editor: the table diagnostics use, a hover
// line and a language status item saying which table is in use, and completions for the arguments only the script has.
// The script's --help runs in the background (trusted workspaces only); its table is cached under global storage.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { DocumentTables } from '../core/scriptHelp/documentTables';
import { ScriptTableCache } from '../core/scriptHelp/scriptTableCache';
import { argHoverAt, scriptOnlyCompletions } from '../core/scriptHelp/argHover';
import { shortTableChoice, type ArgTableChoice } from '../core/scriptHelp/scriptTable';
import { isConfigDocument } from './configDocuments';
import { onDidChangeSettings, setting } from './settings';
import type { Log } from './listenerErrors';

const SELECTOR: vscode.DocumentSelector = { pattern: '**/*.sdxl.json' };

export class ScriptTables implements vscode.Disposable {
  private readonly documents: DocumentTables;
  private readonly arrived = new vscode.EventEmitter<string>();
  /** A config's script table arrived or may have changed (its script saved, trust granted): check it again. */
  readonly onDidChangeTable = this.arrived.event;
  private readonly status = vscode.languages.createLanguageStatusItem('sdxl.argumentTable', SELECTOR);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    storageDir: string,
    private readonly log: Log = () => undefined,
  ) {
    const cache = new ScriptTableCache({ cacheDir: join(storageDir, 'script-help') });
    this.documents = new DocumentTables(cache, {
      maySpawn: () => vscode.workspace.isTrusted,
      enabled: () => setting('scriptArguments.readHelp'),
      onArrived: (key) => this.arrived.fire(key),
    });
    this.status.name = 'SDXL argument table';
    this.showStatus(undefined);
    const everyConfig = (): void => {
      for (const d of vscode.workspace.textDocuments) if (isConfigDocument(d)) this.arrived.fire(d.uri.toString());
    };
    this.subscriptions.push(
      this.arrived,
      this.status,
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (d.uri.scheme === 'file') for (const key of this.documents.documentsOf(d.uri.fsPath)) this.arrived.fire(key);
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(everyConfig),
      onDidChangeSettings((changed) => {
        if (changed.has('scriptArguments.readHelp')) everyConfig();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.documents.forget(d.uri.toString())),
      vscode.window.onDidChangeActiveTextEditor((e) => this.showStatus(e?.document)),
      vscode.languages.registerHoverProvider(SELECTOR, { provideHover: (doc, pos) => this.hover(doc, pos) }),
      vscode.languages.registerCompletionItemProvider(SELECTOR, { provideCompletionItems: (doc, pos) => this.complete(doc, pos) }, '"'),
    );
  }

  /** The table to check the document with now; never waits for a --help (onDidChangeTable fires when one arrives). */
  async current(doc: vscode.TextDocument): Promise<ArgTableChoice | undefined> {
    let choice: ArgTableChoice | undefined;
    try {
      choice = await this.documents.current(doc.uri.toString(), doc.getText(), doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined);
    } catch (e) {
      // A bug here must not stop the config from being checked: the built-in table applies, and the bug is logged.
      this.log(`Argument table of ${doc.uri.fsPath} failed (the built-in table is used): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      choice = undefined;
    }
    if (vscode.window.activeTextEditor?.document === doc) this.showStatus(doc);
    return choice;
  }

  private showStatus(doc: vscode.TextDocument | undefined): void {
    const choice = doc ? this.documents.shown(doc.uri.toString()) : undefined;
    this.status.text = !choice ? 'Arguments: built-in table' : choice.source === 'script' ? "Arguments: the script's --help" : 'Arguments: built-in table';
    this.status.detail = choice ? shortTableChoice(choice) : undefined;
    this.status.severity =
      choice?.source === 'builtin' && /failed|could not be read/.test(choice.reason)
        ? vscode.LanguageStatusSeverity.Warning
        : vscode.LanguageStatusSeverity.Information;
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const choice = this.documents.shown(doc.uri.toString());
    if (!choice) return undefined;
    const h = argHoverAt(doc.getText(), doc.offsetAt(pos), choice);
    return h ? new vscode.Hover(h.paragraphs.map((p) => new vscode.MarkdownString(p))) : undefined;
  }

  private complete(doc: vscode.TextDocument, pos: vscode.Position): vscode.CompletionItem[] {
    const choice = this.documents.shown(doc.uri.toString());
    if (!choice) return [];
    const range = doc.getWordRangeAtPosition(pos, /"[\w-]*"?/);
    return scriptOnlyCompletions(doc.getText(), doc.offsetAt(pos), choice).map((c) => {
      const item = new vscode.CompletionItem(c.label, vscode.CompletionItemKind.Property);
      item.detail = c.detail;
      item.documentation = c.documentation;
      item.insertText = `"${c.label}"`;
      item.filterText = `"${c.label}"`;
      if (range) item.range = range;
      return item;
    });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
