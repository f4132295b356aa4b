// The alert webhook in the editor: its URL (it embeds a token) kept in SecretStorage only and added to the window's
// known secrets so every log masks it; set, cleared and tried by commands; posted at each run end seen live, in a
// trusted workspace only. A failed post is logged each time and shown once per window.
import * as vscode from 'vscode';
import { postWebhook, webhookBody, webhookUrlProblem } from '../../core/view/alertWebhook';
import { alertText, type RunAlert } from '../../core/view/runAlert';
import type { KnownSecrets } from '../../core/util/redact';
import type { Log } from '../listenerErrors';

/** The SecretStorage key of the webhook URL. */
export const WEBHOOK_SECRET = 'sdxl.alerts.webhookUrl';

/** The URL and the parts of it a log might quote alone (its path and query hold the token). */
function secretPartsOf(url: string): string[] {
  try {
    const u = new URL(url);
    return [url, `${u.pathname}${u.search}`, u.pathname].filter((p) => p.length > 1);
  } catch {
    return [url];
  }
}

export class AlertWebhook implements vscode.Disposable {
  private url: string | undefined;
  private readonly loaded: Promise<void>;
  private failureShown = false;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly storage: vscode.SecretStorage,
    private readonly secrets: KnownSecrets,
    private readonly log: Log,
  ) {
    this.loaded = this.reload();
    // Another window of this VS Code set or cleared it.
    this.subscription = storage.onDidChange((e) => {
      if (e.key === WEBHOOK_SECRET) void this.reload();
    });
  }

  private async reload(): Promise<void> {
    this.url = (await this.storage.get(WEBHOOK_SECRET)) || undefined;
    if (this.url) this.secrets.add(secretPartsOf(this.url));
  }

  /** "SDXL: Set Alert Webhook URL…". */
  async set(): Promise<void> {
    const entered = await vscode.window.showInputBox({
      title: 'Alert webhook URL (Discord, Slack or any endpoint taking a JSON POST)',
      prompt: "Kept in VS Code's secret storage, never in settings. A run's end is posted to it.",
      placeHolder: 'https://discord.com/api/webhooks/… or https://hooks.slack.com/services/…',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? undefined : webhookUrlProblem(v)),
    });
    const url = entered?.trim();
    if (!url) return;
    this.secrets.add(secretPartsOf(url));
    await this.storage.store(WEBHOOK_SECRET, url);
    this.url = url;
    this.failureShown = false;
    const action = await vscode.window.showInformationMessage(`SDXL: alert webhook set (${new URL(url).host}).`, 'Send Test Alert');
    if (action) await this.sendTest();
  }

  /** "SDXL: Clear Alert Webhook URL". */
  async clear(): Promise<void> {
    await this.storage.delete(WEBHOOK_SECRET);
    this.url = undefined;
    void vscode.window.showInformationMessage('SDXL: alert webhook cleared.');
  }

  /** "SDXL: Send Test Alert": a made-up run's end, posted now, with the answer shown. */
  async sendTest(): Promise<void> {
    await this.loaded;
    if (!this.url) {
      const set = await vscode.window.showInformationMessage('SDXL: no alert webhook is set.', 'Set Alert Webhook URL…');
      if (set) await this.set();
      return;
    }
    if (!vscode.workspace.isTrusted) return void vscode.window.showWarningMessage('SDXL: alerts are posted only in a trusted workspace.');
    const alert: RunAlert = { id: 'test', name: 'test alert', outcome: 'succeeded', step: 500, totalSteps: 500, durationSec: 3725, failureTitle: null };
    const r = await postWebhook(this.url, webhookBody(this.url, alert));
    if (r.ok) void vscode.window.showInformationMessage(`SDXL: test alert sent (HTTP ${r.status}).`);
    else {
      this.log(`Alert webhook test failed: ${r.reason}`);
      void vscode.window.showWarningMessage(`SDXL: the test alert was not delivered: ${this.secrets.redact(r.reason)}`);
    }
  }

  /** A run's end: posted when a URL is set and the workspace is trusted; never throws. */
  async post(alert: RunAlert): Promise<void> {
    await this.loaded;
    const url = this.url;
    if (!url || !vscode.workspace.isTrusted) return;
    const r = await postWebhook(url, webhookBody(url, alert));
    if (r.ok) return;
    this.log(`Alert webhook: "${alertText(alert)}" not delivered: ${r.reason}`);
    if (this.failureShown) return;
    this.failureShown = true;
    void vscode.window.showWarningMessage(
      `SDXL: the alert webhook did not take the run's end (${this.secrets.redact(r.reason)}). Further failures go to the log only.`,
    );
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
