// The training environment in the editor (core/env): "SDXL: Check Environment" (a report in a read-only Markdown
// document, with the problems' fixes offered), and the facts the config diagnostics use (a probe of each config's
// interpreter in the background). Nothing runs Python in an untrusted workspace.
import * as vscode from 'vscode';
import { parseConfigText } from '../core/config/config';
import { doctorTarget, runDoctor, type DoctorReport } from '../core/env/doctor';
import type { EnvCheck, EnvFix } from '../core/env/assess';
import { EnvFactsCache } from '../core/env/envFactsCache';
import type { EnvironmentFacts } from '../core/env/facts';
import { problemCounts, reportMarkdown } from '../core/env/report';
import { isConfigDocument } from './configDocuments';
import type { Log } from './listenerErrors';
import { onDidChangeSettings, setting } from './settings';

const SCHEME = 'sdxl-env';

export class EnvironmentChecks implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly arrived = new vscode.EventEmitter<string>();
  /** A config's environment facts arrived or changed: check it again. */
  readonly onDidChangeFacts = this.arrived.event;
  private readonly facts: EnvFactsCache;
  private readonly reports = new Map<string, string>();
  private readonly changedDoc = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changedDoc.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** pip terminals started from a fix, by terminal: the interpreter whose facts go stale when it closes. */
  private readonly fixTerminals = new Map<vscode.Terminal, string>();
  private shown = 0;

  constructor(private readonly log: Log = () => undefined) {
    this.facts = new EnvFactsCache({
      maySpawn: () => vscode.workspace.isTrusted,
      onArrived: (keys) => {
        for (const k of keys) this.arrived.fire(k);
      },
    });
    this.subscriptions.push(
      this.arrived,
      this.changedDoc,
      vscode.workspace.registerTextDocumentContentProvider(SCHEME, this),
      vscode.workspace.onDidCloseTextDocument((d) => this.facts.forget(d.uri.toString())),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.everyConfig()),
      onDidChangeSettings((changed) => {
        if (changed.has('environment.probeInBackground')) this.everyConfig();
      }),
      vscode.window.onDidCloseTerminal((t) => {
        const python = this.fixTerminals.get(t);
        if (python === undefined) return;
        this.fixTerminals.delete(t);
        // Something was installed (or tried): what was known of the interpreter is stale.
        this.facts.invalidate(python);
      }),
    );
  }

  /** The facts to check the config with now; never waits (onDidChangeFacts fires when a probe arrives). */
  current(doc: vscode.TextDocument): EnvironmentFacts | undefined {
    if (!setting('environment.probeInBackground')) return undefined;
    try {
      return this.facts.current(doc.uri.toString(), doc.getText(), doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined);
    } catch (e) {
      this.log(`Environment facts of ${doc.uri.fsPath} failed (no environment checks): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return undefined;
    }
  }

  private everyConfig(): void {
    for (const d of vscode.workspace.textDocuments) if (isConfigDocument(d)) this.arrived.fire(d.uri.toString());
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.reports.get(uri.toString()) ?? '# SDXL Environment\n\nThis report is gone; run "SDXL: Check Environment" again.\n';
  }

  /** "SDXL: Check Environment": the config's interpreter (or the Python extension's), probed with a cancellable progress. */
  async check(uri?: vscode.Uri): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('SDXL: checking the environment runs its Python interpreter; trust this workspace first.');
      return;
    }
    const doc = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    const configDoc = doc && isConfigDocument(doc) && doc.uri.scheme === 'file' ? doc : undefined;
    const config = configDoc ? parseConfigText(configDoc.getText()).config : undefined;
    const editorInterpreter = await this.editorInterpreter(configDoc?.uri);
    const target = doctorTarget({
      ...(config && configDoc ? { config: { config, path: configDoc.uri.fsPath } } : {}),
      ...(editorInterpreter ? { editorInterpreter } : {}),
    });
    if ('error' in target) {
      void vscode.window.showErrorMessage(`SDXL: ${target.error}`);
      return;
    }
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `SDXL: checking the environment of ${target.python}…`, cancellable: true },
      (_progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        return runDoctor(target, { signal: abort.signal }).finally(() => sub.dispose());
      },
    );
    if (report.checks.length === 1 && /was cancelled/.test(report.checks[0]!.message)) return;
    if (report.probe) this.facts.put(target, report);
    await this.show(report);
    await this.offerFixes(report);
  }

  private async show(report: DoctorReport): Promise<void> {
    // The title is the file name: the interpreter's path, its separators shown as look-alikes.
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/SDXL Environment — ${report.python.replace(/[/\\]/g, '∕')}.md`, query: String(++this.shown) });
    this.reports.set(uri.toString(), reportMarkdown(report));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.window.showTextDocument(doc, { preview: false });
  }

  private async offerFixes(report: DoctorReport): Promise<void> {
    const fixable = report.checks.filter((c): c is EnvCheck & { fix: EnvFix } => c.status !== 'ok' && c.fix !== undefined);
    const errors = report.checks.filter((c) => c.status === 'error').length;
    const counts = problemCounts(report);
    if (counts === undefined) {
      void vscode.window.showInformationMessage(`SDXL: the environment of ${report.python} looks ready.`);
      return;
    }
    const sim = report.simulation !== undefined ? ` ${report.simulation} runs a simulation, which needs none of it.` : '';
    const say = `SDXL: ${counts} in the environment of ${report.python}.${sim}`;
    const show = errors > 0 ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    if (fixable.length === 0) {
      void show(say);
      return;
    }
    const FIX = fixable.length === 1 ? fixable[0]!.fix.title : 'Fix…';
    if ((await show(say, FIX)) !== FIX) return;
    const chosen =
      fixable.length === 1
        ? fixable[0]
        : (
            await vscode.window.showQuickPick(
              fixable.map((c) => ({ label: c.fix.title, description: c.id, detail: c.message, check: c })),
              { title: `Fix the environment of ${report.python}` },
            )
          )?.check;
    if (chosen) await this.applyFix(chosen.fix, report.python);
  }

  /** A pip install (or accelerate config) runs in a terminal the user watches: the argv itself, no shell. */
  private async applyFix(fix: EnvFix, python: string): Promise<void> {
    if (fix.kind === 'argv') {
      const terminal = vscode.window.createTerminal({ name: `SDXL: ${fix.title}`, shellPath: fix.argv[0]!, shellArgs: fix.argv.slice(1) });
      this.fixTerminals.set(terminal, python);
      terminal.show();
    } else if (fix.kind === 'link') {
      await vscode.env.openExternal(vscode.Uri.parse(fix.url));
    } else if ((await vscode.commands.getCommands(true)).includes(fix.command)) {
      await vscode.commands.executeCommand(fix.command);
    } else {
      void vscode.window.showWarningMessage(`SDXL: "${fix.title}" is not available in this version of the extension.`);
    }
  }

  /** The Python extension's interpreter for the folder, when it is installed. */
  private async editorInterpreter(uri: vscode.Uri | undefined): Promise<string | undefined> {
    if (!(await vscode.commands.getCommands(true)).includes('python.interpreterPath')) return undefined;
    const folder = uri ? vscode.workspace.getWorkspaceFolder(uri) : vscode.workspace.workspaceFolders?.[0];
    return vscode.commands.executeCommand<unknown>('python.interpreterPath', folder ? { workspaceFolder: folder.uri.fsPath } : undefined).then(
      (p) => (typeof p === 'string' && p ? p : undefined),
      () => undefined,
    );
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
