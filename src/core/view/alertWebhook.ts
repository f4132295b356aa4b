// A run's end (runAlert.ts) as a message for a chat webhook: a JSON body Discord and Slack both take, and one POST with
// node's http/https (no dependency), bounded in time, retried at most once, never thrown. The URL embeds a token:
// whatever this module says about a failure names the host only; callers mask the URL in their logs too.
import * as http from 'node:http';
import * as https from 'node:https';
import { alertText, type RunAlert } from './runAlert';

export type WebhookFlavour = 'discord' | 'slack' | 'both';

/** Discord's hosts take `{content}`, Slack's incoming webhooks `{text}`; any other host gets both fields. */
export function webhookFlavour(url: string): WebhookFlavour {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return 'both';
  }
  const is = (domain: string) => host === domain || host.endsWith(`.${domain}`);
  if (is('discord.com') || is('discordapp.com')) return 'discord';
  if (host === 'hooks.slack.com') return 'slack';
  return 'both';
}

/** The JSON body for `url`: the alert's text in `content` (Discord), `text` (Slack) or both, plus the run's facts for other receivers. */
export function webhookBody(url: string, a: RunAlert): Record<string, unknown> {
  const text = alertText(a);
  const flavour = webhookFlavour(url);
  if (flavour === 'discord') return { content: text };
  if (flavour === 'slack') return { text };
  return { content: text, text, run: a };
}

/** Whether a text is a URL a webhook can be posted to (http or https, a host). */
export function webhookUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `${u.protocol} is not http or https`;
  if (!u.hostname) return 'no host';
  return undefined;
}

export type WebhookResult = { ok: true; status: number; attempts: number } | { ok: false; reason: string; attempts: number };

export interface PostOptions {
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  /** Attempts after the first, on a network error, a timeout, a 429 or a 5xx: at most 1. Default 1. */
  retries?: number;
}

type Attempt = { status: number } | { error: string };

function postOnce(url: URL, payload: string, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const lib = url.protocol === 'https:' ? https : http;
    let settled = false;
    const done = (a: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const req = lib.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'user-agent': 'sdxl-trainer' } },
      (res) => {
        // The answer's body is not needed: drained so the socket is freed.
        res.resume();
        res.on('end', () => done({ status: res.statusCode ?? 0 }));
        res.on('error', () => done({ status: res.statusCode ?? 0 }));
      },
    );
    // One deadline for connect, send and answer together (a socket timeout alone restarts with every byte).
    const timer = setTimeout(() => {
      req.destroy();
      done({ error: `no answer within ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code ?? 'network error' }));
    req.end(payload);
  });
}

/** POSTs `body` as JSON to `url`. Never throws; a failure's reason names the host, never the URL's path (its token). */
export async function postWebhook(url: string, body: unknown, opts: PostOptions = {}): Promise<WebhookResult> {
  const problem = webhookUrlProblem(url);
  if (problem) return { ok: false, reason: `webhook URL: ${problem}`, attempts: 0 };
  const u = new URL(url.trim());
  const payload = JSON.stringify(body);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const attempts = 1 + Math.max(0, Math.min(1, opts.retries ?? 1));
  let reason = '';
  for (let i = 1; i <= attempts; i++) {
    const a = await postOnce(u, payload, timeoutMs);
    if ('status' in a && a.status >= 200 && a.status < 300) return { ok: true, status: a.status, attempts: i };
    reason = 'status' in a ? `${u.host} answered HTTP ${a.status}` : `${u.host}: ${a.error}`;
    // A 4xx other than 429 will not change on a second try (a wrong or revoked URL).
    const retryable = 'error' in a || a.status === 429 || a.status >= 500;
    if (!retryable) return { ok: false, reason, attempts: i };
  }
  return { ok: false, reason, attempts };
}
