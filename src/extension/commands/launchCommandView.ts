// "SDXL: Show Launch Command": what Start runs (working folder, environment, `accelerate launch …`) for bash and
// PowerShell, with copy buttons; secrets masked (copyableCommand). The panel follows the config as it is edited. A config
// of the `slurm` profile shows the job script Start submits and the sbatch command instead (slurmCopy.ts).
import * as vscode from 'vscode';
import { buildLaunchPlan, type LaunchPlan } from '../../core/launch/launchPlan';
import { copyableCommand } from '../../core/launch/launchCopy';
import { parseDocument, pickConfigDocument } from '../configDocuments';
import { contentSecurityPolicy, escapeHtml, makeNonce } from '../webviewUtil';
import { errText } from '../../core/util/errText';
import { slurmLaunchText } from '../../core/launch/slurmCopy';
import { workspaceRecordsDir } from '../../core/supervisor/runRecord';

/** What a Copy button copies: the command for a shell, or a Slurm config's job script and its submit command. */
type Shell = 'bash' | 'powershell' | 'script' | 'submit';
const SHELLS: readonly string[] = ['bash', 'powershell', 'script', 'submit'];
const COPIED: Record<Shell, string> = {
  bash: 'the bash launch command',
  powershell: 'the PowerShell launch command',
  script: 'the Slurm job script',
  submit: 'the sbatch command',
};
type FromWebview = { type: 'copy'; shell: Shell };

function isFromWebview(m: unknown): m is FromWebview {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'copy' && SHELLS.includes(String((m as { shell?: unknown }).shell));
}

export class LaunchCommandView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private doc: vscode.TextDocument | undefined;
  private commands: Partial<Record<Shell, string>> | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.panel && e.document === this.doc) this.render();
      }),
    );
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
    try {
      await vscode.env.clipboard.writeText(text);
    } catch (e) {
      // A clipboard the remote or browser refuses: say so rather than leave the click without an answer.
      void vscode.window.showErrorMessage(`SDXL: could not copy ${COPIED[m.shell]}: ${errText(e)}`);
      return;
    }
    void vscode.window.setStatusBarMessage(`Copied ${COPIED[m.shell]}`, 3000);
  }

  private render(): void {
    if (!this.panel || !this.doc) return;
    const webview = this.panel.webview;
    const nonce = makeNonce();
    const name = vscode.workspace.asRelativePath(this.doc.uri);
    this.panel.title = `Launch: ${name.split('/').pop()}`;
    const parsed = parseDocument(this.doc);
    let body: string;
    if (!parsed.config) {
      this.commands = undefined;
      body = `<p class="error">${escapeHtml(parsed.problems[0]?.message ?? 'Not a valid training config.')}</p>`;
    } else {
      try {
        const plan = buildLaunchPlan(parsed.config, this.doc.uri.fsPath);
        body = plan.slurm
          ? this.slurmBody(
              plan,
              parsed.config.name ??
                name
                  .split('/')
                  .pop()!
                  .replace(/\.sdxl\.json$/, ''),
            )
          : this.localBody(plan);
      } catch (e) {
        this.commands = undefined;
        body = `<p class="error">${escapeHtml(errText(e))}</p>`;
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
  .copy { display: flex; align-items: center; gap: 12px; }
  .note { color: var(--vscode-descriptionForeground); font-size: 0.9em; max-width: 40em; }
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

  /** What Start runs here: the command line for bash and PowerShell. */
  private localBody(plan: LaunchPlan): string {
    const command = copyableCommand(plan);
    this.commands = { bash: command.bash, powershell: command.powershell };
    const note =
      command.masked.length === 0
        ? ''
        : `Secrets are masked (${command.masked.join(', ')}): put the real value in before running it, or log in with \`hf auth login\` and drop the token from the config.`;
    return `
          <p>Start runs this in <code>${escapeHtml(plan.cwd)}</code>, with the editor's environment plus the variables set below.</p>
          ${section('bash', 'bash (Linux, macOS, WSL)', command.bash, note)}
          ${section('powershell', 'PowerShell (Windows)', command.powershell, note)}`;
  }

  /** Launch profile "slurm": the job script Start writes into the run's record folder, and the sbatch that submits it. */
  private slurmBody(plan: LaunchPlan, jobName: string): string {
    const folder = this.doc ? vscode.workspace.getWorkspaceFolder(this.doc.uri)?.uri.fsPath : undefined;
    const recordsDir = workspaceRecordsDir(folder ?? plan.cwd);
    const text = slurmLaunchText(plan, { recordsDir, jobName });
    this.commands = { script: text.script, submit: text.submit };
    const notes = [
      text.masked.length ? `Secrets are masked (${text.masked.join(', ')}).` : '',
      text.leftOut.length ? `Not written into the script (secret): ${text.leftOut.join(', ')}; Start passes them in sbatch's environment.` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return `
          <p>Start submits this config to Slurm: it writes the job script into the run's record folder (<code>&lt;run id&gt;</code> is made at Start) and runs <code>sbatch</code> there. Slurm writes the console into the same folder, which the editor follows.</p>
          ${section('script', 'Job script (job.sbatch)', text.script, notes)}
          ${section('submit', 'Submit', text.submit, '')}`;
  }

  dispose(): void {
    this.panel?.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

function section(shell: Shell, title: string, command: string, note: string): string {
  const noteHtml = note ? `<span class="note" id="n-${shell}">${escapeHtml(note)}</span>` : '';
  return `<div class="head"><h3 id="h-${shell}">${escapeHtml(title)}</h3>
    <span class="copy">${noteHtml}<button data-shell="${shell}" aria-describedby="h-${shell}${note ? ` n-${shell}` : ''}">Copy</button></span></div>
    <pre aria-labelledby="h-${shell}" data-command="${shell}">${escapeHtml(command)}</pre>`;
}
