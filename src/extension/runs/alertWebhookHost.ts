// The alert webhook in the editor: its URL (it embeds a token) kept in SecretStorage only and added to the window's
// known secrets so every log masks it; set, cleared and tried by commands; posted at each run end seen live, in a
// trusted workspace only. A failed post is logged each time and shown once per window.
import * as vscode from 'vscode';
import { postWebhook, webhookBody, webhookUrlProblem } from '../../core/view/alertWebhook';
import { alertText, type RunAlert } from '../../core/view/runAlert';
import type { KnownSecrets } from '../../core/util/redact';
import type { Log } from '../listenerErrors';
import { errText } from '../../core/util/errText';

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

/** How long VS Code's secret storage may take (a browser's may wait on a key from its server) before we go on without it. */
const STORAGE_MS = 10_000;

function bounded<T>(work: Thenable<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${STORAGE_MS / 1000} s`)), STORAGE_MS);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
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

  /** Never rejects and never waits long: a run's end must not wait on the secret storage. */
  private async reload(): Promise<void> {
    try {
      this.url = (await bounded(this.storage.get(WEBHOOK_SECRET), 'the secret storage')) || undefined;
      if (this.url) this.secrets.add(secretPartsOf(this.url));
    } catch (e) {
      this.log(`Could not read the alert webhook URL from VS Code's secret storage: ${errText(e)}`);
    }
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
    this.url = url;
    this.failureShown = false;
    // Kept nowhere else: when the secret storage fails, the URL serves this window only, and the user is told so.
    const kept = await bounded(this.storage.store(WEBHOOK_SECRET, url), 'the secret storage').then(
      () => true,
      (e: unknown) => {
        this.log(`Could not keep the alert webhook URL in VS Code's secret storage: ${errText(e)}`);
        return false;
      },
    );
    const host = new URL(url).host;
    const said = kept
      ? `SDXL: alert webhook set (${host}).`
      : `SDXL: alert webhook set (${host}) for this window only: VS Code's secret storage did not keep it.`;
    const action = await vscode.window.showInformationMessage(said, 'Send Test Alert');
    if (action) await this.sendTest();
  }

  /** "SDXL: Clear Alert Webhook URL". */
  async clear(): Promise<void> {
    this.url = undefined;
    await bounded(this.storage.delete(WEBHOOK_SECRET), 'the secret storage');
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
