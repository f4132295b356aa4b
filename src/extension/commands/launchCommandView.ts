// "SDXL: Show Launch Command": the exact `accelerate launch …` for bash and PowerShell, with copy buttons.
// The panel follows the config: it re-renders when the document changes. Secret values (HF_TOKEN, …) are masked, in the
// panel and in what Copy puts on the clipboard (both are screen-shared and pasted); the CLI's
// `command --show-secrets` prints them.
import * as vscode from 'vscode';
import { buildLaunchPlan } from '../../core/launchPlan';
import { formatCommandLine } from '../../core/shellQuote';
import { isSecretEnvName, redactArgv, redactEnv, secretsOf } from '../../core/redact';
import { parseDocument, pickConfigDocument } from '../configDocuments';
import { contentSecurityPolicy, escapeHtml, makeNonce } from '../webviewUtil';

type Shell = 'bash' | 'powershell';
type FromWebview = { type: 'copy'; shell: Shell };

function isFromWebview(m: unknown): m is FromWebview {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'copy'
    && ((m as { shell?: unknown }).shell === 'bash' || (m as { shell?: unknown }).shell === 'powershell');
}

export class LaunchCommandView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private doc: vscode.TextDocument | undefined;
  private commands: Record<Shell, string> | undefined;
  /** The plan carries secret values, masked in the panel and in what Copy copies. */
  private masked = false;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.subscriptions.push(vscode.workspace.onDidChangeTextDocument((e) => {
      if (this.panel && e.document === this.doc) this.render();
    }));
  }

  async show(uri?: vscode.Uri): Promise<void> {
    const doc = await pickConfigDocument(uri);
    if (!doc) return;
    this.doc = doc;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('sdxl.launchCommand', 'Launch Command', vscode.ViewColumn.Beside, {
        enableScripts: true,
        localResourceRoots: [],
      });
      this.panel.onDidDispose(() => (this.panel = undefined), null, this.subscriptions);
      this.panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m), null, this.subscriptions);
    }
    this.render();
    this.panel.reveal(vscode.ViewColumn.Beside);
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isFromWebview(m)) return; // anything else from the webview is ignored
    const text = this.commands?.[m.shell];
    if (text === undefined) return;
    await vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage(`Copied the ${m.shell === 'bash' ? 'bash' : 'PowerShell'} launch command${this.masked ? ' (secret values masked)' : ''}`, 3000);
  }

  private render(): void {
    if (!this.panel || !this.doc) return;
    const webview = this.panel.webview;
    const nonce = makeNonce();
    const name = vscode.workspace.asRelativePath(this.doc.uri);
    this.panel.title = `Launch: ${name.split('/').pop()}`;
    const parsed = parseDocument(this.doc);
    this.masked = false;
    let body: string;
    if (!parsed.config) {
      this.commands = undefined;
      body = `<p class="error">${escapeHtml(parsed.problems[0]?.message ?? 'Not a valid training config.')}</p>`;
    } else {
      try {
        const plan = buildLaunchPlan(parsed.config, this.doc.uri.fsPath);
        const argv = redactArgv(plan.argv);
        this.commands = { bash: formatCommandLine(argv, 'bash'), powershell: formatCommandLine(argv, 'powershell') };
        const env = Object.entries(redactEnv(plan.env)).map(([k, v]) => `${k}=${v}`).join('  ');
        this.masked = secretsOf(plan.argv, plan.env).length > 0;
        const masked = this.masked
          ? `<p class="note" id="masked">Secret values (${escapeHtml(secretNames(plan.env).join(', '))}) are masked here and in what Copy copies. `
            + 'Start passes the real ones; <code>sdxl-trainer command FILE --show-secrets</code> prints them.</p>'
          : '';
        body = `
          <p>Working directory: <code>${escapeHtml(plan.cwd)}</code><br>Environment: <code>${escapeHtml(env)}</code></p>
          ${masked}
          ${section('bash', 'bash (Linux, macOS, WSL)', this.commands.bash)}
          ${section('powershell', 'PowerShell (Windows)', this.commands.powershell)}`;
      } catch (e) {
        this.commands = undefined;
        body = `<p class="error">${escapeHtml(e instanceof Error ? e.message : String(e))}</p>`;
      }
    }
    webview.html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${nonce}">
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 16px 16px; }
  pre { background: var(--vscode-textCodeBlock-background); padding: 8px 12px; overflow-x: auto; white-space: pre; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
  button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 12px; cursor: pointer; }
  button:hover { background: var(--vscode-button-hoverBackground); }
  button:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
  .head { display: flex; align-items: center; justify-content: space-between; margin-top: 16px; }
  .error { color: var(--vscode-errorForeground); }
  .note { color: var(--vscode-descriptionForeground); }
</style></head>
<body>
<h2>${escapeHtml(name)}</h2>
${body}
<script nonce="${nonce}">
  const vscode = acquireVsCodeApi();
  for (const b of document.querySelectorAll('button[data-shell]')) {
    b.addEventListener('click', () => vscode.postMessage({ type: 'copy', shell: b.dataset.shell }));
  }
</script>
</body></html>`;
  }

  dispose(): void {
    this.panel?.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

function secretNames(env: Record<string, string>): string[] {
  return Object.keys(env).filter(isSecretEnvName);
}

function section(shell: Shell, title: string, command: string): string {
  return `<div class="head"><h3 id="h-${shell}">${escapeHtml(title)}</h3>
    <button data-shell="${shell}" aria-describedby="h-${shell}">Copy</button></div>
    <pre aria-labelledby="h-${shell}" data-command="${shell}">${escapeHtml(command)}</pre>`;
}
