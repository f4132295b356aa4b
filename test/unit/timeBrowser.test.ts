// The dashboard's time fields in the real bundle in Chromium (fake acquireVsCodeApi, production CSP): start time,
// elapsed (ticking) or duration, recent and average speed in the chosen unit, ETA, pauses, what a run waits for before
// its first step, and the header naming the run the numbers belong to when several are shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { checkHostMessage, type HostMessage, type RunStatusView, type RunView } from '../../src/shared/dashboardProtocol';
import { openWebviewPage, screenshot, skipWithoutChromium as skip, type WebviewPage } from '../webviewPage';

let web: WebviewPage;
let page: Page;

function run(id: string, label: string, status: RunStatusView): RunView {
  return { id, label, loaded: true, status, series: {}, gallery: [], checkpoints: [], markers: [], gpu: [] };
}

async function send(msg: HostMessage): Promise<void> {
  assert.equal(checkHostMessage(msg), undefined, 'a message the host may send');
  await web.send(msg);
}

const field = (name: string) => page.locator(`.status-panel dd[data-field="${name}"]`);
const text = async (name: string) => (await field(name).textContent())?.trim();

before(async () => {
  if (skip) return;
  web = await openWebviewPage({ entry: 'webview/src/main.ts', bundle: 'dashboard', tempPrefix: 'time-browser-', viewport: { width: 1100, height: 800 } });
  page = web.page;
  await web.ready();
});

after(() => web?.close());

test('a running run: start time, elapsed that ticks, recent and average speed, ETA and pauses', { skip }, async () => {
  const startedAt = Date.now() - 125_000;
  const status: RunStatusView = {
    outcome: 'running',
    phase: 'training',
    step: 12,
    totalSteps: 100,
    secondsPerIt: 2,
    avgSecondsPerIt: 2.1,
    etaSeconds: 176,
    startedAt,
    validationPause: { count: 1, seconds: 60 },
    checkpointPause: { count: 2, seconds: 4 },
  };
  await send({ type: 'init', runs: [run('a', 'lora-dog', status)], speedUnit: 'auto' });
  await field('speed').filter({ hasText: '2.00 s/it' }).waitFor();
  assert.equal(await text('average'), '2.10 s/it');
  assert.equal(await text('eta'), '2m 56s');
  assert.equal(await text('pauses'), '1 validation, 1m 00s · 2 saves, 4s');
  assert.equal(
    await text('started'),
    await page.evaluate((ms) => new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }), startedAt),
  );
  assert.match((await text('elapsed'))!, /^2m 0\ds$/);
  // Elapsed goes on between the host's updates.
  const first = await text('elapsed');
  await page.waitForFunction((t) => document.querySelector('.status-panel dd[data-field="elapsed"]')?.textContent?.trim() !== t, first);
  assert.equal(await page.locator('[data-field="numbers-of"]').count(), 0, 'one run shown: no need to say whose numbers');
  // The unit setting changes, every speed follows.
  await send({ type: 'speedUnit', unit: 'it/s' });
  await field('speed').filter({ hasText: '0.50 it/s' }).waitFor();
  assert.equal(await text('average'), '0.48 it/s');
  await screenshot(page.locator('.status-panel'), 'time-status');
});

test('before the first step: what the run waits for, never a "?"', { skip }, async () => {
  await send({ type: 'init', runs: [run('b', 'sdxl-full', { outcome: 'running', phase: 'starting', startedAt: Date.now() - 5_000 })], speedUnit: 'auto' });
  await field('eta').filter({ hasText: 'starting…' }).waitFor();
  await send({ type: 'delta', runId: 'b', status: { outcome: 'running', phase: 'training', step: 0, totalSteps: 40, startedAt: Date.now() - 60_000 } });
  await field('eta').filter({ hasText: 'waiting for first step' }).waitFor();
  assert.equal(await text('speed'), 'waiting for first step');
  const all = await page.locator('.status-panel').textContent();
  assert.doesNotMatch(all!, /\?/);
});

test('an ended run shows its duration and no ETA; several runs shown: the header names whose numbers these are', { skip }, async () => {
  const ended = run('c', 'lora-cat', {
    outcome: 'succeeded',
    step: 40,
    totalSteps: 40,
    startedAt: 1_800_000_000_000,
    endedAt: 1_800_000_000_000 + 3_723_000,
    avgSecondsPerIt: 0.5,
  });
  const other = run('d', 'lora-cow', { outcome: 'running', phase: 'training', step: 3, totalSteps: 40 });
  await send({ type: 'init', runs: [ended, other], focusRunId: 'c', speedUnit: 's/it' });
  await field('duration').filter({ hasText: '1h 02m' }).waitFor();
  assert.equal(await text('eta'), '–');
  assert.equal(await text('average'), '0.50 s/it');
  assert.equal(await page.locator('[data-field="numbers-of"]').count(), 0);
  await send({ type: 'select', runIds: ['c', 'd'] });
  await page.locator('[data-field="numbers-of"]', { hasText: 'Numbers of: lora-cat' }).waitFor();
  assert.deepEqual(web.pageErrors, []);
});
