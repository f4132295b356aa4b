// A run's end as an alert: when a state change is the end (once, live only), the text, the Discord/Slack bodies, and
// the POST against a loopback HTTP server: body and content type, a 500 retried once, a 4xx not retried, a timeout,
// and failure reasons that never quote the URL's token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { postWebhook, webhookBody, webhookFlavour, webhookUrlProblem } from '../../src/core/view/alertWebhook';
import { alertModeOf, alertNotifies, alertText, endAlertOf, type RunAlert } from '../../src/core/view/runAlert';
import { initialRunState, type RunState } from '../../src/core/run/state';

const ALERT: RunAlert = { id: 'r1', name: 'cat-lora', outcome: 'failed', step: 120, totalSteps: 500, durationSec: 3725, failureTitle: 'Out of GPU memory' };

function state(patch: Partial<RunState>): RunState {
  return { ...initialRunState(), ...patch };
}

test('alertText: run, outcome (with the failure title), step and duration', () => {
  assert.equal(alertText(ALERT), 'SDXL run "cat-lora" failed (Out of GPU memory) at step 120/500 after 1:02:05.');
  assert.equal(
    alertText({ ...ALERT, outcome: 'succeeded', step: 500, failureTitle: null, durationSec: 65 }),
    'SDXL run "cat-lora" succeeded at step 500/500 after 01:05.',
  );
  assert.equal(alertText({ ...ALERT, outcome: 'stopped', step: null, durationSec: null }), 'SDXL run "cat-lora" stopped.');
});

test('webhook bodies: {content} for Discord, {text} for Slack, both (and the facts) elsewhere', () => {
  assert.equal(webhookFlavour('https://discord.com/api/webhooks/1/abc'), 'discord');
  assert.equal(webhookFlavour('https://ptb.discordapp.com/api/webhooks/1/abc'), 'discord');
  assert.equal(webhookFlavour('https://hooks.slack.com/services/T/B/x'), 'slack');
  assert.equal(webhookFlavour('https://discord.com.evil.example/api'), 'both');
  assert.equal(webhookFlavour('not a url'), 'both');
  const text = alertText(ALERT);
  assert.deepEqual(webhookBody('https://discord.com/api/webhooks/1/abc', ALERT), { content: text });
  assert.deepEqual(webhookBody('https://hooks.slack.com/services/T/B/x', ALERT), { text });
  assert.deepEqual(webhookBody('http://127.0.0.1:9/hook', ALERT), { content: text, text, run: ALERT });
});

test('webhookUrlProblem: http(s) URLs only', () => {
  assert.equal(webhookUrlProblem('https://hooks.slack.com/services/T/B/x'), undefined);
  assert.equal(webhookUrlProblem('ftp://x/y'), 'ftp: is not http or https');
  assert.equal(webhookUrlProblem('hooks.slack.com/x'), 'not a URL');
});

test('endAlertOf: the end seen live, once; a failure only once its processes are gone; history never', () => {
  const run = { id: 'r1', name: 'cat', startedAt: '2026-01-01T00:00:00Z', endedAt: '2026-01-01T00:10:00Z' };
  const running = state({ state: 'training', step: 3, totalSteps: 4 });
  const finished = state({ state: 'finished', step: 4, totalSteps: 4, exit: { code: 0, signal: null } });
  assert.deepEqual(endAlertOf(running, finished, true, run), {
    id: 'r1',
    name: 'cat',
    outcome: 'succeeded',
    step: 4,
    totalSteps: 4,
    durationSec: 600,
    failureTitle: null,
  });
  assert.equal(endAlertOf(running, finished, false, run), undefined, 'read from history (a reload): no alert');
  assert.equal(endAlertOf(finished, finished, true, run), undefined, 'already over: no second alert');
  const failing = state({ state: 'failed', failure: { class: 'cuda_oom', message: 'm', remedy: 'r' } as RunState['failure'] });
  assert.equal(endAlertOf(running, failing, true, run), undefined, 'failed but still alive');
  const failed = { ...failing, exit: { code: 1, signal: null } };
  const a = endAlertOf(failing, failed, true, run);
  assert.equal(a?.outcome, 'failed');
  assert.equal(a?.failureTitle, 'Out of GPU memory');
  assert.equal(endAlertOf(running, state({ state: 'stopped' }), true, { id: 'r', name: 'n' }, 0)?.outcome, 'stopped');
});

test('alert modes: unfocused (default, and any other value) notifies only when the window is not focused', () => {
  assert.equal(alertModeOf('bogus'), 'unfocused');
  assert.equal(alertModeOf(undefined), 'unfocused');
  assert.equal(alertNotifies('unfocused', true), false);
  assert.equal(alertNotifies('unfocused', false), true);
  assert.equal(alertNotifies('always', true), true);
  assert.equal(alertNotifies('never', false), false);
});

interface Received {
  method: string;
  path: string;
  contentType: string | undefined;
  body: string;
}

/** A loopback server answering each request with the next status (the last one repeats), or never for 0. */
async function server(t: { after(fn: () => unknown): void }, statuses: number[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const s = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method!, path: req.url!, contentType: req.headers['content-type'], body });
      const status = statuses[Math.min(received.length, statuses.length) - 1]!;
      if (status === 0) return; // hangs
      res.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => {
    s.closeAllConnections();
    s.close();
  });
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/hooks/SECRET-token-123456`, received };
}

test('postWebhook: one JSON POST with its content type; a 2xx is delivered', async (t) => {
  const srv = await server(t, [204]);
  const body = webhookBody(srv.url, ALERT);
  const r = await postWebhook(srv.url, body);
  assert.deepEqual(r, { ok: true, status: 204, attempts: 1 });
  assert.equal(srv.received.length, 1);
  assert.equal(srv.received[0]!.method, 'POST');
  assert.equal(srv.received[0]!.path, '/hooks/SECRET-token-123456');
  assert.equal(srv.received[0]!.contentType, 'application/json');
  assert.deepEqual(JSON.parse(srv.received[0]!.body), body);
});

test('postWebhook: a 500 is retried once, then reported by host (never the token)', async (t) => {
  const srv = await server(t, [500]);
  const r = await postWebhook(srv.url, { text: 'x' });
  assert.equal(r.ok, false);
  assert.equal(r.attempts, 2);
  assert.equal(srv.received.length, 2, 'one retry, no storm');
  assert.match(!r.ok ? r.reason : '', /^127\.0\.0\.1:\d+ answered HTTP 500$/);
  const recovered = await server(t, [503, 200]);
  assert.deepEqual(await postWebhook(recovered.url, { text: 'x' }), { ok: true, status: 200, attempts: 2 });
});

test('postWebhook: a 4xx (a wrong or revoked URL) is not retried', async (t) => {
  const srv = await server(t, [404]);
  const r = await postWebhook(srv.url, { text: 'x' });
  assert.equal(r.ok, false);
  assert.equal(srv.received.length, 1);
  assert.doesNotMatch(!r.ok ? r.reason : '', /SECRET/);
});

test('postWebhook: a server that never answers times out (each attempt), and nothing throws', async (t) => {
  const srv = await server(t, [0]);
  const started = Date.now();
  const r = await postWebhook(srv.url, { text: 'x' }, { timeoutMs: 300 });
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : '', /no answer within/);
  assert.equal(r.attempts, 2);
  assert.ok(Date.now() - started < 5000);
  // Nothing listening: a network error, said by host.
  const closed = await postWebhook('http://127.0.0.1:9/hooks/SECRET', { text: 'x' }, { timeoutMs: 2000 });
  assert.equal(closed.ok, false);
  assert.match(!closed.ok ? closed.reason : '', /^127\.0\.0\.1:9: ECONNREFUSED$/);
  assert.equal((await postWebhook('nonsense', {})).ok, false);
});
