// The dashboard's run list in the real bundle (Chromium, fake acquireVsCodeApi, as webviewBrowser.test.ts): twelve runs
// get twelve distinct colours that stay with their runs, the list folds away (and stays folded after a reload) without
// pushing the charts down, and the focused run's name, tags and note are shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { HostMessage, RunView } from '../../src/shared/dashboardProtocol';
import { openWebviewPage, screenshot, skipWithoutChromium as skip, type WebviewPage } from '../webviewPage';

let web: WebviewPage;
let page: Page;

function run(id: string, label: string, extra: Partial<RunView> = {}): RunView {
  return {
    id,
    label,
    loaded: true,
    status: { outcome: 'running', phase: 'training' },
    series: {},
    gallery: [],
    checkpoints: [],
    markers: [],
    gpu: [],
    ...extra,
  };
}

const send = (msg: unknown) => web.send(msg);

before(async () => {
  if (skip) return;
  web = await openWebviewPage({ entry: 'webview/src/main.ts', bundle: 'dashboard', tempPrefix: 'dashboard-', viewport: { width: 1100, height: 900 } });
  page = web.page;
});

after(() => web?.close());

const RUN_IDS = Array.from({ length: 12 }, (_, i) => `run-${String(i + 1).padStart(2, '0')}`);
const twelve = (order: readonly string[]): HostMessage => ({
  type: 'init',
  runs: order.map((id, i) =>
    run(id, `lora ${id}`, {
      status: { outcome: 'succeeded', step: 10 },
      series: { train_loss: Array.from({ length: 20 }, (_, s) => [s, 0.2 - s * 0.005 + i * 0.01] as [number, number]) },
      ...(id === 'run-03' ? { tags: ['best', 'rank-32'], note: 'Sharper hands.\nKeep this one.' } : {}),
    }),
  ),
  focusRunId: 'run-03',
});
const swatches = () =>
  page.evaluate(() =>
    Object.fromEntries(
      Array.from(document.querySelectorAll<HTMLElement>('[data-run-swatch]')).map((el) => [el.dataset.runSwatch!, getComputedStyle(el).backgroundColor]),
    ),
  );

test('twelve runs get twelve distinct colours, and each run keeps its colour when the list changes order', { skip }, async () => {
  await web.ready();
  await send(twelve(RUN_IDS));
  await send({ type: 'select', runIds: RUN_IDS });
  await page.waitForFunction((n) => document.querySelectorAll('[data-run-swatch]').length === n, RUN_IDS.length);
  const first = await swatches();
  assert.equal(Object.keys(first).length, 12);
  assert.equal(new Set(Object.values(first)).size, 12, `colours repeat: ${JSON.stringify(first)}`);
  await screenshot(page, 'run-list-12-colours', { fullPage: true });

  // The host's list in another order, one run gone and a new one: the others keep their colours, the new one takes
  // the free colour (not the colour of whatever run now sits at its position).
  const reordered = [...RUN_IDS.slice(1).reverse(), 'run-13'];
  await send(twelve(reordered));
  await send({ type: 'select', runIds: reordered });
  await page.waitForFunction(() => document.querySelector('[data-run-swatch="run-13"]') !== null);
  const second = await swatches();
  for (const id of RUN_IDS.slice(1)) assert.equal(second[id], first[id], `${id} changed colour`);
  assert.equal(second['run-13'], first['run-01'], 'the new run takes the colour run-01 gave back');
  assert.equal(new Set(Object.values(second)).size, 12);
});

test('the focused run shows its name, tags and note; a labels delta updates them', { skip }, async () => {
  await page.waitForFunction(() => document.querySelector('.run-labels .run-name') !== null);
  const read = () =>
    page.evaluate(() => ({
      name: document.querySelector('.run-labels .run-name')?.textContent,
      tags: Array.from(document.querySelectorAll('.run-labels .run-tag')).map((e) => e.textContent),
      note: document.querySelector('.run-labels .run-note')?.textContent ?? null,
    }));
  await send({ type: 'select', runIds: ['run-03'] });
  await page.waitForFunction(() => document.querySelector('.run-labels .run-name')?.textContent === 'lora run-03');
  assert.deepEqual(await read(), { name: 'lora run-03', tags: ['#best', '#rank-32'], note: 'Sharper hands.\nKeep this one.' });
  // Text, never markup: a note with tags in it is shown as typed.
  await send({ type: 'delta', runId: 'run-03', label: 'renamed <b>run</b>', labels: { tags: ['final'] } });
  await page.waitForFunction(() => document.querySelector('.run-labels .run-name')?.textContent === 'renamed <b>run</b>');
  assert.deepEqual(await read(), { name: 'renamed <b>run</b>', tags: ['#final'], note: null });
  assert.equal(await page.locator('.run-labels b').count(), 0);
});

test('the run list folds to its header, the charts move up, and it stays folded after a reload', { skip }, async () => {
  await send({ type: 'select', runIds: RUN_IDS.slice(1) });
  await page.waitForFunction(() => document.querySelector('.run-list') !== null);
  const chartTop = () => page.evaluate(() => document.querySelector('vscode-tabs')!.getBoundingClientRect().top);
  const expandedTop = await chartTop();
  const toggle = page.locator('button.runs-toggle');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.match((await toggle.textContent()) ?? '', /Runs \(11 of 12 shown\)/);
  await toggle.click();
  await page.waitForFunction(() => document.querySelector('.run-list') === null);
  assert.equal(await page.locator('button.runs-toggle').getAttribute('aria-expanded'), 'false');
  const collapsedTop = await chartTop();
  assert.ok(collapsedTop < expandedTop - 100, `charts at ${collapsedTop}px folded, ${expandedTop}px unfolded`);
  // Folded, the list is no taller than the status beside it: it does not push the charts down.
  const heights = await page.evaluate(() => ({
    runs: document.querySelector('.runs-panel')!.getBoundingClientRect().height,
    status: document.querySelector('.status-panel')!.getBoundingClientRect().height,
  }));
  assert.ok(heights.runs <= heights.status, JSON.stringify(heights));
  await screenshot(page, 'run-list-collapsed', { fullPage: true });

  await page.reload();
  await web.ready();
  await send(twelve(RUN_IDS));
  await page.waitForFunction(() => document.querySelector('button.runs-toggle') !== null);
  assert.equal(await page.locator('button.runs-toggle').getAttribute('aria-expanded'), 'false');
  assert.equal(await page.locator('.run-list').count(), 0);
  await page.locator('button.runs-toggle').press('Enter');
  await page.waitForFunction(() => document.querySelector('.run-list') !== null);
  assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.className), 'runs-toggle', 'the toggle keeps the focus');
  assert.deepEqual(web.pageErrors, []);
});
